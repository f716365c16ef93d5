/**
 * Plan, confirm, apply: the engine of `deploy`, `set-message` and `bootstrap`.
 *
 * 1. Every stack is planned in dependency order (saved plan files). A stack whose plan fails while
 *    a stack it depends on has changes pending is not an error: on a first deployment the cluster
 *    stack's data sources cannot find a VPC the network stack has not created yet. Such a stack is
 *    "planned after" its dependencies: planned again once they are applied, shown, and confirmed
 *    on its own. Any other failed plan stops everything before anything is applied.
 * 2. The summary (add/change/destroy per stack, and the changed resources) is shown, and a typed
 *    "yes" (or --yes) approves it.
 * 3. The saved plans are applied in the same order, stopping at the first failure with the stack's
 *    name and Terraform's error; the stacks after it are not touched.
 */
import { confirmApply } from './confirm.js';
import type { OpsDeps } from './deps.js';
import { type PlanOutcome, type StackRef, type TerraformRunner, planStack, renderPlanSummary, reportFailure, runTerraform, tfArgs } from './terraform-steps.js';

export interface RolloutOptions {
  /** What is being changed, for the question: "these plans to dev". */
  readonly what: string;
  readonly yes: boolean;
  /** Extra `terraform init` arguments (bootstrap: -reconfigure). */
  readonly initExtra?: readonly string[];
  /** Stacks each stack depends on that this run leaves out, for hints. */
  readonly leftOut?: (stack: StackRef) => readonly string[];
  /** More lines to show under the summary (set-message: the messages before and after). */
  readonly describe?: (plans: readonly PlanOutcome[]) => readonly string[];
}

type Planned = PlanOutcome & { deferredBy?: readonly string[] };

function pendingOf(stack: StackRef, plans: ReadonlyMap<string, Planned>): string[] {
  return stack.dependencies.filter((d) => {
    const p = plans.get(d);
    return p !== undefined && (p.deferredBy !== undefined || p.status === 'changes');
  });
}

function reportPlanFailure(deps: OpsDeps, stack: StackRef, plan: PlanOutcome): void {
  const failure = plan.failure ?? { step: 'terraform plan', log: 'plan.log', result: { exitCode: 1, stdout: '', stderr: plan.text } };
  reportFailure(deps, stack, failure.step, failure.result, failure.log);
}

function leftOutHint(deps: OpsDeps, stack: StackRef, options: RolloutOptions): void {
  const missing = options.leftOut?.(stack) ?? [];
  if (missing.length > 0)
    deps.err(`hint: ${stack.name} depends on ${missing.join(', ')}, which this run leaves out; if ${missing.length === 1 ? 'it was' : 'they were'} never applied, add --with-shared.`);
}

/** Runs the rollout; the exit code is 0 when everything approved was applied (or nothing changed). */
export async function rollout(tf: TerraformRunner, stacks: readonly StackRef[], options: RolloutOptions): Promise<number> {
  const { deps } = tf;
  const initExtra = [...(options.initExtra ?? [])];
  const plans = new Map<string, Planned>();
  for (const stack of stacks) {
    const plan = await planStack(tf, stack, initExtra);
    if (plan.status === 'failed') {
      const pending = pendingOf(stack, plans);
      if (pending.length > 0) {
        const one = pending.length === 1;
        deps.err(
          `note: ${stack.name} cannot be planned before ${pending.join(', ')} ${one ? 'is' : 'are'} applied (it reads what ${one ? 'that stack creates' : 'they create'}); ` +
            'it will be planned again then, and shown before it is applied.',
        );
        plans.set(stack.name, { ...plan, deferredBy: pending });
        continue;
      }
      reportPlanFailure(deps, stack, plan);
      leftOutHint(deps, stack, options);
      deps.err('Nothing was applied.');
      return 1;
    }
    plans.set(stack.name, plan);
  }

  const all = stacks.map((s) => plans.get(s.name)!);
  deps.out('');
  deps.out(renderPlanSummary(all));
  for (const line of options.describe?.(all) ?? []) deps.out(line);
  deps.out('');
  const toApply = all.filter((p) => p.status === 'changes' || p.deferredBy);
  if (toApply.length === 0) {
    deps.out(`No changes: ${options.what} already match the configuration.`);
    return 0;
  }
  const approved = await confirmApply(deps, { yes: options.yes, what: `${options.what} (${toApply.map((p) => p.stack).join(', ')})` });
  if (!approved.ok) {
    deps.err(`Not applied: ${approved.reason}.`);
    return 1;
  }

  const applied: string[] = [];
  /** `partly`: its apply failed, and Terraform keeps in the state whatever it created before the error. */
  const stop = (index: number, partly = false) => {
    const rest = stacks.slice(index + 1).map((s) => s.name);
    const at = partly
      ? `Stopped at ${stacks[index]!.name}, partly applied: what Terraform created before the error is in its state; fix the error and deploy again.`
      : `Stopped at ${stacks[index]!.name}.`;
    const done = applied.length ? ` Applied: ${applied.join(', ')}.` : partly ? '' : ' Nothing was applied.';
    deps.err(`${at}${done}${rest.length ? ` Not applied: ${rest.join(', ')}.` : ''}`);
    return 1;
  };
  for (const [index, stack] of stacks.entries()) {
    let plan = plans.get(stack.name)!;
    if (plan.deferredBy) {
      deps.out(`${stack.name}: planning now that ${plan.deferredBy.join(', ')} ${plan.deferredBy.length === 1 ? 'is' : 'are'} applied`);
      plan = await planStack(tf, stack, initExtra);
      if (plan.status === 'failed') {
        reportPlanFailure(deps, stack, plan);
        leftOutHint(deps, stack, options);
        return stop(index);
      }
      deps.out(renderPlanSummary([plan]));
      if (plan.status === 'changes') {
        const again = await confirmApply(deps, { yes: options.yes, what: `the plan of ${stack.name}` });
        if (!again.ok) {
          deps.err(`Not applied: ${again.reason}.`);
          return stop(index);
        }
      }
    }
    if (plan.status === 'no-changes') {
      deps.out(`${stack.name}: no changes`);
      continue;
    }
    const result = await runTerraform(tf, stack, tfArgs.apply(stack.dir), 'terraform apply', 'apply.log');
    if (result.exitCode !== 0) {
      reportFailure(deps, stack, 'terraform apply', result, 'apply.log');
      return stop(index, true);
    }
    applied.push(stack.name);
  }
  deps.out(`Applied: ${applied.join(', ') || 'nothing (no changes)'}.`);
  return 0;
}
