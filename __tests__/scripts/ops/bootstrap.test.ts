import { describe, expect, it } from 'vitest';
import { hasLocalState } from '../../../scripts/ops/bootstrap.js';
import { main } from '../../../scripts/ops/cli.js';
import { OUTDIR, type Responder, awsResponder, fake, platformFixture, synthResponder, terraformResponder } from './fakes.js';

const BUCKET = 'hono-api-tfstate-example';
const OBJECT = `${BUCKET}/hono-api/state.tfstate`;
const LOCAL_STATE = `${OUTDIR}/stacks/state/terraform.state.tfstate`;
const STATE = JSON.stringify({ version: 4, resources: [{ type: 'aws_s3_bucket', name: 'state' }] });

interface World {
  object?: 'exists' | 'missing' | 'forbidden';
  bucket?: 'exists' | 'missing' | 'forbidden';
  localState?: boolean;
  migrateFails?: boolean;
  interactive?: boolean;
  answers?: string[];
}

/** AWS and terraform whose answers follow what the bootstrap does: apply writes local state, migration puts it in the bucket. */
function world(w: World = {}) {
  let object = w.object ?? 'missing';
  let bucket = w.bucket ?? 'missing';
  const effects: Responder = (call, f) => {
    if (!call.line.startsWith('terraform -chdir=cdktf.out/stacks/state')) return undefined;
    if (call.args[1] === 'apply') {
      f.files.set(LOCAL_STATE, STATE);
      bucket = 'exists';
      return { exitCode: 0 };
    }
    if (call.args.includes('-migrate-state')) {
      if (w.migrateFails) return { exitCode: 1, stderr: 'Error: Error copying state from the previous "local" backend to the newly configured "s3" backend: AccessDenied\n' };
      object = 'exists';
      return { exitCode: 0 };
    }
    return undefined;
  };
  const s3: Responder = (call, f) => awsResponder({ objects: { [OBJECT]: object }, buckets: { [BUCKET]: bucket } })(call, f);
  return fake({
    interactive: w.interactive ?? false,
    answers: w.answers ?? [],
    files: w.localState ? { [LOCAL_STATE]: STATE } : {},
    respond: [synthResponder(({ env, stateBackend }) => platformFixture(env === 'all' ? 'dev' : env, { stateBackend: stateBackend === 'local' ? 'local' : 's3' })), effects, terraformResponder({}), s3],
  });
}

const synthBackends = (f: ReturnType<typeof fake>) => f.calls.filter((c) => c.line === 'node --import tsx main.ts').map((c) => c.options.env?.STATE_BACKEND || 's3');
const tfSteps = (f: ReturnType<typeof fake>) => f.calls.filter((c) => c.line.startsWith('terraform -chdir=')).map((c) => c.args.slice(1).join(' '));

describe('bootstrap', () => {
  it('says so and changes nothing when the state is already in the bucket, even without a terminal', async () => {
    const f = world({ object: 'exists', bucket: 'exists' });
    expect(await main(['bootstrap'], f.deps)).toBe(0);
    expect(f.out.join('\n')).toMatch(/Already bootstrapped: the state of state is in s3:\/\/hono-api-tfstate-example\/hono-api\/state\.tfstate\. Nothing to do\./);
    expect(tfSteps(f)).toEqual([]);
  });

  it('creates the bucket with a local backend, then moves the state into it', async () => {
    const f = world({ interactive: true, answers: ['yes'] });
    expect(await main(['bootstrap'], f.deps)).toBe(0);
    // Which stack and where its state goes come from two synths; the apply from a local one, the migration from an S3 one.
    expect(synthBackends(f)).toEqual(['local', 's3', 'local', 's3']);
    expect(tfSteps(f)).toEqual([
      'init -input=false -no-color -reconfigure',
      'plan -input=false -no-color -detailed-exitcode -lock-timeout=10m -out=tfplan',
      'show -json tfplan',
      'apply -input=false -no-color -lock-timeout=10m tfplan',
      'init -input=false -no-color -migrate-state -force-copy',
    ]);
    expect(f.prompts).toEqual(['Apply the state stack with a local backend (bucket hono-api-tfstate-example) (state)? Only "yes" is accepted: ']);
    const out = f.out.join('\n');
    expect(out).toMatch(/Bootstrapped: the state of state is now in s3:\/\/hono-api-tfstate-example\/hono-api\/state\.tfstate/);
    expect(out).toMatch(/cdktf.out\/stacks\/state\/terraform\.state\.tfstate is no longer used/);
    // The object is checked before and after.
    expect(f.callsTo('aws').filter((l) => l.includes('head-object'))).toHaveLength(2);
  });

  it('refuses another account’s bucket, naming the setting to change', async () => {
    const f = world({ bucket: 'forbidden', interactive: true });
    expect(await main(['bootstrap'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/the bucket hono-api-tfstate-example exists but belongs to another account.*Set state\.bucketName in stacks\/config\/environments\.ts/);
    expect(tfSteps(f)).toEqual([]);
  });

  it('does not adopt an existing bucket without state to migrate', async () => {
    const f = world({ bucket: 'exists', interactive: true });
    expect(await main(['bootstrap'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/exists but holds no state at hono-api\/state\.tfstate, and cdktf\.out\/stacks\/state\/terraform\.state\.tfstate holds no local state/);
    expect(tfSteps(f)).toEqual([]);
  });

  it('resumes an interrupted bootstrap (bucket created, state still local)', async () => {
    const f = world({ bucket: 'exists', localState: true, interactive: true, answers: ['yes'] });
    expect(await main(['bootstrap'], f.deps)).toBe(0);
    expect(f.out.join('\n')).toMatch(/Resuming an interrupted bootstrap/);
    expect(tfSteps(f).at(-1)).toBe('init -input=false -no-color -migrate-state -force-copy');
  });

  it('refuses to apply without a terminal and without --yes, after finding there is work to do', async () => {
    const f = world();
    expect(await main(['bootstrap'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/refusing to apply without confirmation/);
    expect(tfSteps(f)).toEqual([]);
    const g = world();
    expect(await main(['bootstrap', '--yes'], g.deps)).toBe(0);
  });

  it('keeps the local state and says how to retry when the migration fails', async () => {
    const f = world({ migrateFails: true, interactive: true, answers: ['yes'] });
    expect(await main(['bootstrap'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/state: terraform init -migrate-state failed[\s\S]*AccessDenied[\s\S]*the local state is intact in cdktf\.out\/stacks\/state\/terraform\.state\.tfstate: run bootstrap again/);
    expect(f.files.get(LOCAL_STATE)).toBe(STATE);
  });

  it('needs terraform and the AWS CLI', async () => {
    const f = fake({ tools: ['terraform'], respond: [terraformResponder({})] });
    expect(await main(['bootstrap', '--yes'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/`bootstrap` cannot run:\n {2}- aws: aws is not on PATH\. Fix: install the AWS CLI v2/);
  });
});

describe('hasLocalState', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['not json', false],
    ['{"version":4,"resources":[]}', false],
    [STATE, true],
  ])('%j → %s', (text, expected) => {
    expect(hasLocalState(text)).toBe(expected);
  });
});
