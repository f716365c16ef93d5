/**
 * `npm run bench:synth`: how long and how much memory a full synth of every stack of every
 * environment takes, each run a fresh child process:
 *
 *   - app synth:   `node --import tsx main.ts` (what cdktf.json runs; the target applies here)
 *   - cdktf synth: `node_modules/.bin/cdktf synth` end to end (the CLI, which then runs the app)
 *
 * and two baselines measured in the same invocation, interleaved round by round so a noisy
 * neighbour slows every case alike: `node -e ''` (Node startup) and a synth of the state stack
 * alone (framework and config loading without the other stacks).
 *
 * Wall time is measured around the child; peak memory with GNU time's %M (the largest single
 * process of the tree) when /usr/bin/time exists, and by sampling /proc for the whole process tree
 * (node plus the esbuild service tsx starts, or the CLI plus the app it runs).
 *
 * Children run without NODE_EXTRA_CA_CERTS (loading a CA bundle is not synth work) and with
 * CHECKPOINT_DISABLE=1, and write into a temporary directory, never cdktf.out.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

export interface SynthBenchOptions {
  /** Measured runs per case. */
  readonly runs: number;
  /** Unmeasured rounds first (disk cache, tsx cache). */
  readonly warmup: number;
  /** Report a missed target but exit 0. */
  readonly noFail: boolean;
  /** Include `cdktf synth` (the slowest case). */
  readonly cli: boolean;
  /** Where to write synth-latest.md/.json; undefined: do not write. */
  readonly outDir: string | undefined;
}

export const DEFAULT_OPTIONS: SynthBenchOptions = { runs: 5, warmup: 1, noFail: false, cli: true, outDir: 'bench-results' };

export const USAGE = `Usage: npm run bench:synth -- [options]

Times a full synth of all stacks for all environments in fresh child processes and checks the
targets (app synth median < 5 s, peak RSS < 400 MiB).

Options:
  --runs N        measured runs per case (default ${DEFAULT_OPTIONS.runs})
  --warmup N      unmeasured warm-up rounds (default ${DEFAULT_OPTIONS.warmup})
  --no-cli        skip \`cdktf synth\` end to end
  --no-fail       exit 0 even when a target is missed
  --out DIR       write synth-latest.md and synth-latest.json there (default ${DEFAULT_OPTIONS.outDir})
  --no-write      print only
  -h, --help      this text`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseSynthArgs(argv: readonly string[]): SynthBenchOptions | 'help' {
  const options = { ...DEFAULT_OPTIONS } as { -readonly [K in keyof SynthBenchOptions]: SynthBenchOptions[K] };
  const count = (flag: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} expects an integer >= ${min}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--runs':
        options.runs = count('--runs', value(), 1);
        break;
      case '--warmup':
        options.warmup = count('--warmup', value(), 0);
        break;
      case '--no-cli':
        options.cli = false;
        break;
      case '--no-fail':
        options.noFail = true;
        break;
      case '--out': {
        const dir = value();
        if (!dir) throw new UsageError('--out expects a directory');
        options.outDir = dir;
        break;
      }
      case '--no-write':
        options.outDir = undefined;
        break;
      default:
        throw new UsageError(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Cases and targets
// ---------------------------------------------------------------------------------------------

export type CaseId = 'node-startup' | 'state-only' | 'app-synth' | 'cdktf-synth';

export interface BenchCase {
  readonly id: CaseId;
  readonly label: string;
  /** Shown in the report. */
  readonly display: string;
  readonly command: string;
  /** Arguments; `{outdir}` is replaced with the run's output directory. */
  readonly args: readonly string[];
  /** Passed as CDKTF_OUTDIR (the app) when true; the CLI takes --output instead. */
  readonly outdirEnv: boolean;
  /** Stacks the run must have written (checked, so a failing synth is never timed); 0: none. */
  readonly expectStacks: number;
}

/**
 * Stacks of a full synth, counted from the real stack graph (in this process, outside any timed
 * run), so adding a stack kind never makes the benchmark refuse a correct synth.
 */
export async function fullSynthStackCount(): Promise<number> {
  const [{ Testing }, { platformConfig }, { selectEnvironments, validatePlatformConfig }, { definePlatform }] = await Promise.all([
    import('cdktf'),
    import('../../stacks/config/environments.js'),
    import('../../stacks/config/validate.js'),
    import('../../stacks/platform.js'),
  ]);
  const config = validatePlatformConfig(platformConfig);
  return definePlatform(Testing.app(), { config, environments: selectEnvironments(undefined, config), stateBackend: 's3' }).length;
}

export function synthCases(repoRoot: string, nodePath: string, includeCli: boolean, fullStacks: number): BenchCase[] {
  const cases: BenchCase[] = [
    { id: 'node-startup', label: 'Node startup (baseline)', display: "node -e ''", command: nodePath, args: ['-e', ''], outdirEnv: false, expectStacks: 0 },
    {
      id: 'state-only',
      label: 'State stack alone (baseline)',
      display: 'node --import tsx scripts/bench/synth-state-only.ts',
      command: nodePath,
      args: ['--import', 'tsx', 'scripts/bench/synth-state-only.ts'],
      outdirEnv: true,
      expectStacks: 1,
    },
    { id: 'app-synth', label: 'App synth, all stacks', display: 'node --import tsx main.ts', command: nodePath, args: ['--import', 'tsx', 'main.ts'], outdirEnv: true, expectStacks: fullStacks },
  ];
  if (includeCli)
    cases.push({
      id: 'cdktf-synth',
      label: 'cdktf synth, end to end',
      display: 'node_modules/.bin/cdktf synth',
      command: path.join(repoRoot, 'node_modules', '.bin', 'cdktf'),
      args: ['synth', '--output', '{outdir}'],
      outdirEnv: false,
      expectStacks: fullStacks,
    });
  return cases;
}

export interface Target {
  readonly caseId: CaseId;
  readonly metric: 'wall' | 'rss';
  readonly label: string;
  /** Milliseconds for wall, KiB for rss. */
  readonly limit: number;
}

export const TARGETS: readonly Target[] = [
  { caseId: 'app-synth', metric: 'wall', label: 'App synth, median wall time', limit: 5_000 },
  { caseId: 'app-synth', metric: 'rss', label: 'App synth, peak RSS', limit: 400 * 1024 },
];

/** The environment for the children: no extra CA bundle, no checkpoint calls, no leftover selection. */
export function childEnv(base: NodeJS.ProcessEnv, outdir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, CHECKPOINT_DISABLE: '1' };
  for (const key of ['NODE_EXTRA_CA_CERTS', 'ENVIRONMENTS', 'STATE_BACKEND', 'CDKTF_CONTEXT_JSON', 'CDKTF_OUTDIR', 'CDKTF_TARGET_STACK_ID', 'SYNTH_HCL_OUTPUT'])
    delete env[key];
  if (outdir) env.CDKTF_OUTDIR = outdir;
  return env;
}

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

export interface Sample {
  readonly wallMs: number;
  /** GNU time %M: peak RSS of the largest single process in the tree, KiB. */
  readonly maxRssKb?: number;
  /** Largest sampled sum of VmRSS over the process tree, KiB. */
  readonly treeRssKb?: number;
  /** Largest VmHWM seen for any process of the tree, KiB (the %M stand-in without GNU time). */
  readonly processHwmKb?: number;
}

/** GNU time's output for `-f '%e %M'`: elapsed seconds and max RSS in KiB (the last such line). */
export function parseGnuTime(text: string): { elapsedS: number; maxRssKb: number } | undefined {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    const m = /^(\d+(?:\.\d+)?) (\d+)$/.exec(line.trim());
    if (m) return { elapsedS: Number(m[1]), maxRssKb: Number(m[2]) };
  }
  return undefined;
}

/** A `Key:   1234 kB` line of /proc/<pid>/status, in KiB. */
export function parseStatusKb(status: string, key: 'VmRSS' | 'VmHWM'): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status);
  return m ? Number(m[1]) : undefined;
}

/** The parent pid from /proc/<pid>/stat (field 4; the command name may hold spaces and parentheses). */
export function parseStatPpid(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** Every descendant of `root`, given each process's parent. */
export function descendants(root: number, parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

const readOr = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

function parentMap(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOr(`/proc/${entry}/stat`);
    const ppid = stat ? parseStatPpid(stat) : undefined;
    if (ppid !== undefined) map.set(Number(entry), ppid);
  }
  return map;
}

/** Samples the RSS of a process tree every `intervalMs` until stopped (Linux /proc only). */
export class TreeRssSampler {
  private timer: NodeJS.Timeout | undefined;
  private peakTreeKb = 0;
  private peakHwmKb = 0;
  readonly available = existsSync('/proc/self/status');

  constructor(
    private readonly root: number,
    /** A pid to leave out of the sums (the GNU time wrapper). */
    private readonly exclude: number | undefined,
    private readonly intervalMs = 20,
  ) {}

  start(): this {
    if (this.available) {
      this.sample();
      this.timer = setInterval(() => this.sample(), this.intervalMs);
    }
    return this;
  }

  /**
   * The peaks, or nothing for a process too short-lived to sample meaningfully (fewer than
   * MIN_SAMPLES samples: the first ones may see the child before it has even exec'd).
   */
  stop(): { treeRssKb?: number; processHwmKb?: number } {
    if (this.timer) clearInterval(this.timer);
    return this.available && this.samples >= TreeRssSampler.MIN_SAMPLES ? { treeRssKb: this.peakTreeKb, processHwmKb: this.peakHwmKb } : {};
  }

  static readonly MIN_SAMPLES = 5;
  private samples = 0;

  private sample(): void {
    this.samples++;
    const pids = [this.root, ...descendants(this.root, parentMap())].filter((p) => p !== this.exclude);
    let total = 0;
    for (const pid of pids) {
      const status = readOr(`/proc/${pid}/status`);
      if (!status) continue;
      total += parseStatusKb(status, 'VmRSS') ?? 0;
      this.peakHwmKb = Math.max(this.peakHwmKb, parseStatusKb(status, 'VmHWM') ?? 0);
    }
    this.peakTreeKb = Math.max(this.peakTreeKb, total);
  }
}

export const GNU_TIME = '/usr/bin/time';

/** Whether /usr/bin/time is GNU time (it understands -f and -o). */
export function hasGnuTime(): boolean {
  if (!existsSync(GNU_TIME)) return false;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-synth-time-'));
  try {
    const out = path.join(dir, 'out');
    const r = spawnSync(GNU_TIME, ['-f', '%e %M', '-o', out, 'true']);
    return r.status === 0 && parseGnuTime(readOr(out) ?? '') !== undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class RunFailure extends Error {
  override name = 'RunFailure';
}

/** Stack directories a synth wrote (from its manifest). */
function stacksWritten(outdir: string): string[] {
  const manifest = readOr(path.join(outdir, 'manifest.json'));
  if (!manifest) return [];
  return Object.keys((JSON.parse(manifest) as { stacks?: Record<string, unknown> }).stacks ?? {});
}

export async function runOnce(c: BenchCase, opts: { cwd: string; outdir: string; useGnuTime: boolean; env?: NodeJS.ProcessEnv }): Promise<Sample> {
  const args = c.args.map((a) => a.replaceAll('{outdir}', opts.outdir));
  const env = childEnv(opts.env ?? process.env, c.outdirEnv ? opts.outdir : undefined);
  const timeFile = `${opts.outdir}.time`;
  const [command, argv] = opts.useGnuTime ? [GNU_TIME, ['-f', '%e %M', '-o', timeFile, c.command, ...args]] : [c.command, args];

  const started = performance.now();
  const child = spawn(command, argv, { cwd: opts.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  // Under GNU time the measured process is time's child: sample from time's pid but leave it out.
  const sampler = new TreeRssSampler(child.pid!, opts.useGnuTime ? child.pid : undefined).start();
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const wallMs = performance.now() - started;
  const sampled = sampler.stop();

  if (code !== 0) throw new RunFailure(`${c.display} exited with ${code}:\n${stderr.trim()}`);
  if (c.expectStacks > 0) {
    const stacks = stacksWritten(opts.outdir);
    if (stacks.length !== c.expectStacks) throw new RunFailure(`${c.display} wrote ${stacks.length} stacks (${stacks.join(', ')}), expected ${c.expectStacks}`);
  }
  const time = opts.useGnuTime ? parseGnuTime(readOr(timeFile) ?? '') : undefined;
  rmSync(timeFile, { force: true });
  return { wallMs, ...(time ? { maxRssKb: time.maxRssKb } : {}), ...sampled };
}

// ---------------------------------------------------------------------------------------------
// Statistics and report
// ---------------------------------------------------------------------------------------------

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface CaseSummary {
  readonly id: CaseId;
  readonly label: string;
  readonly display: string;
  readonly runs: number;
  readonly wallMs: { readonly median: number; readonly min: number; readonly max: number };
  /** Largest single process over all runs (GNU time %M, or the sampled VmHWM), KiB. */
  readonly maxRssKb?: number;
  /** Largest sampled process-tree RSS over all runs, KiB. */
  readonly treeRssKb?: number;
}

const maxOf = (values: (number | undefined)[]) => {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? Math.max(...present) : undefined;
};

export function summarize(c: Pick<BenchCase, 'id' | 'label' | 'display'>, samples: readonly Sample[]): CaseSummary {
  const walls = samples.map((s) => s.wallMs);
  const maxRssKb = maxOf(samples.map((s) => s.maxRssKb ?? s.processHwmKb));
  const treeRssKb = maxOf(samples.map((s) => s.treeRssKb));
  return {
    id: c.id,
    label: c.label,
    display: c.display,
    runs: samples.length,
    wallMs: { median: median(walls), min: Math.min(...walls), max: Math.max(...walls) },
    ...(maxRssKb !== undefined ? { maxRssKb } : {}),
    ...(treeRssKb !== undefined ? { treeRssKb } : {}),
  };
}

/** The memory a target is checked against: the larger of the single-process peak and the tree peak. */
export const peakRssKb = (s: CaseSummary) => maxOf([s.maxRssKb, s.treeRssKb]);

export interface TargetResult {
  readonly target: Target;
  readonly measured: number | undefined;
  /** undefined when the case or the metric was not measured. */
  readonly pass: boolean | undefined;
}

export function evaluateTargets(summaries: readonly CaseSummary[], targets: readonly Target[] = TARGETS): TargetResult[] {
  return targets.map((target) => {
    const s = summaries.find((x) => x.id === target.caseId);
    const measured = s ? (target.metric === 'wall' ? s.wallMs.median : peakRssKb(s)) : undefined;
    return { target, measured, pass: measured === undefined ? undefined : measured < target.limit };
  });
}

/** 0 when every measured target passed (or --no-fail); 1 otherwise. An unmeasured target fails. */
export function exitCodeFor(results: readonly TargetResult[], noFail: boolean): number {
  return noFail || results.every((r) => r.pass === true) ? 0 : 1;
}

export interface SynthReport {
  readonly startedAt: string;
  readonly node: string;
  readonly cpus: number;
  readonly loadAverage: readonly number[];
  readonly runs: number;
  readonly warmup: number;
  readonly memoryMethod: string;
  readonly cases: readonly CaseSummary[];
  readonly targets: readonly TargetResult[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kb: number | undefined) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`);
const times = (a: number, b: number | undefined) => (b === undefined || b <= 0 ? 'n/a' : `${(a / b).toFixed(1)}×`);
const formatMeasured = (t: TargetResult) => (t.measured === undefined ? 'not measured' : t.target.metric === 'wall' ? seconds(t.measured) : mib(t.measured));
const formatLimit = (t: Target) => (t.metric === 'wall' ? `< ${seconds(t.limit).replace('.00', '')}` : `< ${mib(t.limit)}`);

export function renderMarkdown(report: SynthReport): string {
  const byId = (id: CaseId) => report.cases.find((c) => c.id === id);
  const node = byId('node-startup')?.wallMs.median;
  const state = byId('state-only')?.wallMs.median;
  const lines = [
    '## Synth benchmark',
    '',
    `${report.startedAt}; Node ${report.node}; ${report.cpus} CPUs, load average ${report.loadAverage.map((l) => l.toFixed(2)).join(' ')}; ` +
      `${report.runs} measured runs per case after ${report.warmup} warm-up round${report.warmup === 1 ? '' : 's'}, interleaved; each run a fresh child process.`,
    `Memory: ${report.memoryMethod}.`,
    '',
    '| Case | Command | Median wall | Min – max | × Node startup | × state stack alone | Peak RSS, largest process | Peak RSS, process tree |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...report.cases.map(
      (c) =>
        `| ${c.label} | \`${c.display}\` | ${seconds(c.wallMs.median)} | ${seconds(c.wallMs.min)} – ${seconds(c.wallMs.max)} | ${times(c.wallMs.median, node)} | ${times(c.wallMs.median, state)} | ${mib(c.maxRssKb)} | ${mib(c.treeRssKb)} |`,
    ),
    '',
    '### Targets',
    '',
    '| Target | Measured | Limit | Result |',
    '|---|---:|---:|---|',
    ...report.targets.map((t) => `| ${t.target.label} | ${formatMeasured(t)} | ${formatLimit(t.target)} | ${t.pass === undefined ? 'not measured' : t.pass ? 'pass' : '**FAIL**'} |`),
    '',
    'Peak RSS for a target is the larger of the two memory columns.',
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Orchestration
// ---------------------------------------------------------------------------------------------

export async function runSynthBench(options: SynthBenchOptions, repoRoot: string, log: (line: string) => void = () => {}): Promise<SynthReport> {
  const cases = synthCases(repoRoot, process.execPath, options.cli, await fullSynthStackCount());
  const useGnuTime = hasGnuTime();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hono-api-bench-synth-'));
  const samples = new Map<CaseId, Sample[]>(cases.map((c) => [c.id, []]));
  const startedAt = new Date().toISOString();
  try {
    const rounds = options.warmup + options.runs;
    for (let round = 0; round < rounds; round++) {
      const measured = round >= options.warmup;
      for (const c of cases) {
        const outdir = path.join(tmp, `${c.id}-${round}`);
        const sample = await runOnce(c, { cwd: repoRoot, outdir, useGnuTime });
        rmSync(outdir, { recursive: true, force: true });
        if (measured) samples.get(c.id)!.push(sample);
        log(`${measured ? `run ${round - options.warmup + 1}/${options.runs}` : 'warm-up'}  ${c.id.padEnd(12)} ${seconds(sample.wallMs)}  ${mib(sample.maxRssKb ?? sample.processHwmKb)} (tree ${mib(sample.treeRssKb)})`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const summaries = cases.map((c) => summarize(c, samples.get(c.id)!));
  return {
    startedAt,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg(),
    runs: options.runs,
    warmup: options.warmup,
    memoryMethod: useGnuTime
      ? '`/usr/bin/time -f %M` (largest single process) and /proc VmRSS of the whole tree sampled every 20 ms'
      : '/proc VmHWM (largest single process) and VmRSS of the whole tree, sampled every 20 ms (no GNU time)',
    cases: summaries,
    targets: evaluateTargets(summaries),
  };
}
