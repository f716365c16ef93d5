/**
 * Runs the pinned checkov (`npm run tools`) offline and returns what it found, so each test can
 * require zero unexplained findings:
 *
 *   const report = await runCheckov({ dir: stacksDir, framework: 'terraform_json' });
 *   report.failed    // every failed check; the test decides which (if any) are accepted
 *   report.skipped   // checks suppressed inline, each with checkov's suppress_comment
 *
 * No skip list is passed to checkov: every suppression lives next to the code it concerns.
 */
import { runCommand } from '../../scripts/lib/run.js';
import { toolchain } from '../../tools/toolchain.js';

export interface CheckovFinding {
  readonly check_id: string;
  readonly check_name: string;
  readonly file_path: string;
  readonly resource: string;
  readonly file_line_range: readonly [number, number];
  readonly check_result: { readonly result: string; readonly suppress_comment?: string };
}

export interface CheckovReport {
  readonly framework: string;
  readonly passed: number;
  readonly failed: readonly CheckovFinding[];
  readonly skipped: readonly CheckovFinding[];
  readonly parsingErrors: number;
  readonly resourceCount: number;
}

interface RawReport {
  readonly check_type: string;
  readonly summary: { passed: number; failed: number; skipped: number; parsing_errors: number; resource_count: number };
  readonly results: { passed_checks: CheckovFinding[]; failed_checks: CheckovFinding[]; skipped_checks: CheckovFinding[] };
}

export type CheckovTarget = { readonly dir: string } | { readonly file: string };

export async function runCheckov(target: CheckovTarget & { readonly framework: string }): Promise<CheckovReport> {
  const args = [
    ...('dir' in target ? ['--directory', target.dir] : ['--file', target.file]),
    '--framework',
    target.framework,
    // Offline: no policy or guideline download from the Prisma platform.
    '--skip-download',
    '--compact',
    '--output',
    'json',
  ];
  const result = await runCommand(toolchain().bin('checkov'), args, { env: { BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false' }, timeoutMs: 300_000 });
  // checkov exits 1 when a check fails; its report is on stdout either way.
  if (result.exitCode > 1 || !result.stdout.trim().startsWith('[') && !result.stdout.trim().startsWith('{'))
    throw new Error(`checkov ${args.join(' ')} failed (exit ${result.exitCode}):\n${result.stderr.slice(-2000)}\n${result.stdout.slice(0, 500)}`);
  const parsed = JSON.parse(result.stdout) as RawReport | RawReport[];
  const reports = (Array.isArray(parsed) ? parsed : [parsed]).filter((r) => r.check_type === target.framework);
  if (reports.length !== 1) throw new Error(`checkov scanned nothing as ${target.framework} in ${JSON.stringify(target)}: ${result.stdout.slice(0, 300)}`);
  const [r] = reports as [RawReport];
  return {
    framework: r.check_type,
    passed: r.summary.passed,
    failed: r.results.failed_checks,
    skipped: r.results.skipped_checks,
    parsingErrors: r.summary.parsing_errors,
    resourceCount: r.summary.resource_count,
  };
}

export const formatFinding = (f: CheckovFinding) => `${f.check_id} ${f.file_path} ${f.resource}: ${f.check_name}`;

/** A summary line for the logs and the README: checks run, passed, suppressed with a reason. */
export const summarise = (name: string, r: CheckovReport, suppressed = r.skipped.length) =>
  `checkov ${name}: ${r.passed + r.failed.length + r.skipped.length} checks, ${r.passed} passed, ${suppressed} suppressed with a reason, ${r.failed.length - (suppressed - r.skipped.length)} unexplained`;
