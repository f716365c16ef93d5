/**
 * `tsx scripts/ci/plan-report.ts`: writes the Markdown report of a set of stack plans (the PR
 * comment, the drift issue body, the job summary). The workflows leave, in each
 * cdktf.out/stacks/<stack>/ directory:
 *
 *   plan.exitcode   the exit code of `terraform plan -detailed-exitcode` (0, 2, or a failure)
 *   plan.json       `terraform show -json tfplan` (when a plan file was written)
 *   plan.txt        `terraform show -no-color tfplan`, or the error output of a failed plan
 *   plan.sha256     the SHA-256 of tfplan (shown, so the approver approves exactly that file)
 *
 *   tsx scripts/ci/plan-report.ts --title "Plan: dev" --marker "<!-- … -->" --out report.md \
 *     [--stacks-dir cdktf.out/stacks] [--context "line"]… network-dev cluster-dev app-dev
 *
 * Prints one summary line per stack. Exit code 0 whatever the plans said: the workflow decides.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type PlanJson, type StackPlan, countChanges, renderReport, statusFromExitCode } from './summary.js';

export function readStackPlan(stacksDir: string, stack: string): StackPlan {
  const dir = path.join(stacksDir, stack);
  const read = (file: string) => (existsSync(path.join(dir, file)) ? readFileSync(path.join(dir, file), 'utf8') : undefined);
  const code = read('plan.exitcode')?.trim();
  const status = code === 'deferred' ? 'deferred' : statusFromExitCode(code === undefined || code === '' ? undefined : Number(code));
  const json = read('plan.json');
  const text = read('plan.txt') ?? '(no output was recorded)';
  const sha256 = read('plan.sha256')?.trim();
  return { stack, status, text, ...(json ? { counts: countChanges(JSON.parse(json) as PlanJson) } : {}), ...(sha256 ? { sha256 } : {}) };
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env;
  return GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}` : undefined;
}

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      title: { type: 'string' },
      marker: { type: 'string' },
      out: { type: 'string' },
      'stacks-dir': { type: 'string', default: 'cdktf.out/stacks' },
      context: { type: 'string', multiple: true, default: [] },
    },
  });
  if (!values.title || !values.marker || !values.out || positionals.length === 0) {
    process.stderr.write('usage: plan-report.ts --title <t> --marker <m> --out <file> [--stacks-dir <dir>] [--context <line>]… <stack>…\n');
    return 64;
  }
  const stacks = positionals.map((stack) => readStackPlan(values['stacks-dir'], stack));
  const url = runUrl(env);
  writeFileSync(values.out, renderReport({ title: values.title, marker: values.marker, stacks, context: values.context, ...(url ? { runUrl: url } : {}) }));
  for (const s of stacks) {
    const counts = s.counts ? ` (+${s.counts.add} ~${s.counts.change} -${s.counts.destroy})` : '';
    process.stdout.write(`${s.stack}: ${s.status}${counts}\n`);
  }
  return 0;
}
