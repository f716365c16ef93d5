/**
 * Medians and ratios. The bench machine is a noisy shared VM, so every headline number is a
 * median over interleaved rounds rather than a mean, which one stalled round would drag.
 */
import type { LoadSummary, RoundSample } from './types.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** numerator / denominator, or undefined when either side was not measured or the result is meaningless. */
export function ratio(numerator: number | undefined, denominator: number | undefined): number | undefined {
  if (numerator === undefined || denominator === undefined) return undefined;
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return undefined;
  return numerator / denominator;
}

/** Server CPU time (utime+stime clock ticks) per request, in microseconds. */
export function cpuMicrosPerRequest(cpuTicks: number, ticksPerSecond: number, requests: number): number {
  if (requests <= 0) return Number.NaN;
  return ((cpuTicks / ticksPerSecond) * 1e6) / requests;
}

export function summarizeRounds(samples: readonly RoundSample[]): LoadSummary {
  const rps = samples.map((s) => s.requestsPerSecond);
  return {
    rounds: samples.length,
    requestsPerSecond: median(rps),
    requestsPerSecondMin: Math.min(...rps),
    requestsPerSecondMax: Math.max(...rps),
    p50Ms: median(samples.map((s) => s.latencyMs.p50)),
    p99Ms: median(samples.map((s) => s.latencyMs.p99)),
    cpuMicrosPerRequest: median(samples.map((s) => s.cpuMicrosPerRequest)),
    non2xx: samples.reduce((n, s) => n + s.non2xx, 0),
    socketErrors: samples.reduce((n, s) => n + s.socketErrors.connect + s.socketErrors.read + s.socketErrors.write + s.socketErrors.timeout, 0),
  };
}
