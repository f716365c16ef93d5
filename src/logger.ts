/**
 * A small structured JSON logger built for the request hot path.
 *
 * Lines are buffered and written in batches, every FLUSH_INTERVAL_MS or sooner when the buffer is
 * large: one write per batch instead of one syscall per request is most of the difference between
 * a logging service that keeps up with raw node:http and one that does not. The process calls
 * `flush()` before it exits, so nothing is lost at shutdown.
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
  write(chunk: string | Uint8Array): unknown;
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
  /**
   * Hot path: appends serialised fields (`"a":1,"b":"x"`, no braces) at the given level, stamped
   * with `timeMs` (epoch milliseconds) when given, else now.
   */
  writeFields(level: Exclude<LogLevel, 'silent'>, fields: string, timeMs?: number): void;
  /**
   * Registers a function that writes out lines a batching writer holds; it runs before every flush
   * and before every `log()` line, so the output stays in the order things happened.
   */
  beforeFlush(hook: () => void): void;
  flush(): void;
}

/** Buffer size at which a batch is written at once rather than at the next interval. */
const FLUSH_AT_BYTES = 64 * 1024;
/** Longest a line waits in the buffer: short enough for `kubectl logs -f` to feel live. */
const FLUSH_INTERVAL_MS = 50;

/** ISO timestamps are cached per millisecond: under load many lines share one. */
let lastMs = 0;
let lastIso = '';
function isoAt(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export interface LoggerOptions {
  level: LogLevel;
  sink?: LogSink;
  /** Fields added to every line, e.g. the service name. */
  base?: LogFields;
}

export function createLogger({ level, sink = process.stdout, base = {} }: LoggerOptions): Logger {
  const threshold = LEVEL_VALUES[level];
  const basePart = Object.keys(base).length ? `,${JSON.stringify(base).slice(1, -1)}` : '';
  // Lines are copied into a byte buffer straight away rather than kept as strings until the
  // flush: held strings survive young-generation GCs and get promoted, which measured at several
  // microseconds per request under load; copied bytes leave the line string to die young.
  let buffer = Buffer.allocUnsafe(FLUSH_AT_BYTES);
  let used = 0;
  let scheduled = false;
  const hooks: (() => void)[] = [];
  let draining = false;

  /** Lets batching writers write what they hold, so lines stay in the order things happened. */
  const drainHooks = (): void => {
    if (draining || hooks.length === 0) return;
    // A hook writes lines, which may fill the buffer and flush again: run hooks once at a time.
    draining = true;
    try {
      for (const hook of hooks) hook();
    } finally {
      draining = false;
    }
  };

  const flush = (): void => {
    drainHooks();
    if (used === 0) return;
    const chunk = buffer.subarray(0, used);
    buffer = Buffer.allocUnsafe(FLUSH_AT_BYTES);
    used = 0;
    sink.write(chunk);
  };

  const append = (line: string): void => {
    // A UTF-16 code unit is at most 3 bytes in UTF-8, so this check never truncates.
    if (used + line.length * 3 > FLUSH_AT_BYTES) {
      flush();
      if (line.length * 3 > FLUSH_AT_BYTES) {
        sink.write(line);
        return;
      }
    }
    used += buffer.write(line, used);
    if (!scheduled) {
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        flush();
      }, FLUSH_INTERVAL_MS).unref();
    }
  };

  const writeFields: Logger['writeFields'] = (lvl, fields, timeMs = Date.now()) => {
    if (LEVEL_VALUES[lvl] < threshold) return;
    append(`{"level":"${lvl}","time":"${isoAt(timeMs)}"${basePart}${fields === '' ? '' : ','}${fields}}\n`);
  };

  const writeRaw: Logger['writeRaw'] = (lvl, json) => writeFields(lvl, json.slice(1, -1));

  const log: Logger['log'] = (lvl, msg, fields) => {
    if (LEVEL_VALUES[lvl] < threshold) return;
    drainHooks();
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
    writeFields,
    beforeFlush: (hook) => void hooks.push(hook),
    flush,
  };
}

/** Errors serialise to their name, message and stack instead of `{}`. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  return value;
}
