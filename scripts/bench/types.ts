/** Shapes shared by the benchmark modules; kept apart so pure modules need not import spawning code. */

export type TargetName = 'raw' | 'service' | 'fastapi';

/** Parsed from one `wrk --latency` run. Latencies are in milliseconds. */
export interface WrkResult {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p75: number; readonly p90: number; readonly p99: number };
  /** Responses outside 2xx/3xx: a fast error page would inflate req/s, so these invalidate a run. */
  readonly non2xx: number;
  readonly socketErrors: { readonly connect: number; readonly read: number; readonly write: number; readonly timeout: number };
}

/** One load round against one target: wrk's view plus the server's own CPU time over the round. */
export interface RoundSample extends WrkResult {
  readonly round: number;
  readonly target: TargetName;
  readonly cpuTicks: number;
  readonly cpuMicrosPerRequest: number;
}

/** Medians over the interleaved rounds of one target. */
export interface LoadSummary {
  readonly rounds: number;
  readonly requestsPerSecond: number;
  readonly requestsPerSecondMin: number;
  readonly requestsPerSecondMax: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMicrosPerRequest: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

export interface TargetResult {
  readonly name: TargetName;
  readonly label: string;
  /** Set when the target could not run (e.g. no Python); everything else is then absent. */
  readonly skipped?: string;
  readonly load?: LoadSummary;
  readonly rssBytes?: number;
  readonly coldStartMs?: number;
  readonly coldStartRunsMs?: readonly number[];
}

export type Verdict = 'pass' | 'fail' | 'not measured' | 'info';

export interface GoalResult {
  readonly name: string;
  readonly measured: string;
  readonly goal: string;
  readonly verdict: Verdict;
}
