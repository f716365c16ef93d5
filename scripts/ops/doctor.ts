/**
 * `doctor`: what the deploy workflow (Terraform against AWS) and the local workflow (kind) need,
 * found or missing, with how to install each missing tool. The container engine and helm are
 * found exactly as the kind workflow finds them (scripts/lib/container-engine.ts, scripts/lib/tools.ts), versions compared as
 * scripts/lib/terraform.ts compares them.
 */
import { RUNNING_ENGINES, describeDetection, detectContainerEngine } from '../lib/container-engine.js';
import { compareVersions } from '../lib/terraform.js';
import { INSTALL_HINTS, findHelmWith } from '../lib/tools.js';
import { CREDENTIALS_HINT, accountProblem, callerIdentity } from './aws.js';
import type { OpsDeps } from './deps.js';
import { formatTable } from './table.js';
import { TERRAFORM_MINIMUM, TERRAFORM_REQUIRED_VERSION } from '../../stacks/constructs/provider-versions.js';
import { readManifest } from '../../tools/toolchain.js';
import { placeholderProblems } from '../../stacks/config/placeholders.js';
import { type EndingSupport, WARN_DAYS_BEFORE_END, endingSupport } from '../../stacks/config/support-calendar.js';
import type { EnvironmentName } from '../../stacks/config/types.js';

export type CheckName = 'node' | 'npm' | 'terraform' | 'aws' | 'aws-credentials' | 'kubectl' | 'helm' | 'container-engine' | 'kind' | 'config';
export type Workflow = 'deploy' | 'local';
export const WORKFLOW_NAMES = ['deploy', 'local', 'all'] as const;
export type WorkflowChoice = (typeof WORKFLOW_NAMES)[number];

/** What each workflow needs. kubectl and helm serve `url` and `status` in the deploy workflow. */
export const WORKFLOW_CHECKS: Readonly<Record<Workflow, readonly CheckName[]>> = {
  deploy: ['node', 'npm', 'terraform', 'aws', 'aws-credentials', 'kubectl', 'helm'],
  local: ['node', 'npm', 'container-engine', 'kind', 'kubectl', 'helm'],
};

/** Node: package.json engines. Terraform: the stacks' required_version (S3-native locking). kind: the release whose node image kind/cluster.yaml pins. */
export const FLOORS = { node: '20.19.0', terraform: TERRAFORM_MINIMUM, kind: '0.33.0' } as const;
/** The Terraform the workflows and the suite run (tools/versions.json): the one to install. */
const PINNED_TERRAFORM = readManifest().terraform.version;

export const HINTS: Readonly<Record<CheckName, string>> = {
  node: `install Node.js ${FLOORS.node} or newer: https://nodejs.org/en/download (e.g. \`nvm install 20\`)`,
  npm: 'npm comes with Node.js: reinstall Node.js from https://nodejs.org/en/download',
  terraform:
    `install Terraform ${PINNED_TERRAFORM}, the version CI runs (the stacks accept ${TERRAFORM_REQUIRED_VERSION}): https://developer.hashicorp.com/terraform/install ` +
    `(e.g. \`tfenv install ${PINNED_TERRAFORM}\`)`,
  aws: 'install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html (the app stack also runs `aws eks get-token`)',
  'aws-credentials': CREDENTIALS_HINT,
  kubectl: INSTALL_HINTS.kubectl,
  helm: INSTALL_HINTS.helm,
  'container-engine': `${INSTALL_HINTS.docker}; ${INSTALL_HINTS.podman}`,
  kind: INSTALL_HINTS.kind,
  config: 'fill in the fields listed, in stacks/config/environments.ts (`npm run ops -- check-config <env>` lists them again)',
};

export type CheckStatus = 'ok' | 'missing' | 'outdated' | 'failed' | 'skipped';

export interface CheckResult {
  readonly name: CheckName;
  readonly ok: boolean;
  readonly status: CheckStatus;
  readonly version?: string;
  readonly path?: string;
  /** What was found, or what is wrong. */
  readonly detail: string;
  /** How to fix it; set when not ok. */
  readonly hint?: string;
  /** For aws-credentials: the account. */
  readonly account?: string;
}

export interface DoctorOptions {
  readonly workflow: WorkflowChoice;
  /** Check the AWS account against this environment's allowedAccountIds. */
  readonly env?: string;
}

export interface DoctorReport {
  readonly workflow: WorkflowChoice;
  readonly env?: string;
  /** Whether the requested workflow can run. */
  readonly ok: boolean;
  readonly workflows: Partial<Record<Workflow, { ok: boolean; failing: CheckName[] }>>;
  readonly checks: readonly CheckResult[];
  /**
   * Pinned versions whose upstream support ends within WARN_DAYS_BEFORE_END days (support-calendar.ts):
   * they do not stop a deploy yet, validation refuses them once the day has come.
   */
  readonly endingSupport: readonly EndingSupport[];
}

const PROBE_TIMEOUT_MS = 20_000;

/** The first x.y.z in a version string (v1.11.4, aws-cli/2.15.0, kind v0.24.0 go1.22). */
export function parseVersion(text: string): string | undefined {
  return /v?(\d+\.\d+\.\d+)/.exec(text)?.[1];
}

const ok = (name: CheckName, detail: string, extra: Partial<CheckResult> = {}): CheckResult => ({ name, ok: true, status: 'ok', detail, ...extra });
const bad = (name: CheckName, status: Exclude<CheckStatus, 'ok'>, detail: string, extra: Partial<CheckResult> = {}): CheckResult => ({
  name,
  ok: false,
  status,
  detail,
  hint: HINTS[name],
  ...extra,
});

async function versionOf(deps: OpsDeps, command: string, args: readonly string[]): Promise<string | undefined> {
  const result = await deps.run(command, args, { capture: true, timeoutMs: PROBE_TIMEOUT_MS, cwd: deps.repoRoot });
  if (result.exitCode !== 0) return undefined;
  return parseVersion(`${result.stdout}\n${result.stderr}`);
}

/** A tool on PATH with a version at or above `floor` (when given). */
async function tool(deps: OpsDeps, name: CheckName, command: string, args: readonly string[], floor?: string): Promise<CheckResult> {
  return versionedTool(deps, name, command, args, deps.lookPath(command), floor);
}

async function versionedTool(deps: OpsDeps, name: CheckName, command: string, args: readonly string[], found: string | undefined, floor?: string): Promise<CheckResult> {
  if (!found) return bad(name, 'missing', name === 'helm' ? 'helm is not on PATH and there is no node_modules/.bin/helm' : `${command} is not on PATH`);
  const version = await versionOf(deps, found, args);
  if (floor && version && compareVersions(version, floor) < 0)
    return bad(name, 'outdated', `${command} ${version} is older than ${floor}`, { version, path: found });
  if (floor && !version) return bad(name, 'failed', `could not read the version of ${found} (\`${command} ${args.join(' ')}\` failed)`, { path: found });
  return ok(name, found, { path: found, ...(version ? { version } : {}) });
}

/** Terraform's version from `terraform version -json` (plain `terraform version` as a fallback). */
async function terraformCheck(deps: OpsDeps): Promise<CheckResult> {
  const found = deps.lookPath('terraform');
  if (!found) return bad('terraform', 'missing', 'terraform is not on PATH');
  const json = await deps.run(found, ['version', '-json'], { capture: true, timeoutMs: PROBE_TIMEOUT_MS, env: { CHECKPOINT_DISABLE: '1' }, cwd: deps.repoRoot });
  let version: string | undefined;
  try {
    version = parseVersion((JSON.parse(json.stdout) as { terraform_version?: string }).terraform_version ?? '');
  } catch {
    version = undefined;
  }
  if (!version) return versionedTool(deps, 'terraform', 'terraform', ['version'], found, FLOORS.terraform);
  if (compareVersions(version, FLOORS.terraform) < 0)
    return bad('terraform', 'outdated', `terraform ${version} is older than ${FLOORS.terraform}: it cannot lock state in S3 (use_lockfile)`, { version, path: found });
  return ok('terraform', found, { version, path: found });
}

async function credentialsCheck(deps: OpsDeps, env: string | undefined): Promise<CheckResult> {
  const aws = deps.lookPath('aws');
  if (!aws) return bad('aws-credentials', 'skipped', 'not checked: the AWS CLI is missing', { hint: 'install the AWS CLI first (see above)' });
  const result = await callerIdentity(deps, aws);
  if ('error' in result) return bad('aws-credentials', 'failed', `aws sts get-caller-identity failed: ${result.error}`);
  const { account, arn } = result.identity;
  if (env !== undefined) {
    const environment = deps.config.environments[env as keyof typeof deps.config.environments];
    const problem = environment ? accountProblem(account, environment.allowedAccountIds, `environments.${env}.allowedAccountIds`) : undefined;
    if (problem) return bad('aws-credentials', 'failed', problem, { account, hint: `use credentials for one of environments.${env}.allowedAccountIds` });
    return ok('aws-credentials', arn, { account });
  }
  return ok('aws-credentials', arn, { account });
}

async function engineCheck(deps: OpsDeps): Promise<CheckResult> {
  // The local workflow runs kind, which needs an engine that runs containers.
  const found = await detectContainerEngine({ run: deps.run, lookPath: deps.lookPath, candidates: RUNNING_ENGINES });
  if (found.engine) return ok('container-engine', `${found.engine.name} (${found.engine.path})`, { version: found.engine.version, path: found.engine.path });
  const neither = found.findings.every((f) => f.status === 'missing');
  return bad('container-engine', neither ? 'missing' : 'failed', neither ? 'neither docker nor podman is on PATH' : describeDetection(found).problems.join(' '));
}

export async function runCheck(deps: OpsDeps, name: CheckName, env?: string): Promise<CheckResult> {
  switch (name) {
    case 'node':
      return compareVersions(deps.nodeVersion, FLOORS.node) < 0
        ? bad('node', 'outdated', `node ${deps.nodeVersion} is older than ${FLOORS.node}`, { version: deps.nodeVersion, path: deps.nodePath })
        : ok('node', deps.nodePath, { version: deps.nodeVersion, path: deps.nodePath });
    case 'npm':
      return tool(deps, 'npm', 'npm', ['--version']);
    case 'terraform':
      return terraformCheck(deps);
    case 'aws':
      return tool(deps, 'aws', 'aws', ['--version']);
    case 'aws-credentials':
      return credentialsCheck(deps, env);
    case 'kubectl':
      return tool(deps, 'kubectl', 'kubectl', ['version', '--client']);
    case 'helm':
      return versionedTool(deps, 'helm', 'helm', ['version', '--short'], findHelmWith(deps));
    case 'container-engine':
      return engineCheck(deps);
    case 'kind':
      return tool(deps, 'kind', 'kind', ['version'], FLOORS.kind);
    case 'config':
      return env === undefined ? bad('config', 'skipped', 'not checked: no --env given') : configCheck(deps, env);
  }
}

export function checksFor(workflow: WorkflowChoice): CheckName[] {
  const wanted = workflow === 'all' ? [...WORKFLOW_CHECKS.deploy, ...WORKFLOW_CHECKS.local] : WORKFLOW_CHECKS[workflow];
  return [...new Set(wanted)];
}

/** The environment's configuration, for the deploy workflow: no example value may be left (stacks/config/placeholders.ts). */
function configCheck(deps: OpsDeps, env: string): CheckResult {
  const problems = placeholderProblems(deps.config, env as EnvironmentName);
  if (problems.length === 0) return ok('config', `environments.${env} and the shared settings have no example values`);
  return bad('config', 'failed', `${problems.length} example value${problems.length === 1 ? '' : 's'} left in stacks/config/environments.ts`, {
    hint: ['fill in each of these in stacks/config/environments.ts:', ...problems.map((line) => `      - ${line}`)].join('\n'),
  });
}

export async function doctor(deps: OpsDeps, options: DoctorOptions): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  for (const name of checksFor(options.workflow)) checks.push(await runCheck(deps, name, options.env));
  const deploying = options.workflow !== 'local';
  if (deploying && options.env !== undefined) checks.push(configCheck(deps, options.env));
  const workflows: DoctorReport['workflows'] = {};
  for (const wf of options.workflow === 'all' ? (['deploy', 'local'] as const) : [options.workflow]) {
    const belongs = (name: CheckName) => WORKFLOW_CHECKS[wf].includes(name) || (wf === 'deploy' && name === 'config');
    const failing = checks.filter((c) => belongs(c.name) && !c.ok).map((c) => c.name);
    workflows[wf] = { ok: failing.length === 0, failing };
  }
  return {
    workflow: options.workflow,
    ...(options.env ? { env: options.env } : {}),
    ok: Object.values(workflows).every((w) => w.ok),
    workflows,
    checks,
    endingSupport: endingSupport(deps.config, new Date(deps.now())),
  };
}

export function renderDoctor(report: DoctorReport): string {
  const rows = report.checks.map((c) => [c.name, c.ok ? 'ok' : c.status.toUpperCase(), c.version ?? '', c.detail]);
  const lines = [formatTable(['check', 'status', 'version', 'found / problem'], rows)];
  const failing = report.checks.filter((c) => !c.ok);
  if (failing.length > 0) {
    lines.push('', 'To fix:');
    for (const c of failing) lines.push(`  ${c.name}: ${c.hint ?? HINTS[c.name]}`);
  }
  if (report.endingSupport.length > 0) {
    lines.push('', `Support ending within ${WARN_DAYS_BEFORE_END} days (stacks/config/support-calendar.ts):`);
    for (const e of report.endingSupport) lines.push(`  warning: ${e.field}: ${e.what} ends on ${e.endsOn}, in ${e.daysLeft} day${e.daysLeft === 1 ? '' : 's'} (fix: ${e.fix})`);
  }
  lines.push('');
  for (const [wf, state] of Object.entries(report.workflows))
    lines.push(`${wf} workflow: ${state.ok ? 'ready' : `not ready (${state.failing.join(', ')})`}`);
  return lines.join('\n');
}

/**
 * The tools a command needs, checked the way `doctor` checks them; undefined (after printing every
 * problem with its fix) when one is missing. Returns the paths of the tools found.
 */
export async function requireTools(deps: OpsDeps, names: readonly CheckName[], command: string): Promise<Partial<Record<CheckName, string>> | undefined> {
  const results: CheckResult[] = [];
  for (const name of names) results.push(await runCheck(deps, name));
  const failing = results.filter((r) => !r.ok);
  if (failing.length > 0) {
    deps.err(`error: \`${command}\` cannot run:`);
    for (const r of failing) deps.err(`  - ${r.name}: ${r.detail}. Fix: ${r.hint ?? HINTS[r.name]}`);
    deps.err('Run `npm run ops -- doctor` to check everything at once.');
    return undefined;
  }
  return Object.fromEntries(results.map((r) => [r.name, r.path ?? '']));
}
