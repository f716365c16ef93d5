import { describe, expect, it } from 'vitest';
import { cpuMicrosPerRequest, median, ratio, summarizeRounds } from '../../../scripts/bench/stats.js';
import type { RoundSample } from '../../../scripts/bench/types.js';

describe('median', () => {
  it('takes the middle of an odd-length list regardless of order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  it('averages the two middle values of an even-length list', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores one outlier round, which a mean would not', () => {
    expect(median([20_000, 21_000, 500])).toBe(20_000);
  });

  it('sorts numerically, not as strings', () => {
    expect(median([100, 9, 20])).toBe(20);
  });

  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('ratio', () => {
  it('divides', () => {
    expect(ratio(7000, 10_000)).toBe(0.7);
  });

  it('is undefined when a side was not measured or the denominator is zero', () => {
    expect(ratio(undefined, 1)).toBeUndefined();
    expect(ratio(1, undefined)).toBeUndefined();
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(Number.NaN, 1)).toBeUndefined();
  });
});

describe('cpuMicrosPerRequest', () => {
  it('converts clock ticks to microseconds per request', () => {
    // 250 ticks at 100 Hz = 2.5 s of CPU over 100 000 requests = 25 µs each.
    expect(cpuMicrosPerRequest(250, 100, 100_000)).toBe(25);
  });

  it('is NaN when no request completed', () => {
    expect(cpuMicrosPerRequest(10, 100, 0)).toBeNaN();
  });
});

const sample = (round: number, rps: number, p50: number, p99: number, cpu: number, errors = 0): RoundSample => ({
  round,
  target: 'service',
  requests: rps * 10,
  durationSeconds: 10,
  requestsPerSecond: rps,
  latencyMs: { p50, p75: p50, p90: p99, p99 },
  non2xx: errors,
  socketErrors: { connect: 0, read: errors, write: 0, timeout: 1 },
  cpuTicks: 0,
  cpuMicrosPerRequest: cpu,
});

describe('summarizeRounds', () => {
  it('takes each metric’s median independently and keeps the req/s spread', () => {
    const s = summarizeRounds([sample(1, 100, 1.0, 9, 30), sample(2, 300, 3.0, 5, 10), sample(3, 200, 2.0, 7, 20, 4)]);
    expect(s).toEqual({
      rounds: 3,
      requestsPerSecond: 200,
      requestsPerSecondMin: 100,
      requestsPerSecondMax: 300,
      p50Ms: 2,
      p99Ms: 7,
      cpuMicrosPerRequest: 20,
      non2xx: 4,
      // 1 timeout in each round plus 4 read errors in the third.
      socketErrors: 7,
    });
  });
});
