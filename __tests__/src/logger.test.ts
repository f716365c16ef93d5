import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { captureSink } from '../helpers/app-harness.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('level filtering', () => {
  it('drops lines below the level and keeps the rest', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'warn', sink });
    logger.log('trace', 't');
    logger.log('debug', 'd');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.log('fatal', 'f');
    logger.flush();
    expect(sink.lines().map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
      ['fatal', 'f'],
    ]);
  });

  it('isEnabled mirrors the threshold', () => {
    const logger = createLogger({ level: 'info', sink: captureSink() });
    expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => logger.isEnabled(l as 'info'))).toEqual([
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
    expect(logger.level).toBe('info');
  });

  it('writes nothing at all when silent, not even fatal or raw lines', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'silent', sink });
    logger.log('fatal', 'f');
    logger.writeRaw('fatal', '{"msg":"raw"}');
    logger.flush();
    expect(sink.chunks).toEqual([]);
  });

  it('filters writeRaw by level too', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'error', sink });
    logger.writeRaw('info', '{"msg":"dropped"}');
    logger.writeRaw('error', '{"msg":"kept"}');
    logger.flush();
    expect(sink.lines().map((l) => l.msg)).toEqual(['kept']);
  });
});

describe('line format', () => {
  it('writes level, time, base fields, msg and fields as one JSON object per line', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink, base: { service: 'svc' } });
    logger.info('hello', { a: 1, nested: { b: 'c' } });
    logger.flush();
    expect(sink.text().endsWith('\n')).toBe(true);
    const [line] = sink.lines();
    expect(Object.keys(line!)).toEqual(['level', 'time', 'service', 'msg', 'a', 'nested']);
    expect(line).toMatchObject({ level: 'info', service: 'svc', msg: 'hello', a: 1, nested: { b: 'c' } });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
  });

  it('splices raw JSON after the common prefix, including the empty object', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    logger.writeRaw('info', '{"msg":"raw","x":true}');
    logger.writeRaw('warn', '{}');
    logger.flush();
    const [a, b] = sink.lines();
    expect(a).toMatchObject({ level: 'info', msg: 'raw', x: true });
    expect(Object.keys(b!)).toEqual(['level', 'time']);
  });

  it('keeps a message with newlines and quotes on one line', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    logger.info('evil\n{"level":"fatal"}', { path: '"\n' });
    logger.flush();
    expect(sink.text().split('\n').filter(Boolean)).toHaveLength(1);
    expect(sink.lines()[0]!.msg).toBe('evil\n{"level":"fatal"}');
  });
});

describe('errors', () => {
  it('serialises an Error with its type, message and stack', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    const err = new TypeError('bad thing');
    logger.error('failed', { err });
    logger.flush();
    const line = sink.lines()[0]!;
    expect(line.err).toEqual({ type: 'TypeError', message: 'bad thing', stack: err.stack });
    expect((line.err as { stack: string }).stack).toMatch(/^TypeError: bad thing\n\s+at /);
  });

  it('serialises errors nested deeper in the fields', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    logger.warn('nested', { context: { cause: new RangeError('deep') } });
    logger.flush();
    expect(sink.lines()[0]!.context).toMatchObject({ cause: { type: 'RangeError', message: 'deep' } });
  });
});

describe('batching', () => {
  it('writes nothing before a flush and everything, in order, in one write after it', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    for (let i = 0; i < 10; i += 1) logger.info(`line ${i}`);
    expect(sink.chunks).toEqual([]);
    logger.flush();
    expect(sink.chunks).toHaveLength(1);
    expect(sink.lines().map((l) => l.msg)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i}`));
  });

  it('does not write an empty chunk when there is nothing to flush', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    logger.flush();
    logger.info('x');
    logger.flush();
    logger.flush();
    expect(sink.chunks).toHaveLength(1);
  });

  it('flushes on its own after 50 ms', () => {
    vi.useFakeTimers();
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    logger.info('a');
    logger.info('b');
    vi.advanceTimersByTime(49);
    expect(sink.chunks).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sink.lines().map((l) => l.msg)).toEqual(['a', 'b']);
    logger.info('c');
    vi.advanceTimersByTime(50);
    expect(sink.lines().map((l) => l.msg)).toEqual(['a', 'b', 'c']);
  });

  it('flushes early once about 64 KiB are buffered, losing nothing', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    const filler = 'x'.repeat(1000);
    for (let i = 0; i < 100; i += 1) logger.info(`n${i}`, { filler });
    expect(sink.chunks.length).toBeGreaterThan(0);
    logger.flush();
    expect(sink.lines().map((l) => l.msg)).toEqual(Array.from({ length: 100 }, (_, i) => `n${i}`));
  });

  it('writes a single oversized line straight through, after what was buffered', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    logger.info('before');
    logger.info('huge', { blob: 'y'.repeat(100_000) });
    logger.info('after');
    logger.flush();
    const lines = sink.lines();
    expect(lines.map((l) => l.msg)).toEqual(['before', 'huge', 'after']);
    expect((lines[1]!.blob as string).length).toBe(100_000);
  });

  it('encodes multi-byte characters intact across batches', () => {
    const sink = captureSink();
    const logger = createLogger({ level: 'info', sink });
    const text = 'héllo wörld ✓ 😀 '.repeat(500);
    for (let i = 0; i < 20; i += 1) logger.info(text);
    logger.flush();
    const lines = sink.lines();
    expect(lines).toHaveLength(20);
    for (const line of lines) expect(line.msg).toBe(text);
  });
});
