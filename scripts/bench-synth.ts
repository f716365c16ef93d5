/**
 * `npm run bench:synth`: times a full synth of every stack (the app alone and `cdktf synth` end to
 * end) against baselines measured in the same invocation, prints a markdown report, writes it to
 * bench-results/synth-latest.{md,json}, and exits 1 when a target is missed (unless --no-fail).
 * Options: `npm run bench:synth -- --help`. The logic lives in scripts/bench/synth.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, UsageError, exitCodeFor, parseSynthArgs, renderMarkdown, runSynthBench } from './bench/synth.js';

async function main(): Promise<number> {
  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  const options = parseSynthArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const perRound = options.cli ? 15 : 5;
  console.error(`synth benchmark: ${options.warmup} warm-up + ${options.runs} measured rounds, about ${(options.warmup + options.runs) * perRound} s`);
  const report = await runSynthBench(options, repoRoot, (line) => console.error(line));
  const markdown = renderMarkdown(report);
  console.log(markdown);
  if (options.outDir) {
    const dir = path.resolve(repoRoot, options.outDir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'synth-latest.md'), markdown);
    writeFileSync(path.join(dir, 'synth-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.error(`wrote ${path.relative(process.cwd(), path.join(dir, 'synth-latest.md'))} and synth-latest.json`);
  }
  const code = exitCodeFor(report.targets, options.noFail);
  if (code !== 0) console.error('a synth target was missed (see Targets); pass --no-fail to report without failing');
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof UsageError ? err.message : err);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
