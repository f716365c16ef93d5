/**
 * A small structured JSON logger built for the request hot path.
 *
 * Lines are buffered and written in batches (on the next turn of the event loop, or sooner when
 * the buffer is large): one write per batch instead of one syscall per request is most of the
 * difference between a logging service that keeps up with raw node:http and one that does not.
 * `flush()` writes synchronously, so nothing is lost at shutdown.
 */
import type { LogLevel } from './config.js';

const LEVEL_VALUES: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

export interface LogSink {
  write(chunk: string): unknown;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  isEnabled(level: LogLevel): boolean;
  log(level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Appends an already serialised JSON object (no newline) at the given level. */
  writeRaw(level: Exclude<LogLevel, 'silent'>, json: string): void;
  flush(): void;
}

/** Buffer size at which a batch is written at once rather than on the next tick. */
const FLUSH_AT_BYTES = 64 * 1024;

export interface LoggerOptions {
  level: LogLevel;
  sink?: LogSink;
  /** Fields added to every line, e.g. the service name. */
  base?: LogFields;
}

export function createLogger({ level, sink = process.stdout, base = {} }: LoggerOptions): Logger {
  const threshold = LEVEL_VALUES[level];
  const basePart = Object.keys(base).length ? `,${JSON.stringify(base).slice(1, -1)}` : '';
  let buffer = '';
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    sink.write(chunk);
  };

  const append = (line: string): void => {
    buffer += line;
    if (buffer.length >= FLUSH_AT_BYTES) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  const prefix = (lvl: LogLevel) => `{"level":"${lvl}","time":"${new Date().toISOString()}"${basePart}`;

  const writeRaw: Logger['writeRaw'] = (lvl, json) => {
    if (LEVEL_VALUES[lvl] < threshold) return;
    // json is "{...}"; splice it after the common prefix.
    append(`${prefix(lvl)}${json.length > 2 ? `,${json.slice(1)}` : '}'}\n`);
  };

  const log: Logger['log'] = (lvl, msg, fields) => {
    if (LEVEL_VALUES[lvl] < threshold) return;
    writeRaw(lvl, JSON.stringify({ msg, ...fields }, errorReplacer));
  };

  return {
    level,
    isEnabled: (lvl) => LEVEL_VALUES[lvl] >= threshold,
    log,
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    writeRaw,
    flush,
  };
}

/** Errors serialise to their name, message and stack instead of `{}`. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  return value;
}
