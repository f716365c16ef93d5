/**
 * The kind workflow's commands. Each checks the prerequisites it needs first and fails fast with
 * an explicit message; kind, kubectl and helm always get the cluster's own context, so the user's
 * current kubeconfig context is never used by accident.
 */
import path from 'node:path';
import {
  CLUSTER_CONFIG,
  CLUSTER_NAME,
  CLUSTER_WAIT,
  DEFAULT_LOCAL_PORT,
  DEPLOY_DIR,
  DEPLOY_KUBECONFIG,
  DOCKERFILE,
  HELM_TEST_TIMEOUT,
  IMAGE,
  IMAGE_REPOSITORY,
  IMAGE_TAG,
  KUBE_CONTEXT,
  NAMESPACE,
  PODMAN_IMAGE,
  RELEASE,
  SERVICE,
  SERVICE_PORT,
} from './config.js';
import { TERRAFORM_FLAGS, appLocalSynth } from '../lib/app-local.js';
import type { RunOptions } from '../lib/run.js';
import type { KindDeps } from './deps.js';
import { ALL_TOOLS, checkPrerequisites } from './prereqs.js';
import type { ResolvedToolchain, Tool, Toolchain } from './prereqs.js';

export const COMMAND_NAMES = ['check', 'up', 'image', 'deploy', 'test', 'forward', 'down', 'all'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandOptions {
  /** Local port for `forward`. */
  port?: number;
}

/** The tools each command needs (`all` needs everything `check` checks). */
export const NEEDS: Readonly<Record<CommandName, readonly Tool[]>> = {
  check: ALL_TOOLS,
  up: ['engine', 'kind'],
  image: ['engine', 'kind'],
  deploy: ['engine', 'kind', 'terraform'],
  test: ['engine', 'kind', 'helm'],
  forward: ['engine', 'kind', 'kubectl'],
  down: ['engine', 'kind'],
  all: ALL_TOOLS,
};

const NEXT_STEP = 'tsx scripts/kind.ts';

function display(command: string, args: readonly string[]): string {
  return [path.basename(command), ...args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, "'\\''")}'`)).join(' ');
}

/** kind talks to Podman only when told to. */
function kindEnv(tools: Toolchain): Record<string, string> {
  return tools.engine?.name === 'podman' ? { KIND_EXPERIMENTAL_PROVIDER: 'podman' } : {};
}

/** Runs one command of a step, echoing it first; false (after saying why) when it fails. */
async function exec(deps: KindDeps, what: string, command: string, args: readonly string[], options: RunOptions = {}): Promise<boolean> {
  deps.out(`$ ${display(command, args)}`);
  const result = await deps.run(command, args, { capture: false, cwd: deps.repoRoot, ...options });
  if (result.exitCode === 0) return true;
  const detail = result.stderr.trim() ? `: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
  deps.err(`error: ${what} failed (${path.basename(command)} exited with ${result.exitCode})${detail}`);
  return false;
}

/** Checks the prerequisites of `command`; undefined (after listing every problem) when any is missing. */
async function prepare(deps: KindDeps, command: CommandName): Promise<ResolvedToolchain | undefined> {
  const report = await checkPrerequisites(deps, NEEDS[command]);
  for (const note of report.notes) deps.err(`note: ${note}`);
  if (!report.ok) {
    deps.err(`error: \`${command}\` cannot run, prerequisites are missing:`);
    for (const problem of report.problems) deps.err(`  - ${problem}`);
    deps.err(`Run \`${NEXT_STEP} check\` after installing them.`);
    return undefined;
  }
  return report.tools as ResolvedToolchain;
}

/** Whether the kind cluster exists; undefined when kind cannot list clusters. */
async function clusterExists(deps: KindDeps, tools: ResolvedToolchain): Promise<boolean | undefined> {
  const result = await deps.run(tools.kind, ['get', 'clusters'], { capture: true, env: kindEnv(tools), cwd: deps.repoRoot });
  if (result.exitCode !== 0) {
    deps.err(`error: \`kind get clusters\` failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    return undefined;
  }
  return result.stdout.split('\n').some((line) => line.trim() === CLUSTER_NAME);
}

async function requireCluster(deps: KindDeps, tools: ResolvedToolchain): Promise<boolean> {
  const exists = await clusterExists(deps, tools);
  if (exists === false) deps.err(`error: the kind cluster "${CLUSTER_NAME}" does not exist. Create it first: ${NEXT_STEP} up`);
  return exists === true;
}

function requireFile(deps: KindDeps, relative: string, why: string): boolean {
  if (deps.fileExists(path.join(deps.repoRoot, relative))) return true;
  deps.err(`error: ${relative} not found in ${deps.repoRoot}: ${why}`);
  return false;
}

/** Prints what was found and what is missing; `tools` is complete when `ok`. */
async function check(deps: KindDeps): Promise<{ ok: boolean; tools: Toolchain }> {
  const report = await checkPrerequisites(deps, NEEDS.check);
  const { engine, kind, kubectl, helm, terraform } = report.tools;
  if (engine) deps.out(`ok   container engine: ${engine.name} ${engine.version} (${engine.path})`);
  for (const [name, found] of [['kind', kind], ['kubectl', kubectl], ['helm', helm], ['terraform', terraform?.binary]] as const) if (found) deps.out(`ok   ${name}: ${found}`);
  for (const note of report.notes) deps.err(`note: ${note}`);
  for (const problem of report.problems) deps.err(`MISSING ${problem}`);
  const dockerfile = deps.fileExists(path.join(deps.repoRoot, DOCKERFILE));
  if (!dockerfile) deps.err(`MISSING ${DOCKERFILE} at the repository root: \`image\` builds ${IMAGE} from it`);
  if (!report.ok || !dockerfile) {
    deps.err('error: prerequisites are missing (see above).');
    return { ok: false, tools: report.tools };
  }
  deps.out('All prerequisites found.');
  return { ok: true, tools: report.tools };
}

async function up(deps: KindDeps, tools: ResolvedToolchain): Promise<boolean> {
  const exists = await clusterExists(deps, tools);
  if (exists === undefined) return false;
  if (exists) {
    deps.out(`The kind cluster "${CLUSTER_NAME}" already exists (context ${KUBE_CONTEXT}).`);
    return true;
  }
  if (!requireFile(deps, CLUSTER_CONFIG, 'it defines the cluster')) return false;
  const args = ['create', 'cluster', '--name', CLUSTER_NAME, '--config', CLUSTER_CONFIG, '--wait', CLUSTER_WAIT];
  if (!(await exec(deps, 'creating the kind cluster', tools.kind, args, { env: kindEnv(tools) }))) return false;
  deps.out(`Cluster "${CLUSTER_NAME}" is up (context ${KUBE_CONTEXT}).`);
  return true;
}

async function image(deps: KindDeps, tools: ResolvedToolchain): Promise<boolean> {
  if (!requireFile(deps, DOCKERFILE, `the image ${IMAGE} is built from it`)) return false;
  if (!(await requireCluster(deps, tools))) return false;
  const { engine } = tools;
  if (engine.name === 'docker') {
    if (!(await exec(deps, `building ${IMAGE}`, engine.path, ['build', '--tag', IMAGE, '--file', DOCKERFILE, '.']))) return false;
    return exec(deps, `loading ${IMAGE} into the cluster`, tools.kind, ['load', 'docker-image', IMAGE, '--name', CLUSTER_NAME]);
  }
  if (!(await exec(deps, `building ${PODMAN_IMAGE}`, engine.path, ['build', '--tag', PODMAN_IMAGE, '--file', DOCKERFILE, '.']))) return false;
  const dir = deps.makeTempDir();
  try {
    const archive = path.join(dir, 'hono-api-dev.tar');
    if (!(await exec(deps, `saving ${PODMAN_IMAGE}`, engine.path, ['save', '--output', archive, PODMAN_IMAGE]))) return false;
    return await exec(deps, `loading ${PODMAN_IMAGE} into the cluster`, tools.kind, ['load', 'image-archive', archive, '--name', CLUSTER_NAME], { env: kindEnv(tools) });
  } finally {
    deps.removePath(dir);
  }
}

/**
 * The app-local stack (the dev environment's app, without what only AWS provides) synthesised for
 * the kind cluster and applied by Terraform through the Helm provider: the same path as the EKS app
 * stack. Its state stays in DEPLOY_DIR, so a second deploy is an update and `down` removes it.
 */
async function deploy(deps: KindDeps, tools: ResolvedToolchain): Promise<boolean> {
  if (!(await requireCluster(deps, tools))) return false;
  const outdir = path.join(deps.repoRoot, DEPLOY_DIR);
  const kubeconfig = path.join(deps.repoRoot, DEPLOY_KUBECONFIG);
  const exported = ['export', 'kubeconfig', '--name', CLUSTER_NAME, '--kubeconfig', kubeconfig];
  if (!(await exec(deps, 'exporting the cluster\'s kubeconfig', tools.kind, exported, { env: kindEnv(tools) }))) return false;
  const synth = appLocalSynth({ outdir, kubeconfig, context: KUBE_CONTEXT, imageRepository: IMAGE_REPOSITORY, imageTag: IMAGE_TAG });
  if (!(await exec(deps, 'synthesising the app-local stack', synth.command, synth.args, { env: synth.env }))) return false;
  const terraform = { cwd: synth.stackDir, env: tools.terraform.env };
  if (!(await exec(deps, 'terraform init of app-local', tools.terraform.binary, ['init', ...TERRAFORM_FLAGS], terraform))) return false;
  return exec(deps, `deploying the ${RELEASE} release (terraform apply of app-local)`, tools.terraform.binary, ['apply', '-auto-approve', ...TERRAFORM_FLAGS], terraform);
}

async function test(deps: KindDeps, tools: ResolvedToolchain): Promise<boolean> {
  if (!(await requireCluster(deps, tools))) return false;
  return exec(deps, `helm test of ${RELEASE}`, tools.helm, ['test', RELEASE, '--namespace', NAMESPACE, '--timeout', HELM_TEST_TIMEOUT, '--kube-context', KUBE_CONTEXT]);
}

function forwardArgs(port: number): string[] {
  return ['--context', KUBE_CONTEXT, '--namespace', NAMESPACE, 'port-forward', `svc/${SERVICE}`, `${port}:${SERVICE_PORT}`, '--address', '127.0.0.1'];
}

async function forward(deps: KindDeps, tools: ResolvedToolchain, port: number): Promise<boolean> {
  if (!(await requireCluster(deps, tools))) return false;
  deps.out(`Forwarding http://127.0.0.1:${port}/ to svc/${SERVICE}:${SERVICE_PORT} (Ctrl-C to stop).`);
  return exec(deps, 'port-forward', tools.kubectl, forwardArgs(port));
}

async function down(deps: KindDeps, tools: ResolvedToolchain): Promise<boolean> {
  if (!(await exec(deps, 'deleting the kind cluster', tools.kind, ['delete', 'cluster', '--name', CLUSTER_NAME], { env: kindEnv(tools) }))) return false;
  // The app-local state described the deleted cluster: a later deploy starts afresh.
  deps.removePath(path.join(deps.repoRoot, DEPLOY_DIR));
  deps.out(`Cluster "${CLUSTER_NAME}" deleted.`);
  return true;
}

type Step = { name: CommandName; run: (deps: KindDeps, tools: ResolvedToolchain) => Promise<boolean> };

const ALL_STEPS: readonly Step[] = [
  { name: 'up', run: up },
  { name: 'image', run: image },
  { name: 'deploy', run: deploy },
  { name: 'test', run: test },
];

/** check → up → image → deploy → test, stopping at the first step that fails. */
async function all(deps: KindDeps): Promise<number> {
  deps.out('==> check');
  const checked = await check(deps);
  if (!checked.ok) {
    deps.err(`Stopped at \`check\`. Not run: ${ALL_STEPS.map((s) => s.name).join(', ')}.`);
    return 1;
  }
  const tools = checked.tools as ResolvedToolchain;
  for (const [i, step] of ALL_STEPS.entries()) {
    deps.out(`==> ${step.name}`);
    if (!(await step.run(deps, tools))) {
      const rest = ALL_STEPS.slice(i + 1).map((s) => s.name);
      deps.err(`Stopped at \`${step.name}\`.${rest.length > 0 ? ` Not run: ${rest.join(', ')}.` : ''}`);
      return 1;
    }
  }
  deps.out(`Deployed and tested. Reach the service with: ${NEXT_STEP} forward   (then http://127.0.0.1:${DEFAULT_LOCAL_PORT}/)`);
  deps.out(`  or directly: kubectl ${forwardArgs(DEFAULT_LOCAL_PORT).join(' ')}`);
  return 0;
}

/** Runs a command; the exit code is 0 on success and 1 on any failure. */
export async function runCommand(name: CommandName, deps: KindDeps, options: CommandOptions = {}): Promise<number> {
  if (name === 'check') return (await check(deps)).ok ? 0 : 1;
  if (name === 'all') return all(deps);
  const tools = await prepare(deps, name);
  if (!tools) return 1;
  const ok =
    name === 'up' ? await up(deps, tools)
    : name === 'image' ? await image(deps, tools)
    : name === 'deploy' ? await deploy(deps, tools)
    : name === 'test' ? await test(deps, tools)
    : name === 'forward' ? await forward(deps, tools, options.port ?? DEFAULT_LOCAL_PORT)
    : await down(deps, tools);
  return ok ? 0 : 1;
}
