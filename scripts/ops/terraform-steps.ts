/**
 * Terraform, one stack directory at a time: init, plan to a saved plan file, apply that file,
 * destroy, outputs. The commands and the files they leave (plan.exitcode, plan.json, plan.txt) are
 * those of scripts/ci/plan-stacks.sh, so `tsx scripts/ci/plan-report.ts` can report on a local run
 * too, and the change counts come from the same code (scripts/ci/plan-report/summary.ts).
 */
import path from 'node:path';
import { type PlanJson, type StackPlan, type StackStatus, countChanges, statusFromExitCode, totals } from '../ci/plan-report/summary.js';
import type { RunResult } from '../lib/run.js';
import type { OpsDeps } from './deps.js';
import { type ManifestStack, stackDir } from './manifest.js';
import { displayPath } from './synth.js';
import { formatCommand, formatTable } from './table.js';

/** No prompts from terraform (the CLI asks itself), no version checks. */
export const TF_ENV: Readonly<Record<string, string>> = { TF_INPUT: '0', TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
export const LOCK_TIMEOUT = '-lock-timeout=10m';
export const PLAN_FILE = 'tfplan';

export interface StackRef {
  readonly name: string;
  /** The directory as passed to -chdir (relative to the repository when inside it). */
  readonly dir: string;
  /** Absolute directory, for the files written next to the plan. */
  readonly absDir: string;
  readonly dependencies: readonly string[];
}

export function stackRef(repoRoot: string, outdir: string, stack: ManifestStack): StackRef {
  const absDir = stackDir(outdir, stack);
  return { name: stack.name, dir: displayPath(repoRoot, absDir), absDir, dependencies: stack.dependencies };
}

export const tfArgs = {
  init: (dir: string, ...extra: string[]) => [`-chdir=${dir}`, 'init', '-input=false', '-no-color', ...extra],
  plan: (dir: string) => [`-chdir=${dir}`, 'plan', '-input=false', '-no-color', '-detailed-exitcode', LOCK_TIMEOUT, `-out=${PLAN_FILE}`],
  showJson: (dir: string) => [`-chdir=${dir}`, 'show', '-json', PLAN_FILE],
  apply: (dir: string) => [`-chdir=${dir}`, 'apply', '-input=false', '-no-color', LOCK_TIMEOUT, PLAN_FILE],
  destroy: (dir: string) => [`-chdir=${dir}`, 'destroy', '-auto-approve', '-input=false', '-no-color', LOCK_TIMEOUT],
  stateList: (dir: string) => [`-chdir=${dir}`, 'state', 'list'],
  output: (dir: string) => [`-chdir=${dir}`, 'output', '-json'],
};

/** The commands `deploy` runs for a stack, for --dry-run. */
export function deployCommands(stack: StackRef): { plan: string[]; apply: string[] } {
  return {
    plan: [formatCommand('terraform', tfArgs.init(stack.dir)), formatCommand('terraform', tfArgs.plan(stack.dir))],
    apply: [formatCommand('terraform', tfArgs.apply(stack.dir))],
  };
}

/**
 * The error part of terraform's output: from the first "Error:" on, without the box-drawing
 * gutter, at most `maxLines` lines; else the last lines of the output.
 */
export function terraformError(result: Pick<RunResult, 'stdout' | 'stderr'>, maxLines = 40): string {
  const clean = (text: string) => text.split('\n').map((line) => line.replace(/^[│╷╵]\s?/, '').trimEnd());
  let picked: string[] | undefined;
  // Terraform writes its diagnostics to stderr; some wrappers put them on stdout.
  for (const source of [result.stderr, result.stdout]) {
    const lines = clean(source);
    const first = lines.findIndex((line) => /^Error: /.test(line));
    if (first >= 0) {
      picked = lines.slice(first);
      break;
    }
  }
  picked ??= clean(`${result.stdout}\n${result.stderr}`)
    .filter((l) => l.trim())
    .slice(-15);
  const trimmed = picked.join('\n').replace(/\n{3,}/g, '\n\n').trim().split('\n');
  return (trimmed.length > maxLines ? [...trimmed.slice(0, maxLines), `… (${trimmed.length - maxLines} more lines)`] : trimmed).join('\n');
}

/** A known cause of a terraform failure and what to do about it. */
export function hintFor(text: string): string | undefined {
  if (/S3 bucket .*does not exist|NoSuchBucket|bucket does not exist/i.test(text))
    return 'the state bucket does not exist yet: run `npm run ops -- bootstrap` first';
  if (/No valid credential sources|failed to refresh cached credentials|ExpiredToken|InvalidClientTokenId|could not find default credentials|SSO session .* expired/i.test(text))
    return 'the AWS credentials are missing or expired: `aws sso login` (or set AWS_PROFILE), then check with `npm run ops -- doctor`';
  if (/Error acquiring the state lock|ConditionalCheckFailed|PreconditionFailed/i.test(text))
    return 'another terraform run holds the state lock (a deploy in CI?): wait for it, or `terraform force-unlock <id>` if it died';
  if (/allowed_account_ids|account ID not allowed/i.test(text)) return 'the credentials are for an account the configuration does not allow (allowedAccountIds)';
  if (/Saved plan is stale/i.test(text)) return 'the state changed since the plan was made: run the command again to plan afresh';
  return undefined;
}

export interface TerraformRunner {
  readonly deps: OpsDeps;
  /** Path of the terraform binary. */
  readonly terraform: string;
}

/** Runs terraform with a progress line, writing the output to `log` in the stack directory. */
export async function runTerraform(tf: TerraformRunner, stack: StackRef, args: string[], label: string, log: string): Promise<RunResult> {
  const { deps } = tf;
  const step = deps.progress.start(`${stack.name}: ${label}`);
  const result = await deps.run(tf.terraform, args, { capture: true, env: TF_ENV, cwd: deps.repoRoot });
  step.done(result.exitCode === 0 || (args.includes('-detailed-exitcode') && result.exitCode === 2));
  deps.writeFile(path.join(stack.absDir, log), `$ ${formatCommand('terraform', args)}\n${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`);
  return result;
}

/** Reports a failed terraform step: the stack, the command, the error and a hint. */
export function reportFailure(deps: OpsDeps, stack: StackRef, what: string, result: Pick<RunResult, 'exitCode' | 'stdout' | 'stderr'>, log: string): string {
  const error = terraformError(result);
  deps.err(`error: ${stack.name}: ${what} failed (terraform exited with ${result.exitCode}):`);
  for (const line of error.split('\n')) deps.err(line ? `  ${line}` : '');
  const hint = hintFor(`${result.stderr}\n${result.stdout}`);
  if (hint) deps.err(`hint: ${hint}`);
  deps.err(`The full output is in ${path.join(stack.dir, log)}.`);
  return error;
}

export interface ResourceChange {
  readonly address: string;
  readonly actions: readonly string[];
}

export interface PlanOutcome extends StackPlan {
  readonly changes: readonly ResourceChange[];
  /** What failed, when the plan failed: the step, its log file and its result. */
  readonly failure?: { readonly step: string; readonly log: string; readonly result: RunResult };
  /** The raw plan JSON (for a closer look, e.g. at release values). */
  readonly json?: PlanJson;
}

/** Changes worth showing: no reads, no no-ops. */
export function changesOf(plan: PlanJson): ResourceChange[] {
  return (plan.resource_changes ?? [])
    .map((rc) => ({ address: rc.address ?? '?', actions: rc.change?.actions ?? [] }))
    .filter((c) => c.actions.some((a) => a === 'create' || a === 'update' || a === 'delete'));
}

export function actionSymbol(actions: readonly string[]): string {
  const create = actions.includes('create');
  const del = actions.includes('delete');
  if (create && del) return actions[0] === 'create' ? '+/-' : '-/+';
  return create ? '+' : del ? '-' : '~';
}

/**
 * init, then plan -out=tfplan and show -json; writes plan.exitcode, plan.json and plan.txt as
 * plan-stacks.sh does. A failed init or plan is a `failed` outcome with the error, not a throw.
 */
export async function planStack(tf: TerraformRunner, stack: StackRef, initExtra: string[] = []): Promise<PlanOutcome> {
  const { deps } = tf;
  const write = (file: string, text: string) => deps.writeFile(path.join(stack.absDir, file), text);
  for (const file of [PLAN_FILE, 'plan.json']) deps.removePath(path.join(stack.absDir, file));
  const init = await runTerraform(tf, stack, tfArgs.init(stack.dir, ...initExtra), 'terraform init', 'init.log');
  if (init.exitCode !== 0) {
    write('plan.exitcode', '1\n');
    write('plan.txt', `terraform init failed:\n${init.stdout}${init.stderr}`);
    return { stack: stack.name, status: 'failed', text: init.stderr || init.stdout, changes: [], failure: { step: 'terraform init', log: 'init.log', result: init } };
  }
  const plan = await runTerraform(tf, stack, tfArgs.plan(stack.dir), 'terraform plan', 'plan.log');
  const status = statusFromExitCode(plan.exitCode);
  write('plan.exitcode', `${plan.exitCode}\n`);
  write('plan.txt', plan.exitCode === 0 || plan.exitCode === 2 ? plan.stdout : `${plan.stdout}${plan.stderr}`);
  if (status === 'failed') return { stack: stack.name, status, text: `${plan.stdout}${plan.stderr}`, changes: [], failure: { step: 'terraform plan', log: 'plan.log', result: plan } };
  const show = await deps.run(tf.terraform, tfArgs.showJson(stack.dir), { capture: true, env: TF_ENV, cwd: deps.repoRoot });
  let json: PlanJson | undefined;
  try {
    json = show.exitCode === 0 ? (JSON.parse(show.stdout) as PlanJson) : undefined;
  } catch {
    json = undefined;
  }
  if (!json) return { stack: stack.name, status: 'failed', text: show.stderr, changes: [], failure: { step: `terraform show -json ${PLAN_FILE}`, log: 'plan.log', result: show } };
  write('plan.json', show.stdout);
  return { stack: stack.name, status, counts: countChanges(json), text: plan.stdout, changes: changesOf(json), json };
}

const RESULT_TEXT: Readonly<Record<StackStatus, string>> = { 'no-changes': 'no changes', changes: 'changes', failed: 'plan failed', deferred: 'planned later' };

/** The table of plans: add / change / destroy per stack and in total, then the changed resources. */
export function renderPlanSummary(plans: readonly (PlanOutcome & { deferredBy?: readonly string[] })[], maxResources = 25): string {
  const rows = plans.map((p) => {
    const result = p.deferredBy ? `planned after ${p.deferredBy.join(', ')}` : RESULT_TEXT[p.status];
    const n = (v: number | undefined) => (p.deferredBy || v === undefined ? '–' : String(v));
    return [p.stack, result, n(p.counts?.add), n(p.counts?.change), n(p.counts?.destroy)];
  });
  const t = totals(plans.filter((p) => !p.deferredBy));
  rows.push(['total', '', String(t.add), String(t.change), String(t.destroy)]);
  const lines = [formatTable(['stack', 'result', 'add', 'change', 'destroy'], rows, ['left', 'left', 'right', 'right', 'right'])];
  for (const p of plans) {
    if (p.changes.length === 0) continue;
    lines.push('', `${p.stack}:`);
    for (const c of p.changes.slice(0, maxResources)) lines.push(`  ${actionSymbol(c.actions).padEnd(3)} ${c.address}`);
    if (p.changes.length > maxResources) lines.push(`  … ${p.changes.length - maxResources} more (see ${p.stack}/plan.txt)`);
  }
  return lines.join('\n');
}
