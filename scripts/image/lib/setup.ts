/**
 * The steps the entry point and the image test share: find an engine (with our containers.conf)
 * and build the image, on the Dockerfile's bases or on bases the caller made (the stand-ins of
 * offline/stand-in-images, where public images cannot be pulled).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lookPath } from '../../lib/which.js';
import { type BuildMetadata, buildImage, findCaBundle, readBuildMetadata } from './build-image.js';
import type { DockerfileBases } from './dockerfile.js';
import { type Detection, type Engine, containersConf, detectEngine, readHostLimits } from './engine.js';
import { CACHE_DIR, REPO_ROOT } from './paths.js';
import { type Run, type RunOptions, runCommand as runAnyCommand } from '../../lib/run.js';

/** Image commands (builds, podman run/create/inspect) never run longer than 30 minutes unless a call says otherwise. */
export const runCommand = (command: string, args: readonly string[], options: RunOptions = {}) =>
  runAnyCommand(command, args, { timeoutMs: 30 * 60_000, ...options });

/** Writes .cache/image-bases/containers.conf for this host and returns its path. */
export function writeContainersConf(cacheDir: string = CACHE_DIR): string {
  mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, 'containers.conf');
  writeFileSync(file, containersConf({ limits: readHostLimits(), runtime: lookPath('runc') ? 'runc' : undefined }));
  return file;
}

export async function findEngine(run: Run = runCommand, env: NodeJS.ProcessEnv = process.env): Promise<Detection> {
  return detectEngine({ run, lookPath: (name) => lookPath(name), env, containersConf: writeContainersConf() });
}

export interface TestImageOptions {
  engine: Engine;
  tag: string;
  run?: Run;
  /** Bases to build on instead of the Dockerfile's (BUILD_IMAGE and RUNTIME_IMAGE build args). */
  bases?: DockerfileBases;
  noCache?: boolean;
  log?: (line: string) => void;
  onOutput?: (chunk: string) => void;
}

export interface TestImageResult {
  metadata: BuildMetadata;
  buildMs: number;
}

/** The repository's Dockerfile, tagged `tag`, on its own bases or on `bases`. */
export async function buildTestImage(options: TestImageOptions): Promise<TestImageResult> {
  const run = options.run ?? runCommand;
  const log = options.log ?? (() => {});
  const bases = options.bases;
  const metadata = readBuildMetadata(REPO_ROOT);
  log(`building ${options.tag} with ${options.engine.kind} ${options.engine.version}${bases ? ` on ${bases.buildImage} and ${bases.runtimeImage}` : ''}`);
  const result = await buildImage(
    options.engine,
    run,
    {
      repoRoot: REPO_ROOT,
      tag: options.tag,
      metadata,
      bases,
      caBundle: findCaBundle(process.env),
      // The default (private) build network reaches the registry here; IMAGE_BUILD_NETWORK=host where it does not.
      network: process.env.IMAGE_BUILD_NETWORK === 'host' ? 'host' : undefined,
      noCache: options.noCache ?? false,
    },
    options.onOutput,
  );
  return { metadata, buildMs: result.durationMs };
}
