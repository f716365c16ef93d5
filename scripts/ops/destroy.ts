/**
 * `destroy <env>`: every stack of the environment, in reverse dependency order (read from the
 * synthesised manifest: app before platform before cluster before network), after the environment's
 * name is typed. The shared stacks (state, registry, ci-identity) serve every environment and are
 * never destroyed here. prod additionally needs --i-understand.
 */
import { canConfirmDestroy, confirmDestroy } from './confirm.js';
import type { OpsDeps } from './deps.js';
import { requireTools } from './doctor.js';
import { checkAccount, select } from './deploy.js';
import { destroyOrder } from './manifest.js';
import { synth } from './synth.js';
import { TF_ENV, reportFailure, runTerraform, stackRef, tfArgs } from './terraform-steps.js';

export interface DestroyOptions {
  readonly env: string;
  readonly iUnderstand: boolean;
  /** The environment name, given instead of typing it. */
  readonly confirm?: string;
}

export async function destroy(deps: OpsDeps, outdir: string, options: DestroyOptions): Promise<number> {
  const confirmation = { env: options.env, iUnderstand: options.iUnderstand, ...(options.confirm !== undefined ? { confirm: options.confirm } : {}) };
  const upfront = canConfirmDestroy(deps, confirmation);
  if (!upfront.ok) {
    deps.err(`error: ${upfront.reason}`);
    return 1;
  }
  const tools = await requireTools(deps, ['terraform', 'aws'], 'destroy');
  if (!tools) return 1;
  const manifest = await synth(deps, outdir, { environments: options.env });
  if (!manifest) return 1;
  const selection = select(deps, manifest, options.env, {});
  if (typeof selection === 'number') return selection;
  if (!(await checkAccount(deps, tools.aws!, outdir, selection.stacks))) return 1;
  const selected = new Set(selection.stacks.map((s) => s.name));
  const order = destroyOrder(Object.values(manifest.stacks))
    .filter((name) => selected.has(name))
    .map((name) => stackRef(deps.repoRoot, outdir, manifest.stacks[name]!));

  deps.out(`This destroys every resource of ${options.env}, stack by stack: ${order.map((s) => s.name).join(' → ')}.`);
  deps.out(`The shared stacks (${selection.sharedLeftOut.join(', ') || 'none'}) are kept: they serve every environment.`);
  const approved = await confirmDestroy(deps, confirmation);
  if (!approved.ok) {
    deps.err(`Not destroyed: ${approved.reason}.`);
    return 1;
  }

  const tf = { deps, terraform: tools.terraform! };
  const destroyed: string[] = [];
  for (const [index, stack] of order.entries()) {
    const init = await runTerraform(tf, stack, tfArgs.init(stack.dir), 'terraform init', 'init.log');
    if (init.exitCode !== 0) {
      reportFailure(deps, stack, 'terraform init', init, 'init.log');
      return stopped(deps, order, index, destroyed);
    }
    const list = await deps.run(tools.terraform!, tfArgs.stateList(stack.dir), { capture: true, env: TF_ENV, cwd: deps.repoRoot });
    // A stack never applied has no state object at all: `state list` then fails with this message.
    const neverApplied = list.exitCode !== 0 && /No state file was found/.test(list.stderr);
    if ((list.exitCode === 0 && list.stdout.trim() === '') || neverApplied) {
      deps.out(`${stack.name}: nothing in its state, nothing to destroy`);
      continue;
    }
    const result = await runTerraform(tf, stack, tfArgs.destroy(stack.dir), 'terraform destroy', 'destroy.log');
    if (result.exitCode !== 0) {
      reportFailure(deps, stack, 'terraform destroy', result, 'destroy.log');
      return stopped(deps, order, index, destroyed);
    }
    destroyed.push(stack.name);
  }
  deps.out(`Destroyed ${options.env}: ${destroyed.join(', ') || 'nothing was deployed'}.`);
  return 0;
}

function stopped(deps: OpsDeps, order: readonly { name: string }[], index: number, destroyed: readonly string[]): number {
  const rest = order.slice(index + 1).map((s) => s.name);
  deps.err(
    `Stopped at ${order[index]!.name}.${destroyed.length ? ` Destroyed: ${destroyed.join(', ')}.` : ' Nothing was destroyed.'}` +
      `${rest.length ? ` Not destroyed: ${rest.join(', ')}.` : ''} Fix the error and run destroy again: it carries on where it stopped.`,
  );
  return 1;
}
