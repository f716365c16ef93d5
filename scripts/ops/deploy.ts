/**
 * `deploy <env>` and `set-message <env>`: synthesise, plan every stack in dependency order (read
 * from the synthesised manifest), show the summary, confirm, apply the saved plans in order.
 *
 * Which stacks: the environment's own (network, cluster, app, and any other `<kind>-<env>` stack,
 * in the manifest's dependency order). The shared stacks (state, registry, ci-identity) serve
 * every environment and are applied by an administrator, as in CI: `--with-shared` adds the ones
 * the environment depends on (after `bootstrap`, the state stack is an ordinary S3-backed stack).
 * `--stacks a,b` narrows the run to those stacks, still in dependency order.
 */
import type { EnvironmentName } from '../../stacks/config/types.js';
import { ciRoleName, deployRole } from '../../stacks/naming.js';
import { CREDENTIALS_HINT, type CallerIdentity, accountProblem, callerIdentity, clusterAccessProblem } from './aws.js';
import { configReady } from './check-config.js';
import { canConfirmApply } from './confirm.js';
import type { OpsDeps } from './deps.js';
import { requireTools } from './doctor.js';
import { imageInEcr, pushImageHint } from './push-image.js';
import { type Manifest, type ManifestStack, type Selection, UnknownStackError, selectStacks } from './manifest.js';
import { rollout } from './rollout.js';
import { type SynthRequest, displayPath, readStackJson, synth, synthInvocation } from './synth.js';
import { type PlanOutcome, type StackRef, deployCommands, stackRef } from './terraform-steps.js';
import { awsProvider, configValue, mergedValues, resources } from './tfjson.js';
import { formatCommand } from './table.js';

export interface DeployOptions {
  readonly env: string;
  readonly stacks?: readonly string[];
  readonly withShared: boolean;
  readonly yes: boolean;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly imageTag?: string;
}

export const environmentNames = (deps: Pick<OpsDeps, 'config'>) => Object.keys(deps.config.environments);

/** The selection, or an exit code after printing why (2 for a bad --stacks, 1 otherwise). */
export function select(deps: OpsDeps, manifest: Manifest, env: string, options: { withShared?: boolean; only?: readonly string[] }): Selection | number {
  try {
    return selectStacks(manifest, env, environmentNames(deps), { withShared: options.withShared ?? false, ...(options.only ? { only: options.only } : {}) });
  } catch (err) {
    deps.err(`error: ${(err as Error).message}`);
    return err instanceof UnknownStackError ? 2 : 1;
  }
}

/**
 * Checks the credentials against every stack's allowed accounts (its aws provider's
 * allowed_account_ids); the caller's identity when they pass, undefined (after saying why) otherwise.
 */
export async function checkAccount(deps: OpsDeps, aws: string, outdir: string, stacks: readonly ManifestStack[]): Promise<CallerIdentity | undefined> {
  const result = await callerIdentity(deps, aws);
  if ('error' in result) {
    deps.err(`error: no usable AWS credentials (aws sts get-caller-identity: ${result.error}). Fix: ${CREDENTIALS_HINT}`);
    return undefined;
  }
  const { account, arn } = result.identity;
  for (const stack of stacks) {
    let allowed: string[];
    try {
      allowed = awsProvider(readStackJson(deps, outdir, stack)).allowedAccountIds;
    } catch (err) {
      deps.err(`error: ${(err as Error).message}`);
      return undefined;
    }
    const problem = accountProblem(account, allowed, `the accounts ${stack.name} may run in (allowedAccountIds)`);
    if (problem) {
      deps.err(`error: ${problem}.`);
      return undefined;
    }
  }
  deps.err(`AWS account ${account} (${arn})`);
  return result.identity;
}

/** Stacks whose providers talk to the cluster's Kubernetes API (helm, kubernetes). */
const CLUSTER_FACING = /^(platform|app)-/;

/** Whether the caller may talk to the cluster when the run plans a stack that does; says why not. */
export function canReachCluster(deps: OpsDeps, caller: CallerIdentity, env: string, stacks: readonly ManifestStack[]): boolean {
  const facing = stacks.filter((s) => CLUSTER_FACING.test(s.name));
  const environment = deps.config.environments[env as EnvironmentName];
  if (facing.length === 0 || !environment) return true;
  const ci = [deployRole(env), 'plan' as const].map((role) => ciRoleName(deps.config.project, role));
  const problem = clusterAccessProblem(caller.arn, environment.cluster.adminPrincipalArns, ci, `environments.${env}.cluster.adminPrincipalArns`);
  if (problem) deps.err(`error: ${facing.map((s) => s.name).join(' and ')}: ${problem}.`);
  return problem === undefined;
}

export function dryRunReport(deps: OpsDeps, outdir: string, request: SynthRequest, selection: Selection, env: string) {
  const invocation = synthInvocation(deps, outdir, request);
  const stacks = selection.stacks.map((s) => {
    const ref = stackRef(deps.repoRoot, outdir, s);
    return { name: s.name, dir: ref.dir, dependencies: [...s.dependencies], commands: deployCommands(ref) };
  });
  return {
    environment: env,
    dryRun: true,
    outdir: displayPath(deps.repoRoot, outdir),
    imageTag: request.imageTag ?? null,
    synth: { command: formatCommand('node', invocation.args), env: invocation.env },
    stacks,
    sharedLeftOut: [...selection.sharedLeftOut],
  };
}

export function renderDryRun(report: ReturnType<typeof dryRunReport>): string {
  const width = Math.max(...report.stacks.map((s) => s.name.length));
  const lines = [
    `Deploy ${report.environment}: dry run. Synthesised into ${report.outdir}; nothing was run against AWS.`,
    `Image tag: ${report.imageTag ?? 'as configured in stacks/config/environments.ts'}.`,
    '',
    'Stacks, in dependency order:',
    ...report.stacks.map((s, i) => `  ${i + 1}. ${s.name.padEnd(width)}  depends on: ${s.dependencies.join(', ') || 'nothing'}`),
  ];
  if (report.sharedLeftOut.length > 0) lines.push(`Shared stacks left out (applied by an administrator; add --with-shared to include them): ${report.sharedLeftOut.join(', ')}`);
  lines.push('', 'Steps a deploy runs:', '  1. plan every stack, in order (a stack that reads what an earlier one creates is planned after that one is applied):');
  for (const s of report.stacks) for (const c of s.commands.plan) lines.push(`       ${c}`);
  lines.push('  2. show the summary (add / change / destroy per stack) and ask for "yes" (or --yes)');
  lines.push('  3. apply the saved plans in the same order, stopping at the first failure:');
  for (const s of report.stacks) for (const c of s.commands.apply) lines.push(`       ${c}`);
  return lines.join('\n');
}

/**
 * The app stack resolves its image tag in ECR when it plans: before the first release there is
 * none, and Terraform's own error would not say how to get one. Checked before anything is planned.
 */
async function imageReady(deps: OpsDeps, aws: string, options: DeployOptions, stacks: readonly ManifestStack[]): Promise<boolean> {
  const app = stacks.find((s) => s.name === `app-${options.env}`);
  if (!app) return true;
  const tag = options.imageTag ?? deps.config.environments[options.env as EnvironmentName].app.imageTag;
  const found = await imageInEcr(deps, aws, tag);
  if (found === 'present') return true;
  const repository = deps.config.shared.registry.repositoryName;
  deps.err(`error: ${app.name}: ${typeof found === 'object' ? found.error : `the image ${repository}:${tag} is not in ECR yet, and the app stack deploys it by digest; ${pushImageHint(tag)}`}`);
  return false;
}

function leftOutOf(selection: Selection, manifest: Manifest) {
  const inRun = new Set(selection.stacks.map((s) => s.name));
  return (stack: StackRef) => (manifest.stacks[stack.name]?.dependencies ?? []).filter((d) => !inRun.has(d));
}

export async function deploy(deps: OpsDeps, outdir: string, options: DeployOptions): Promise<number> {
  const request: SynthRequest = { environments: options.env, ...(options.imageTag ? { imageTag: options.imageTag } : {}) };
  if (options.dryRun) {
    const manifest = await synth(deps, outdir, request);
    if (!manifest) return 1;
    const selection = select(deps, manifest, options.env, { withShared: options.withShared, ...(options.stacks ? { only: options.stacks } : {}) });
    if (typeof selection === 'number') return selection;
    const report = dryRunReport(deps, outdir, request, selection, options.env);
    deps.out(options.json ? JSON.stringify(report, null, 2) : renderDryRun(report));
    return 0;
  }

  if (!configReady(deps, options.env, `deploy ${options.env}`)) return 1;
  const upfront = canConfirmApply(deps, options.yes);
  if (!upfront.ok) {
    deps.err(`error: ${upfront.reason}`);
    return 1;
  }
  const tools = await requireTools(deps, ['terraform', 'aws'], 'deploy');
  if (!tools) return 1;
  const manifest = await synth(deps, outdir, request);
  if (!manifest) return 1;
  const selection = select(deps, manifest, options.env, { withShared: options.withShared, ...(options.stacks ? { only: options.stacks } : {}) });
  if (typeof selection === 'number') return selection;
  const caller = await checkAccount(deps, tools.aws!, outdir, selection.stacks);
  if (!caller || !canReachCluster(deps, caller, options.env, selection.stacks)) return 1;
  if (selection.sharedLeftOut.length > 0) deps.err(`Shared stacks left out (add --with-shared to include them): ${selection.sharedLeftOut.join(', ')}`);
  if (!(await imageReady(deps, tools.aws!, options, selection.stacks))) return 1;
  const stacks = selection.stacks.map((s) => stackRef(deps.repoRoot, outdir, s));
  deps.err(`Planning ${stacks.map((s) => s.name).join(' → ')}`);
  const code = await rollout({ deps, terraform: tools.terraform! }, stacks, {
    what: `these plans to ${options.env}`,
    yes: options.yes,
    leftOut: leftOutOf(selection, manifest),
  });
  if (code === 0) deps.out(`Next: \`npm run ops -- status ${options.env}\`, \`npm run ops -- url ${options.env}\`.`);
  return code;
}

// ---------------------------------------------------------------------------------------------
// set-message
// ---------------------------------------------------------------------------------------------

export interface SetMessageOptions {
  readonly env: string;
  readonly root?: string;
  readonly api?: string;
  readonly yes: boolean;
}

/**
 * The context keys set-message passes the messages in (CDKTF_CONTEXT_JSON); main.ts applies them
 * with `withMessages` (stacks/config/environments.ts), the way it applies IMAGE_TAG. Context only,
 * no environment variable: ROOT_MESSAGE and API_MESSAGE are the service's own settings. If a
 * synth still carries the old messages, set-message stops with MAIN_TS_CHANGE_NEEDED instead of
 * applying an unchanged plan.
 */
export const MESSAGE_CONTEXT = { root: 'rootMessage', api: 'apiMessage' } as const;

/** The stacks holding a helm_release whose values set config.rootMessage: the app stack, with the messages it sets. */
export function messageStacks(deps: OpsDeps, outdir: string, stacks: readonly ManifestStack[]): { stack: ManifestStack; root?: string; api?: string }[] {
  const found: { stack: ManifestStack; root?: string; api?: string }[] = [];
  for (const stack of stacks) {
    for (const release of resources(readStackJson(deps, outdir, stack), 'helm_release')) {
      const root = configValue(release.attrs.values, MESSAGE_CONTEXT.root);
      if (root === undefined) continue;
      const api = configValue(release.attrs.values, MESSAGE_CONTEXT.api);
      found.push({ stack, root, ...(api !== undefined ? { api } : {}) });
    }
  }
  return found;
}

/** The messages a planned helm_release change takes the release from and to (the plan's rendered values). */
export function messageChanges(plans: readonly PlanOutcome[]): string[] {
  type Change = { type?: string; change?: { before?: { values?: unknown } | null; after?: { values?: unknown } | null } };
  const lines: string[] = [];
  for (const plan of plans)
    for (const rc of ((plan.json as { resource_changes?: Change[] } | undefined)?.resource_changes ?? []).filter((r) => r.type === 'helm_release')) {
      const before = mergedValues(rc.change?.before?.values, { rendered: true }).config as Record<string, unknown> | undefined;
      const after = mergedValues(rc.change?.after?.values, { rendered: true }).config as Record<string, unknown> | undefined;
      for (const key of [MESSAGE_CONTEXT.root, MESSAGE_CONTEXT.api])
        if (before?.[key] !== after?.[key]) lines.push(`  ${key}: ${JSON.stringify(before?.[key] ?? null)} → ${JSON.stringify(after?.[key] ?? null)}`);
    }
  return lines.length > 0 ? ['', 'Messages:', ...lines] : [];
}

export const MAIN_TS_CHANGE_NEEDED =
  'the synthesised app stack does not carry the new messages: main.ts must pass the rootMessage/apiMessage context values through withMessages (stacks/config/environments.ts).';

export async function setMessage(deps: OpsDeps, outdir: string, options: SetMessageOptions): Promise<number> {
  if (!configReady(deps, options.env, `set-message ${options.env}`)) return 1;
  const upfront = canConfirmApply(deps, options.yes);
  if (!upfront.ok) {
    deps.err(`error: ${upfront.reason}`);
    return 1;
  }
  const tools = await requireTools(deps, ['terraform', 'aws'], 'set-message');
  if (!tools) return 1;
  const context: Record<string, string> = {};
  if (options.root !== undefined) context[MESSAGE_CONTEXT.root] = options.root;
  if (options.api !== undefined) context[MESSAGE_CONTEXT.api] = options.api;
  const manifest = await synth(deps, outdir, { environments: options.env, context });
  if (!manifest) return 1;
  const selection = select(deps, manifest, options.env, {});
  if (typeof selection === 'number') return selection;
  let targets: ReturnType<typeof messageStacks>;
  try {
    targets = messageStacks(deps, outdir, selection.stacks);
  } catch (err) {
    deps.err(`error: ${(err as Error).message}`);
    return 1;
  }
  if (targets.length !== 1) {
    deps.err(`error: expected one stack of ${options.env} with a helm_release setting rootMessage (the app stack), found ${targets.length ? targets.map((t) => t.stack.name).join(', ') : 'none'}`);
    return 1;
  }
  const target = targets[0]!;
  if ((options.root !== undefined && target.root !== options.root) || (options.api !== undefined && target.api !== options.api)) {
    deps.err(`error: ${MAIN_TS_CHANGE_NEEDED}`);
    return 1;
  }
  const caller = await checkAccount(deps, tools.aws!, outdir, [target.stack]);
  if (!caller || !canReachCluster(deps, caller, options.env, [target.stack])) return 1;
  const ref = stackRef(deps.repoRoot, outdir, target.stack);
  const code = await rollout({ deps, terraform: tools.terraform! }, [ref], {
    what: `the new messages to ${options.env}`,
    yes: options.yes,
    describe: messageChanges,
  });
  if (code === 0) {
    deps.out(`The release rolls its pods (the config checksum changed). Watch it with \`npm run ops -- status ${options.env}\`.`);
    deps.out(
      `Note: the next \`deploy ${options.env}\` sets the messages back to environments.${options.env}.app.rootMessage/apiMessage in stacks/config/environments.ts; change them there to keep them.`,
    );
  }
  return code;
}
