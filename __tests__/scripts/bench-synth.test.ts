/** The pure parts of `npm run bench:synth` (scripts/bench/synth.ts). */
import { describe, expect, it } from 'vitest';
import {
  type CaseSummary,
  DEFAULT_OPTIONS,
  fullSynthStackCount,
  type SynthReport,
  TARGETS,
  UsageError,
  childEnv,
  descendants,
  evaluateTargets,
  exitCodeFor,
  median,
  parseGnuTime,
  parseStatPpid,
  parseStatusKb,
  parseSynthArgs,
  peakRssKb,
  renderMarkdown,
  summarize,
  synthCases,
} from '../../scripts/bench/synth.js';

describe('parseSynthArgs', () => {
  it('defaults', () => {
    expect(parseSynthArgs([])).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS).toMatchObject({ runs: 5, warmup: 1, noFail: false, cli: true });
  });

  it('reads every option, with = or a separate value', () => {
    expect(parseSynthArgs(['--runs', '3', '--warmup=0', '--no-cli', '--no-fail', '--out', 'x'])).toEqual({ runs: 3, warmup: 0, cli: false, noFail: true, outDir: 'x' });
    expect(parseSynthArgs(['--no-write'])).toMatchObject({ outDir: undefined });
    expect(parseSynthArgs(['-h'])).toBe('help');
    expect(parseSynthArgs(['--runs', '2', '--help'])).toBe('help');
  });

  it.each([
    [['--runs', '0'], /--runs expects an integer >= 1, got "0"/],
    [['--runs'], /--runs expects an integer >= 1, got nothing/],
    [['--warmup', '-1'], /--warmup expects an integer >= 0/],
    [['--runs', '2.5'], /--runs/],
    [['--fast'], /unknown option --fast/],
    [['--out'], /--out expects a directory/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSynthArgs(argv)).toThrow(UsageError);
    expect(() => parseSynthArgs(argv)).toThrow(message);
  });
});

describe('cases and environment', () => {
  it('runs the app as cdktf.json does, the CLI with --output, and two baselines', () => {
    const cases = synthCases('/repo', '/usr/bin/node', true, 15);
    expect(cases.map((c) => c.id)).toEqual(['node-startup', 'state-only', 'app-synth', 'cdktf-synth']);
    const app = cases.find((c) => c.id === 'app-synth')!;
    expect([app.command, ...app.args]).toEqual(['/usr/bin/node', '--import', 'tsx', 'main.ts']);
    expect(app).toMatchObject({ outdirEnv: true, expectStacks: 15 });
    const cli = cases.find((c) => c.id === 'cdktf-synth')!;
    expect(cli.command).toBe('/repo/node_modules/.bin/cdktf');
    expect(cli.args).toEqual(['synth', '--output', '{outdir}']);
    expect(synthCases('/repo', 'node', false, 15).map((c) => c.id)).not.toContain('cdktf-synth');
  });

  it('gives children no extra CA bundle, no checkpoint calls and no leftover stack selection', () => {
    const env = childEnv({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/ca.pem', ENVIRONMENTS: 'dev', STATE_BACKEND: 'local', CDKTF_OUTDIR: '/x', CDKTF_CONTEXT_JSON: '{}' }, '/tmp/out');
    expect(env).toEqual({ PATH: '/bin', CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: '/tmp/out' });
    expect(childEnv({ PATH: '/bin' })).toEqual({ PATH: '/bin', CHECKPOINT_DISABLE: '1' });
  });

  it('targets the app synth: under 5 s and 400 MiB', () => {
    expect(TARGETS).toEqual([
      expect.objectContaining({ caseId: 'app-synth', metric: 'wall', limit: 5000 }),
      expect.objectContaining({ caseId: 'app-synth', metric: 'rss', limit: 400 * 1024 }),
    ]);
  });
});

describe('parsing what the children and /proc report', () => {
  it('reads GNU time -f "%e %M", ignoring whatever precedes it', () => {
    expect(parseGnuTime('3.14 201234\n')).toEqual({ elapsedS: 3.14, maxRssKb: 201234 });
    expect(parseGnuTime('Command exited with non-zero status 1\n0.50 40000\n')).toEqual({ elapsedS: 0.5, maxRssKb: 40000 });
    expect(parseGnuTime('garbage')).toBeUndefined();
  });

  it('reads VmRSS and VmHWM from /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  201234 kB\nVmRSS:\t  190000 kB\n';
    expect(parseStatusKb(status, 'VmHWM')).toBe(201234);
    expect(parseStatusKb(status, 'VmRSS')).toBe(190000);
    expect(parseStatusKb('Name:\tzombie\n', 'VmRSS')).toBeUndefined();
  });

  it('reads the parent pid from /proc/<pid>/stat, whatever the command name holds', () => {
    expect(parseStatPpid('1234 (node) S 1200 1234 1234 0 -1')).toBe(1200);
    expect(parseStatPpid('77 (we) ird (name)) R 5 77 77 0 -1')).toBe(5);
  });

  it('walks a process tree', () => {
    const parentOf = new Map([
      [10, 1],
      [11, 10],
      [12, 10],
      [13, 11],
      [20, 1],
    ]);
    expect(descendants(10, parentOf).sort()).toEqual([11, 12, 13]);
    expect(descendants(13, parentOf)).toEqual([]);
  });
});

describe('statistics and targets', () => {
  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  const app = { id: 'app-synth', label: 'App synth', display: 'node --import tsx main.ts' } as const;

  it('summarizes runs: median, range, and the largest memory of any run', () => {
    const s = summarize(app, [
      { wallMs: 1200, maxRssKb: 190_000, treeRssKb: 200_000 },
      { wallMs: 1000, maxRssKb: 195_000 },
      { wallMs: 5000, processHwmKb: 180_000, treeRssKb: 210_000 },
    ]);
    expect(s).toEqual({ ...app, runs: 3, wallMs: { median: 1200, min: 1000, max: 5000 }, maxRssKb: 195_000, treeRssKb: 210_000 });
    expect(peakRssKb(s)).toBe(210_000);
    expect(summarize(app, [{ wallMs: 10 }])).not.toHaveProperty('maxRssKb');
  });

  const summary = (median: number, rss: number | undefined): CaseSummary => ({
    ...app,
    runs: 5,
    wallMs: { median, min: median, max: median },
    ...(rss === undefined ? {} : { maxRssKb: rss }),
  });

  it('passes targets under the limits and fails at or over them', () => {
    expect(evaluateTargets([summary(3000, 300 * 1024)]).map((r) => r.pass)).toEqual([true, true]);
    expect(evaluateTargets([summary(5000, 399 * 1024)]).map((r) => r.pass)).toEqual([false, true]);
    expect(evaluateTargets([summary(1000, 400 * 1024)]).map((r) => r.pass)).toEqual([true, false]);
  });

  it('treats an unmeasured target as a failure of the run, unless --no-fail', () => {
    const results = evaluateTargets([summary(1000, undefined)]);
    expect(results[1]).toMatchObject({ measured: undefined, pass: undefined });
    expect(exitCodeFor(results, false)).toBe(1);
    expect(exitCodeFor(results, true)).toBe(0);
    expect(exitCodeFor(evaluateTargets([]), false)).toBe(1);
    expect(exitCodeFor(evaluateTargets([summary(1000, 1000)]), false)).toBe(0);
    expect(exitCodeFor(evaluateTargets([summary(9000, 1000)]), false)).toBe(1);
    expect(exitCodeFor(evaluateTargets([summary(9000, 1000)]), true)).toBe(0);
  });
});

describe('renderMarkdown', () => {
  const cases: CaseSummary[] = [
    { id: 'node-startup', label: 'Node startup (baseline)', display: "node -e ''", runs: 5, wallMs: { median: 40, min: 30, max: 50 }, maxRssKb: 40 * 1024 },
    { id: 'state-only', label: 'State stack alone (baseline)', display: 'state', runs: 5, wallMs: { median: 700, min: 650, max: 800 }, maxRssKb: 120 * 1024, treeRssKb: 130 * 1024 },
    { id: 'app-synth', label: 'App synth, all stacks', display: 'node --import tsx main.ts', runs: 5, wallMs: { median: 1400, min: 1300, max: 6000 }, maxRssKb: 200 * 1024, treeRssKb: 210 * 1024 },
  ];
  const report: SynthReport = {
    startedAt: '2026-01-01T00:00:00.000Z',
    node: 'v20.20.2',
    cpus: 2,
    loadAverage: [0.5, 0.4, 0.3],
    runs: 5,
    warmup: 1,
    memoryMethod: 'GNU time',
    cases,
    targets: evaluateTargets(cases),
  };
  const md = renderMarkdown(report);

  it('prints a row per case with medians, ranges, baseline ratios and memory', () => {
    expect(md).toContain('| App synth, all stacks | `node --import tsx main.ts` | 1.40 s | 1.30 s – 6.00 s | 35.0× | 2.0× | 200 MiB | 210 MiB |');
    expect(md).toContain('| Node startup (baseline) | `node -e \'\'` | 0.04 s | 0.03 s – 0.05 s | 1.0× | 0.1× | 40 MiB | n/a |');
  });

  it('prints the targets with the limit and the verdict', () => {
    expect(md).toContain('| App synth, median wall time | 1.40 s | < 5 s | pass |');
    expect(md).toContain('| App synth, peak RSS | 210 MiB | < 400 MiB | pass |');
    const failing = renderMarkdown({ ...report, targets: evaluateTargets([{ ...cases[2]!, wallMs: { median: 7000, min: 7000, max: 7000 } }]) });
    expect(failing).toContain('| App synth, median wall time | 7.00 s | < 5 s | **FAIL** |');
  });

  it('says how and when it measured', () => {
    expect(md).toMatch(/^## Synth benchmark\n/);
    expect(md).toContain('Node v20.20.2; 2 CPUs, load average 0.50 0.40 0.30; 5 measured runs per case after 1 warm-up round, interleaved');
  });
});

describe('fullSynthStackCount', () => {
  it('counts the stacks of the real graph: three shared ones plus each environment\'s', async () => {
    const { platformConfig } = await import('../../stacks/config/environments.js');
    const perEnvironment = ['network', 'cluster', 'platform', 'app'].length;
    expect(await fullSynthStackCount()).toBe(3 + perEnvironment * Object.keys(platformConfig.environments).length);
  });
});
