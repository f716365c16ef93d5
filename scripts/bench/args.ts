import { type ParseArgsConfig, parseArgs as parseNodeArgs } from 'node:util';

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

/** The numeric options and the field each sets. */
const NUMERIC = {
  rounds: 'rounds',
  'round-seconds': 'roundSeconds',
  'warmup-seconds': 'warmupSeconds',
  connections: 'connections',
  threads: 'threads',
  'cold-starts': 'coldStarts',
} as const;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  quick: { type: 'boolean' },
  'no-build': { type: 'boolean' },
  'no-fail': { type: 'boolean' },
  'no-fastapi': { type: 'boolean' },
  ...Object.fromEntries(Object.keys(NUMERIC).map((flag) => [flag, { type: 'string' }])),
} as const satisfies ParseArgsConfig['options'];

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
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseNodeArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    const e = err as Error & { code?: string };
    const flag = /'(-[^' ]+)/.exec(e.message)?.[1] ?? e.message;
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${flag.replace(/ <value>$/, '')} needs a whole number ≥ 1, got nothing`);
    throw new UsageError(`unknown option ${flag}\n\n${USAGE}`);
  }
  if (values.help) return 'help';
  const explicit: Partial<Record<keyof BenchOptions, number | boolean>> = {};
  if (values['no-build']) explicit.build = false;
  if (values['no-fail']) explicit.fail = false;
  if (values['no-fastapi']) explicit.fastapi = false;
  for (const [flag, field] of Object.entries(NUMERIC)) {
    const raw = values[flag] as string | undefined;
    if (raw === undefined) continue;
    const n = Number(raw);
    // wrk rejects fractional durations, and zero rounds would leave nothing to take a median of.
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} needs a whole number ≥ 1, got ${raw}`);
    explicit[field] = n;
  }
  const quick = values.quick === true;
  return { ...DEFAULTS, ...(quick ? QUICK : {}), ...explicit, quick } as BenchOptions;
}
