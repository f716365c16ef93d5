/**
 * Synthesis through the composition root, exactly as `npm run synth:fast` runs it (`node --import
 * tsx main.ts`), with the selection passed the way main.ts reads it: ENVIRONMENTS, IMAGE_TAG,
 * STATE_BACKEND, and CDKTF_CONTEXT_JSON for context values. The output directory is CDKTF_OUTDIR.
 * Variables the caller did not ask for are cleared, so a stray IMAGE_TAG in the shell never
 * changes what gets deployed.
 */
import path from 'node:path';
import type { OpsDeps } from './deps.js';
import { type Manifest, ManifestError, type ManifestStack, parseManifest } from './manifest.js';
import type { TfJson } from './tfjson.js';

export interface SynthRequest {
  /** What ENVIRONMENTS selects: one environment, a list, or "all". */
  readonly environments: string;
  readonly imageTag?: string;
  readonly stateBackend?: 'local' | 's3';
  /** Context values for main.ts (app.node.tryGetContext), e.g. rootMessage. */
  readonly context?: Readonly<Record<string, string>>;
}

export interface Invocation {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export function synthInvocation(deps: Pick<OpsDeps, 'nodePath'>, outdir: string, request: SynthRequest): Invocation {
  return {
    command: deps.nodePath,
    args: ['--import', 'tsx', 'main.ts'],
    env: {
      ENVIRONMENTS: request.environments,
      IMAGE_TAG: request.imageTag ?? '',
      STATE_BACKEND: request.stateBackend === 'local' ? 'local' : '',
      CDKTF_OUTDIR: outdir,
      CDKTF_CONTEXT_JSON: JSON.stringify(request.context ?? {}),
      CHECKPOINT_DISABLE: '1',
    },
  };
}

/** A path for messages and printed commands: relative to the repository when inside it. */
export function displayPath(repoRoot: string, file: string): string {
  const relative = path.relative(repoRoot, file);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

export function describeRequest(request: SynthRequest): string {
  const parts = [`ENVIRONMENTS=${request.environments}`];
  if (request.imageTag) parts.push(`IMAGE_TAG=${request.imageTag}`);
  if (request.stateBackend === 'local') parts.push('STATE_BACKEND=local');
  if (request.context && Object.keys(request.context).length > 0) parts.push(`context ${JSON.stringify(request.context)}`);
  return parts.join(' ');
}

/** Reads outdir/manifest.json; throws ManifestError with the fix when it is missing. */
export function readManifest(deps: Pick<OpsDeps, 'readFile'>, outdir: string): Manifest {
  const file = path.join(outdir, 'manifest.json');
  const text = deps.readFile(file);
  if (text === undefined) throw new ManifestError(`${file} does not exist: synthesise first`);
  return parseManifest(text, file);
}

/** The synthesised JSON of a stack. */
export function readStackJson(deps: Pick<OpsDeps, 'readFile'>, outdir: string, stack: ManifestStack): TfJson {
  const file = path.join(outdir, stack.synthesizedStackPath);
  const text = deps.readFile(file);
  if (text === undefined) throw new ManifestError(`${file} does not exist: synthesise again`);
  return JSON.parse(text) as TfJson;
}

/**
 * Synthesises into `outdir` and returns the manifest; undefined after printing why when the synth
 * failed (main.ts names every invalid configuration field).
 */
export async function synth(deps: OpsDeps, outdir: string, request: SynthRequest): Promise<Manifest | undefined> {
  const invocation = synthInvocation(deps, outdir, request);
  const step = deps.progress.start(`synthesising (${describeRequest(request)}) into ${displayPath(deps.repoRoot, outdir)}`);
  const result = await deps.run(invocation.command, invocation.args, { capture: true, env: invocation.env, cwd: deps.repoRoot });
  step.done(result.exitCode === 0);
  if (result.exitCode !== 0) {
    deps.err(`error: the synth failed (exit ${result.exitCode}):`);
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-30);
    for (const line of detail) deps.err(`  ${line}`);
    deps.err('Fix the configuration in stacks/config/environments.ts (the message names the field), then run the command again.');
    return undefined;
  }
  try {
    return readManifest(deps, outdir);
  } catch (err) {
    deps.err(`error: ${(err as Error).message}`);
    return undefined;
  }
}
