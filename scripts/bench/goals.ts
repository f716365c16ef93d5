/**
 * The performance goals, always evaluated as ratios against baselines measured in the same
 * invocation: absolute req/s on a shared VM mean little, ratios taken minutes apart even less.
 */
import { ratio } from './stats.js';
import type { GoalResult, TargetResult, Verdict } from './types.js';

export const GOALS = {
  /** service req/s ÷ raw node:http req/s */
  minThroughputVsRaw: 0.7,
  /** service req/s ÷ FastAPI req/s */
  minThroughputVsFastapi: 3,
  /** service p99 ÷ raw p99 */
  maxP99VsRaw: 2,
  maxColdStartMs: 150,
  /** Decimal megabyte: the stricter reading of "1 MB". */
  maxBundleBytes: 1_000_000,
} as const;

export interface GoalInput {
  readonly raw?: TargetResult;
  readonly service?: TargetResult;
  readonly fastapi?: TargetResult;
  readonly bundleBytes?: number;
}

const x = (n: number) => `${n.toFixed(2)}×`;

/** passes === null marks a row shown for context only, never a gate. */
function check(name: string, goal: string, value: number | undefined, passes: ((v: number) => boolean) | null, show: (v: number) => string): GoalResult {
  if (value === undefined) return { name, measured: 'not measured', goal, verdict: passes ? 'not measured' : 'info' };
  return { name, measured: show(value), goal, verdict: passes === null ? 'info' : passes(value) ? 'pass' : 'fail' };
}

export function evaluateGoals({ raw, service, fastapi, bundleBytes }: GoalInput): GoalResult[] {
  const rps = (t?: TargetResult) => t?.load?.requestsPerSecond;
  const goals: GoalResult[] = [
    check('Throughput: service ÷ raw node:http', `≥ ${x(GOALS.minThroughputVsRaw)}`, ratio(rps(service), rps(raw)), (v) => v >= GOALS.minThroughputVsRaw, x),
    // Informational: the same comparison by CPU cost, which noise on a shared VM barely moves.
    check('CPU efficiency: raw µs/req ÷ service µs/req', `info only (read like the row above: ≥ ${x(GOALS.minThroughputVsRaw)})`, ratio(raw?.load?.cpuMicrosPerRequest, service?.load?.cpuMicrosPerRequest), null, x),
    check('Throughput: service ÷ FastAPI (1 worker)', `≥ ${x(GOALS.minThroughputVsFastapi)}`, ratio(rps(service), rps(fastapi)), (v) => v >= GOALS.minThroughputVsFastapi, x),
    check('p99 latency: service ÷ raw node:http', `≤ ${x(GOALS.maxP99VsRaw)}`, ratio(service?.load?.p99Ms, raw?.load?.p99Ms), (v) => v <= GOALS.maxP99VsRaw, x),
    check('Cold start: service (spawn → /readyz 200)', `< ${GOALS.maxColdStartMs} ms`, service?.coldStartMs, (v) => v < GOALS.maxColdStartMs, (v) => `${v.toFixed(1)} ms`),
    check('Bundle size: dist/server.mjs', `< ${(GOALS.maxBundleBytes / 1000).toFixed(0)} kB (1 MB)`, bundleBytes, (v) => v < GOALS.maxBundleBytes, (v) => `${(v / 1024).toFixed(1)} KiB (${v} B)`),
  ];

  // A target answering errors fast would look quick; every measured response must be 2xx.
  const measured = [raw, service, fastapi].filter((t): t is TargetResult & { load: NonNullable<TargetResult['load']> } => t?.load !== undefined);
  const bad = measured.filter((t) => t.load.non2xx > 0 || t.load.socketErrors > 0);
  goals.push({
    name: 'Every load response 2xx, no socket errors',
    measured: measured.length === 0 ? 'not measured' : bad.length === 0 ? 'yes' : bad.map((t) => `${t.name}: ${t.load.non2xx} non-2xx, ${t.load.socketErrors} socket errors`).join('; '),
    goal: 'all targets',
    verdict: measured.length === 0 ? 'not measured' : bad.length === 0 ? 'pass' : 'fail',
  });
  return goals;
}

/** 0 when no measured goal failed; "not measured" does not fail the run but is printed loudly. */
export function exitCodeFor(goals: readonly GoalResult[], noFail: boolean): number {
  if (noFail) return 0;
  return goals.some((g) => g.verdict === 'fail') ? 1 : 0;
}

export const VERDICT_LABEL: Record<Verdict, string> = { pass: '✅ pass', fail: '❌ fail', 'not measured': '⚠️ not measured', info: 'ℹ️ info' };
