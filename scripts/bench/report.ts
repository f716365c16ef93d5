/** The markdown report: goals first, then per-target medians, then how it was measured. */
import type { BenchOptions } from './args.js';
import { VERDICT_LABEL } from './goals.js';
import type { GoalResult, RoundSample, TargetResult } from './types.js';

export interface BenchReport {
  readonly startedAt: string;
  readonly durationSeconds: number;
  /** How this run was invoked, to be pasted back into a shell. */
  readonly command: string;
  /** The wrk command line, with <port> standing in for each target's port. */
  readonly wrkCommand: string;
  readonly options: BenchOptions;
  readonly machine: string;
  readonly bundleBytes?: number;
  readonly targets: readonly TargetResult[];
  readonly goals: readonly GoalResult[];
  readonly rounds: readonly RoundSample[];
  readonly notes: readonly string[];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Fixed decimals, or an em dash when not measured. */
export function num(value: number | undefined, decimals = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function goalsTable(goals: readonly GoalResult[]): string {
  return markdownTable(
    ['Target', 'Measured', 'Goal', 'Result'],
    goals.map((g) => [g.name, g.measured, g.goal, VERDICT_LABEL[g.verdict]]),
  );
}

export function targetsTable(targets: readonly TargetResult[]): string {
  return markdownTable(
    ['Server', 'req/s (median)', 'req/s (min–max)', 'p50 ms', 'p99 ms', 'CPU µs/req', 'RSS MiB', 'Cold start ms (median)'],
    targets.map((t) => {
      if (t.skipped) return [t.label, `skipped: ${t.skipped}`, '—', '—', '—', '—', '—', '—'];
      const l = t.load;
      return [
        t.label,
        num(l?.requestsPerSecond),
        l ? `${num(l.requestsPerSecondMin)}–${num(l.requestsPerSecondMax)}` : '—',
        num(l?.p50Ms, 2),
        num(l?.p99Ms, 2),
        num(l?.cpuMicrosPerRequest, 1),
        num(t.rssBytes === undefined ? undefined : t.rssBytes / 1024 / 1024, 1),
        num(t.coldStartMs, 1),
      ];
    }),
  );
}

export function renderMarkdown(r: BenchReport): string {
  const o = r.options;
  const failed = r.goals.filter((g) => g.verdict === 'fail').length;
  const unmeasured = r.goals.filter((g) => g.verdict === 'not measured').length;
  const summary =
    failed > 0 ? `**${failed} goal(s) FAILED.**` : unmeasured > 0 ? `All measured goals pass; **${unmeasured} not measured.**` : 'All goals pass.';
  return [
    `# hono-api benchmark (${r.startedAt})`,
    '',
    summary,
    '',
    goalsTable(r.goals),
    '',
    targetsTable(r.targets),
    '',
    `- Command: \`${r.command}\``,
    `- Load: \`${r.wrkCommand}\`, ${o.rounds} interleaved round(s) of ${o.roundSeconds} s per server after a ${o.warmupSeconds} s warm-up; medians over rounds.`,
    `- CPU µs/req: server utime+stime from /proc/<pid>/stat over each round ÷ requests (robust to noisy neighbours). RSS: VmRSS after load. Cold start: spawn → first 200 on the readiness path, polled every 5 ms, median of ${o.coldStarts}.`,
    `- Machine: ${r.machine}`,
    ...r.notes.map((n) => `- ${n}`),
    `- Took ${num(r.durationSeconds)} s.`,
    '',
  ].join('\n');
}
