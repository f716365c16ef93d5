/**
 * Builds the repository's Dockerfile with whichever engine was found, optionally on other bases
 * (the stand-ins), with the build metadata the OCI labels and the bundle carry.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type BuildSecret, type BuildSpec, buildArgs } from './args.js';
import type { Engine } from './engine.js';
import { type Run, type CommandResult, mustRun } from '../../lib/run.js';

export interface BuildMetadata {
  /** package.json version. */
  version: string;
  /** The commit being built ("unknown" outside a git checkout). */
  gitCommit: string;
  /** ISO 8601, seconds precision. */
  buildTime: string;
}

/** The version from package.json, HEAD's commit and the current time (or SOURCE_DATE_EPOCH). */
export function readBuildMetadata(repoRoot: string, env: NodeJS.ProcessEnv = process.env): BuildMetadata {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  let gitCommit = 'unknown';
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const epoch = env.SOURCE_DATE_EPOCH ? new Date(Number(env.SOURCE_DATE_EPOCH) * 1000) : new Date();
  return { version: pkg.version, gitCommit, buildTime: epoch.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** The id of the build secret the Dockerfile's `npm ci` step reads a CA bundle from. */
export const NPM_CA_SECRET = 'npm_ca';

/**
 * A CA bundle for npm inside the build, for networks whose TLS is intercepted: NODE_EXTRA_CA_CERTS
 * when it names a file, else the system bundle. Passed as a build secret, so it is never stored in
 * a layer, and harmless where it is not needed.
 */
export function findCaBundle(env: NodeJS.ProcessEnv, exists: (file: string) => boolean = existsSync): string | undefined {
  const candidates = [env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'];
  return candidates.find((file): file is string => typeof file === 'string' && file.length > 0 && exists(file));
}

export interface ImageBuildOptions {
  repoRoot: string;
  tag: string;
  metadata: BuildMetadata;
  /** Other bases than the Dockerfile's pinned defaults (e.g. the stand-ins). */
  bases?: { buildImage: string; runtimeImage: string } | undefined;
  caBundle?: string | undefined;
  /** Network for RUN steps on podman/buildah; the default (private) network reaches the registry here. */
  network?: 'host' | undefined;
  noCache?: boolean;
}

/** The build as an engine-neutral spec (see args.ts buildArgs). */
export function imageBuildSpec(options: ImageBuildOptions): BuildSpec {
  const buildArgValues: Record<string, string> = {};
  if (options.bases) {
    buildArgValues.BUILD_IMAGE = options.bases.buildImage;
    buildArgValues.RUNTIME_IMAGE = options.bases.runtimeImage;
  }
  buildArgValues.VERSION = options.metadata.version;
  buildArgValues.GIT_COMMIT = options.metadata.gitCommit;
  buildArgValues.BUILD_TIME = options.metadata.buildTime;
  const secrets: BuildSecret[] = options.caBundle ? [{ id: NPM_CA_SECRET, src: options.caBundle }] : [];
  return {
    dockerfile: path.join(options.repoRoot, 'Dockerfile'),
    context: options.repoRoot,
    tag: options.tag,
    buildArgs: buildArgValues,
    secrets,
    // Stand-in bases live only in the local store; public ones may be pulled.
    ...(options.bases?.buildImage.startsWith('localhost/') ? { pull: 'never' as const } : {}),
    ...(options.network ? { network: options.network } : {}),
    ...(options.noCache ? { noCache: true } : {}),
  };
}

export async function buildImage(
  engine: Engine,
  run: Run,
  options: ImageBuildOptions,
  onOutput?: (chunk: string) => void,
): Promise<CommandResult> {
  return mustRun(run, engine.program, buildArgs(engine.kind, imageBuildSpec(options)), {
    cwd: options.repoRoot,
    env: engine.env,
    onOutput,
    timeoutMs: 20 * 60_000,
  });
}
