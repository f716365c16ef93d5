/**
 * `npm run bench`: the service against raw node:http and FastAPI, measured in one invocation on
 * 127.0.0.1. Prints the report, writes it to bench-results/, exits 1 if a measured goal fails.
 * Options: `npm run bench -- --help`. The logic lives in scripts/bench/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { USAGE, UsageError, parseArgs } from './bench/args.js';
import { installCleanupHandlers, killAllNow } from './bench/children.js';
import { exitCodeFor } from './bench/goals.js';
import { type BenchReport, renderMarkdown } from './bench/report.js';
import { runBench } from './bench/run.js';
import { estimateSeconds } from './bench/schedule.js';
import { assertWrkInstalled } from './bench/wrk.js';

function writeResults(report: BenchReport, markdown: string): string[] {
  mkdirSync('bench-results', { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const files: [string, string][] = [
    [`bench-results/bench-${stamp}.md`, markdown],
    [`bench-results/bench-${stamp}.json`, `${JSON.stringify(report, null, 2)}\n`],
    ['bench-results/latest.md', markdown],
    ['bench-results/latest.json', `${JSON.stringify(report, null, 2)}\n`],
  ];
  for (const [path, text] of files) writeFileSync(path, text);
  return files.map(([path]) => path);
}

async function main(): Promise<number> {
  // Paths (dist/, .cache/, bench-results/) are relative to the repository root.
  process.chdir(fileURLToPath(new URL('..', import.meta.url)));
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  assertWrkInstalled();
  installCleanupHandlers();
  console.log(`hono-api benchmark: about ${estimateSeconds(options, options.fastapi ? 3 : 2)} s expected`);

  const report = await runBench(options, argv);
  const markdown = renderMarkdown(report);
  console.log(`\n${markdown}`);
  console.log(`written: ${writeResults(report, markdown).join(', ')}`);
  return exitCodeFor(report.goals, !options.fail);
}

main().then(
  (code) => {
    killAllNow();
    process.exit(code);
  },
  (err: unknown) => {
    killAllNow();
    if (err instanceof UsageError) console.error(err.message);
    else console.error('benchmark failed:', err);
    process.exit(2);
  },
);
