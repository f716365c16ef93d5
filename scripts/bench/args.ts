/** Command-line options. `--quick` changes the defaults; explicit flags win over it in any order. */

export interface BenchOptions {
  readonly build: boolean;
  readonly fail: boolean;
  readonly fastapi: boolean;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly threads: number;
  readonly coldStarts: number;
  readonly quick: boolean;
}

/** ~3 minutes: 5 interleaved rounds × 3 targets × 10 s, plus warm-up, cold starts and build. */
export const DEFAULTS: Omit<BenchOptions, 'quick'> = {
  build: true,
  fail: true,
  fastapi: true,
  rounds: 5,
  roundSeconds: 10,
  warmupSeconds: 5,
  connections: 32,
  threads: 1,
  coldStarts: 5,
};

/** ~40 seconds: enough to smoke-test the harness and see the shape of the numbers. */
export const QUICK: Partial<BenchOptions> = { rounds: 3, roundSeconds: 3, warmupSeconds: 1, coldStarts: 3 };

const NUMERIC = {
  '--rounds': 'rounds',
  '--round-seconds': 'roundSeconds',
  '--warmup-seconds': 'warmupSeconds',
  '--connections': 'connections',
  '--threads': 'threads',
  '--cold-starts': 'coldStarts',
} as const;

export const USAGE = `Usage: npm run bench -- [options]

  --quick               ~40 s run (${QUICK.rounds} rounds × ${QUICK.roundSeconds} s, ${QUICK.warmupSeconds} s warm-up, ${QUICK.coldStarts} cold starts)
  --rounds N            interleaved load rounds per target (default ${DEFAULTS.rounds})
  --round-seconds S     wrk duration of each round, whole seconds (default ${DEFAULTS.roundSeconds})
  --warmup-seconds S    wrk warm-up per target before the rounds (default ${DEFAULTS.warmupSeconds})
  --connections N       wrk keep-alive connections (default ${DEFAULTS.connections})
  --threads N           wrk threads (default ${DEFAULTS.threads})
  --cold-starts N       cold-start repetitions per target (default ${DEFAULTS.coldStarts})
  --no-build            use the existing dist/server.mjs
  --no-fastapi          skip the FastAPI comparison (its goal is then "not measured")
  --no-fail             exit 0 even when a goal fails
  --help                show this text`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: readonly string[]): BenchOptions | 'help' {
  const explicit: Partial<Record<keyof BenchOptions, number | boolean>> = {};
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--quick') quick = true;
    else if (flag === '--no-build') explicit.build = false;
    else if (flag === '--no-fail') explicit.fail = false;
    else if (flag === '--no-fastapi') explicit.fastapi = false;
    else if (flag in NUMERIC) {
      const raw = inline ?? argv[++i];
      const n = Number(raw);
      // wrk rejects fractional durations, and zero rounds would leave nothing to take a median of.
      if (raw === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a whole number ≥ 1, got ${raw ?? 'nothing'}`);
      explicit[NUMERIC[flag as keyof typeof NUMERIC]] = n;
    } else throw new UsageError(`unknown option ${arg}\n\n${USAGE}`);
  }
  return { ...DEFAULTS, ...(quick ? QUICK : {}), ...explicit, quick } as BenchOptions;
}
