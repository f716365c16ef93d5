/**
 * `bootstrap`: the state bucket every other stack keeps its state in, created by the one stack
 * that cannot keep its own state there yet.
 *
 * 1. Synthesise with STATE_BACKEND=local: the stack whose backend is then `local` is the state
 *    stack (nothing here names it). Synthesise again with the S3 backend to read where its state
 *    will live (bucket, key, region).
 * 2. If that state object exists, the bootstrap is done: say so and stop (idempotent).
 * 3. Otherwise plan, confirm and apply the state stack with the local backend (in its stack
 *    directory, `terraform init -reconfigure` so an earlier S3 init does not get in the way).
 * 4. Re-synthesise with the S3 backend and `terraform init -migrate-state -force-copy`: the local
 *    state moves into the bucket it describes. The object is checked afterwards.
 *
 * A bucket that exists without the state object is only used when there is local state to
 * migrate (an interrupted bootstrap); otherwise it is someone else's or a leftover, and the CLI
 * stops with the fix rather than adopting it.
 */
import path from 'node:path';
import { configReady } from './check-config.js';
import { canConfirmApply } from './confirm.js';
import type { OpsDeps } from './deps.js';
import { requireTools } from './doctor.js';
import { checkAccount } from './deploy.js';
import type { Manifest, ManifestStack } from './manifest.js';
import { rollout } from './rollout.js';
import { displayPath, readStackJson, synth } from './synth.js';
import { reportFailure, runTerraform, stackRef, tfArgs } from './terraform-steps.js';
import { backendOf } from './tfjson.js';

export interface BootstrapOptions {
  readonly yes: boolean;
}

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
}

/** The one stack with a local backend in a STATE_BACKEND=local synth, and its state file. */
export function findStateStack(deps: Pick<OpsDeps, 'readFile'>, outdir: string, manifest: Manifest): { stack: ManifestStack; localPath: string } {
  const local = Object.values(manifest.stacks).flatMap((stack) => {
    const backend = backendOf(readStackJson(deps, outdir, stack));
    return backend?.kind === 'local' ? [{ stack, localPath: typeof backend.config.path === 'string' ? backend.config.path : 'terraform.tfstate' }] : [];
  });
  if (local.length !== 1)
    throw new Error(`expected exactly one stack with a local backend under STATE_BACKEND=local, found ${local.length ? local.map((l) => l.stack.name).join(', ') : 'none'} (see stacks/constructs/backend.ts)`);
  return local[0]!;
}

export function s3LocationOf(deps: Pick<OpsDeps, 'readFile'>, outdir: string, stack: ManifestStack): S3Location {
  const backend = backendOf(readStackJson(deps, outdir, stack));
  const c = backend?.config ?? {};
  if (backend?.kind !== 's3' || typeof c.bucket !== 'string' || typeof c.key !== 'string' || typeof c.region !== 'string')
    throw new Error(`${stack.name} has no S3 backend with bucket, key and region after a synth with the S3 backend`);
  return { bucket: c.bucket, key: c.key, region: c.region };
}

export type Probe = 'exists' | 'missing' | 'forbidden' | { error: string };

/** `aws s3api head-object|head-bucket`: 404 is missing, 403 forbidden. */
export async function probeS3(deps: OpsDeps, aws: string, location: S3Location, what: 'object' | 'bucket'): Promise<Probe> {
  const args =
    what === 'object'
      ? ['s3api', 'head-object', '--bucket', location.bucket, '--key', location.key, '--region', location.region]
      : ['s3api', 'head-bucket', '--bucket', location.bucket, '--region', location.region];
  const result = await deps.run(aws, args, { capture: true, cwd: deps.repoRoot, timeoutMs: 60_000 });
  if (result.exitCode === 0) return 'exists';
  if (/\(404\)|Not Found|NoSuchKey|NoSuchBucket/i.test(result.stderr)) return 'missing';
  if (/\(403\)|Forbidden|AccessDenied/i.test(result.stderr)) return 'forbidden';
  return { error: result.stderr.trim().split('\n').slice(-2).join(' ') || `aws exited with ${result.exitCode}` };
}

/** Whether a local state file holds resources (an interrupted bootstrap left it). */
export function hasLocalState(text: string | undefined): boolean {
  if (!text) return false;
  try {
    const state = JSON.parse(text) as { resources?: unknown[] };
    return Array.isArray(state.resources) && state.resources.length > 0;
  } catch {
    return false;
  }
}

const url = (l: S3Location) => `s3://${l.bucket}/${l.key}`;

export async function bootstrap(deps: OpsDeps, outdir: string, options: BootstrapOptions): Promise<number> {
  if (!configReady(deps, undefined, 'bootstrap')) return 1;
  const tools = await requireTools(deps, ['terraform', 'aws'], 'bootstrap');
  if (!tools) return 1;
  const aws = tools.aws!;
  const tf = { deps, terraform: tools.terraform! };

  let state: { stack: ManifestStack; localPath: string };
  let location: S3Location;
  try {
    const localManifest = await synth(deps, outdir, { environments: 'all', stateBackend: 'local' });
    if (!localManifest) return 1;
    state = findStateStack(deps, outdir, localManifest);
    if (!(await synth(deps, outdir, { environments: 'all' }))) return 1;
    location = s3LocationOf(deps, outdir, state.stack);
  } catch (err) {
    deps.err(`error: ${(err as Error).message}`);
    return 1;
  }
  if (!(await checkAccount(deps, aws, outdir, [state.stack]))) return 1;
  const ref = stackRef(deps.repoRoot, outdir, state.stack);
  const localFile = path.join(ref.absDir, state.localPath);

  const object = await probeS3(deps, aws, location, 'object');
  if (object === 'exists') {
    deps.out(`Already bootstrapped: the state of ${state.stack.name} is in ${url(location)}. Nothing to do.`);
    if (hasLocalState(deps.readFile(localFile)))
      deps.out(`(${displayPath(deps.repoRoot, localFile)} is a leftover local copy from the bootstrap; it is not used and can be deleted.)`);
    return 0;
  }
  if (object !== 'missing') {
    deps.err(`error: cannot tell whether ${url(location)} exists: ${typeof object === 'string' ? `access ${object}` : object.error}`);
    return 1;
  }
  const bucket = await probeS3(deps, aws, location, 'bucket');
  const localState = hasLocalState(deps.readFile(localFile));
  if (bucket === 'forbidden') {
    deps.err(
      `error: the bucket ${location.bucket} exists but belongs to another account (S3 bucket names are global). ` +
        'Set state.bucketName in stacks/config/environments.ts to a unique name (e.g. with your account id in it) and run bootstrap again.',
    );
    return 1;
  }
  if (typeof bucket !== 'string') {
    deps.err(`error: cannot tell whether the bucket ${location.bucket} exists: ${bucket.error}`);
    return 1;
  }
  if (bucket === 'exists' && !localState) {
    deps.err(
      `error: the bucket ${location.bucket} exists but holds no state at ${location.key}, and ${displayPath(deps.repoRoot, localFile)} holds no local state to migrate. ` +
        `If an earlier bootstrap created it and its local state is lost, import the bucket and key into the state stack (terraform import) or delete the bucket; ` +
        'otherwise choose another state.bucketName in stacks/config/environments.ts.',
    );
    return 1;
  }

  const upfront = canConfirmApply(deps, options.yes);
  if (!upfront.ok) {
    deps.err(`error: ${upfront.reason}`);
    return 1;
  }
  deps.out(
    bucket === 'exists'
      ? `Resuming an interrupted bootstrap: ${location.bucket} exists and ${displayPath(deps.repoRoot, localFile)} holds its state.`
      : `Bootstrapping: ${state.stack.name} creates the state bucket ${location.bucket} (${location.region}) with a local backend, then moves its own state into it.`,
  );
  if (!(await synth(deps, outdir, { environments: 'all', stateBackend: 'local' }))) return 1;
  const applied = await rollout(tf, [ref], { what: `the state stack with a local backend (bucket ${location.bucket})`, yes: options.yes, initExtra: ['-reconfigure'] });
  if (applied !== 0) return applied;
  if (!hasLocalState(deps.readFile(localFile))) {
    deps.err(`error: ${displayPath(deps.repoRoot, localFile)} holds no state after the apply: nothing to migrate. Nothing was migrated.`);
    return 1;
  }

  if (!(await synth(deps, outdir, { environments: 'all' }))) return 1;
  const migrate = await runTerraform(tf, ref, tfArgs.init(ref.dir, '-migrate-state', '-force-copy'), `moving the state into ${url(location)}`, 'migrate.log');
  if (migrate.exitCode !== 0) {
    reportFailure(deps, ref, 'terraform init -migrate-state', migrate, 'migrate.log');
    deps.err(`The bucket exists and the local state is intact in ${displayPath(deps.repoRoot, localFile)}: run bootstrap again to retry the migration.`);
    return 1;
  }
  const check = await probeS3(deps, aws, location, 'object');
  if (check !== 'exists') {
    deps.err(`error: terraform reported the migration done, but ${url(location)} is not there (${typeof check === 'string' ? check : check.error}). Run bootstrap again.`);
    return 1;
  }
  deps.out(`Bootstrapped: the state of ${state.stack.name} is now in ${url(location)}, locked with S3-native lock files.`);
  deps.out(`${displayPath(deps.repoRoot, localFile)} is no longer used; keep it until you have checked the bucket, then delete it.`);
  deps.out('Next (README, Bootstrap order): `npm run ops -- deploy dev --with-shared --stacks registry,ci-identity`, then the environment stack by stack.');
  return 0;
}
