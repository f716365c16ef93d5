/**
 * `push-image`: the first image, before the release workflow exists. The app stack resolves its
 * image tag in ECR when it plans (deploy by digest), so `app-<env>` cannot be planned until the tag
 * is there. This builds the Dockerfile with docker or podman and pushes `<tag>` to the registry
 * stack's repository with your credentials; `deploy` checks the tag first and points here.
 *
 * An image pushed this way has no signed provenance, so the deploy workflow (verify-image.sh)
 * refuses it: it serves `ops deploy` from a terminal. Every later image comes from a release tag.
 */
import path from 'node:path';
import { amiTypeFor } from '../../stacks/constructs/node-group.js';
import { CREDENTIALS_HINT, accountProblem, callerIdentity } from './aws.js';
import { configReady } from './check-config.js';
import type { OpsDeps } from './deps.js';
import { requireTools } from './doctor.js';

export interface PushImageOptions {
  /** The tag to push; default: package.json's version, the tag `npm run release` gives the environments. */
  readonly tag?: string;
}

/** The registry host and repository URL of the shared registry in `account`. */
export function registryOf(deps: Pick<OpsDeps, 'config'>, account: string): { host: string; repository: string } {
  const { region, registry } = deps.config.shared;
  const host = `${account}.dkr.ecr.${region}.amazonaws.com`;
  return { host, repository: `${host}/${registry.repositoryName}` };
}

export type ImageInEcr = 'present' | 'absent' | { error: string };

/** Whether `tag` is in the service's ECR repository (describe-images), or why that could not be told. */
export async function imageInEcr(deps: OpsDeps, aws: string, tag: string): Promise<ImageInEcr> {
  const { region, registry } = deps.config.shared;
  const result = await deps.run(aws, ['ecr', 'describe-images', '--region', region, '--repository-name', registry.repositoryName, '--image-ids', `imageTag=${tag}`, '--output', 'json']);
  if (result.exitCode === 0) return 'present';
  if (/ImageNotFoundException/.test(result.stderr)) return 'absent';
  if (/RepositoryNotFoundException/.test(result.stderr)) return { error: `the repository ${registry.repositoryName} does not exist in ${region}: deploy the registry stack first (\`npm run ops -- deploy <env> --with-shared --stacks registry\`)` };
  return { error: `aws ecr describe-images failed: ${result.stderr.trim().split('\n').at(-1) ?? `exit ${result.exitCode}`}` };
}

export const pushImageHint = (tag: string) =>
  `push it first: \`npm run ops -- push-image --tag ${tag}\` (builds the Dockerfile and pushes it with your credentials), or push the release tag v${tag} and let the release workflow build it`;

export async function pushImage(deps: OpsDeps, options: PushImageOptions): Promise<number> {
  if (!configReady(deps, undefined, 'push-image')) return 1;
  const tools = await requireTools(deps, ['aws', 'container-engine'], 'push-image');
  if (!tools) return 1;
  const [aws, engine] = [tools.aws!, tools['container-engine']!];
  const tag = options.tag ?? (JSON.parse(deps.readFile(path.join(deps.repoRoot, 'package.json')) ?? '{}') as { version?: string }).version;
  if (!tag) {
    deps.err('error: no --tag given and package.json has no version');
    return 2;
  }
  const identity = await callerIdentity(deps, aws);
  if ('error' in identity) {
    deps.err(`error: no usable AWS credentials (aws sts get-caller-identity: ${identity.error}). Fix: ${CREDENTIALS_HINT}`);
    return 1;
  }
  const problem = accountProblem(identity.identity.account, deps.config.shared.allowedAccountIds, 'shared.allowedAccountIds');
  if (problem) {
    deps.err(`error: ${problem}.`);
    return 1;
  }
  const present = await imageInEcr(deps, aws, tag);
  if (typeof present === 'object') {
    deps.err(`error: ${present.error}`);
    return 1;
  }
  const { host, repository } = registryOf(deps, identity.identity.account);
  const image = `${repository}:${tag}`;
  if (present === 'present') {
    deps.out(`${image} is already in ECR (tags are immutable there): nothing to push.`);
    return 0;
  }
  const step = async (what: string, command: string, args: readonly string[], input?: string) => {
    const s = deps.progress.start(what);
    const result = await deps.run(command, args, { cwd: deps.repoRoot, ...(input !== undefined ? { input } : {}) });
    s.done(result.exitCode === 0);
    if (result.exitCode !== 0) deps.err(`error: ${what} failed (exit ${result.exitCode}):\n${(result.stderr || result.stdout).trim().split('\n').slice(-20).join('\n')}`);
    return result;
  };
  const password = await step('asking ECR for a registry password', aws, ['ecr', 'get-login-password', '--region', deps.config.shared.region]);
  if (password.exitCode !== 0) return 1;
  if ((await step(`logging in to ${host}`, engine, ['login', '--username', 'AWS', '--password-stdin', host], password.stdout.trim())).exitCode !== 0) return 1;
  const commit = await deps.run('git', ['rev-parse', 'HEAD'], { cwd: deps.repoRoot });
  const buildArgs = { VERSION: tag, GIT_COMMIT: commit.exitCode === 0 ? commit.stdout.trim() : 'unknown', BUILD_TIME: new Date(deps.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  // The nodes' architecture, not the machine's: an image built on an arm64 laptop would not run on
  // x86 nodes, and the tag cannot be pushed again.
  const platform = Object.values(deps.config.environments).every((env) => amiTypeFor(env.cluster.nodes.instanceTypes).includes('ARM')) ? 'linux/arm64' : 'linux/amd64';
  const build = ['build', '--platform', platform, '--tag', image, ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), '--file', 'Dockerfile', '.'];
  if ((await step(`building ${image}`, engine, build)).exitCode !== 0) return 1;
  if ((await step(`pushing ${image}`, engine, ['push', image])).exitCode !== 0) return 1;
  deps.out(`Pushed ${image}. Next: \`npm run ops -- deploy <env> --image-tag ${tag}\`.`);
  return 0;
}
