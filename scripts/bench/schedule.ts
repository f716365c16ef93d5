/** Round ordering and the up-front time estimate. */
import type { BenchOptions } from './args.js';

/**
 * Round r starts at target r mod n (raw, service, fastapi; then service, fastapi, raw; …). Plain
 * round-robin interleaving already spreads slow drifts in machine load over every target; rotating
 * the start also stops one target always running right after the same neighbour.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  if (n === 0) return [];
  const start = ((round % n) + n) % n;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** Rough wall-clock seconds; build ~5 s, and about 1 s per cold start including FastAPI's import. */
export function estimateSeconds(o: BenchOptions, targets: number): number {
  const build = o.build ? 5 : 0;
  const startup = 2 * targets;
  return Math.round(build + startup + targets * o.warmupSeconds + o.rounds * targets * o.roundSeconds + o.coldStarts * targets * 1);
}
