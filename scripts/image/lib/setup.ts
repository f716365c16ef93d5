/**
 * The steps the entry points and the image test share: find an engine (with our containers.conf),
 * make the stand-in bases, build the image.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lookPath } from '../../lib/which.js';
import { type BuildMetadata, buildImage, findCaBundle, readBuildMetadata } from './build-image.js';
import { type Detection, type Engine, containersConf, detectEngine, readHostLimits } from './engine.js';
import { CACHE_DIR, REPO_ROOT } from './paths.js';
import { type Run, type RunOptions, runCommand as runAnyCommand } from '../../lib/run.js';

/** Image commands (builds, podman run/create/inspect) never run longer than 30 minutes unless a call says otherwise. */
export const runCommand = (command: string, args: readonly string[], options: RunOptions = {}) =>
  runAnyCommand(command, args, { timeoutMs: 30 * 60_000, ...options });
import { type StandInResult, ensureStandInBases } from './stand-ins.js';

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
  /** Build on the Dockerfile's public bases instead of the local stand-ins. */
  publicBases?: boolean;
  noCache?: boolean;
  log?: (line: string) => void;
  onOutput?: (chunk: string) => void;
}

export interface TestImageResult {
  standIns: StandInResult | undefined;
  metadata: BuildMetadata;
  buildMs: number;
}

/** Stand-in bases (unless publicBases), then the repository's Dockerfile, tagged `tag`. */
export async function buildTestImage(options: TestImageOptions): Promise<TestImageResult> {
  const run = options.run ?? runCommand;
  const log = options.log ?? (() => {});
  const standIns = options.publicBases
    ? undefined
    : await ensureStandInBases({ engine: options.engine, run, dockerfile: path.join(REPO_ROOT, 'Dockerfile'), cacheDir: CACHE_DIR, log, onOutput: options.onOutput });
  const metadata = readBuildMetadata(REPO_ROOT);
  log(`building ${options.tag} with ${options.engine.kind} ${options.engine.version}${standIns ? ` on ${standIns.buildImage} and ${standIns.runtimeImage}` : ''}`);
  const result = await buildImage(
    options.engine,
    run,
    {
      repoRoot: REPO_ROOT,
      tag: options.tag,
      metadata,
      bases: standIns,
      caBundle: findCaBundle(process.env),
      // The default (private) build network reaches the registry here; IMAGE_BUILD_NETWORK=host where it does not.
      network: process.env.IMAGE_BUILD_NETWORK === 'host' ? 'host' : undefined,
      noCache: options.noCache ?? false,
    },
    options.onOutput,
  );
  return { standIns, metadata, buildMs: result.durationMs };
}
