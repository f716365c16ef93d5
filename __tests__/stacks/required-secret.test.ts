/**
 * RequiredSecret judged by Terraform itself against the AWS emulator: a plan fails while the secret
 * is missing (or only a secret whose name starts the same exists: ListSecrets matches prefixes),
 * naming it and the fix, and succeeds once it exists. The app stack puts the same precondition on
 * its Helm release (app-stack.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../offline/aws-emulator/emulator.js';
import { runCommand } from '../../scripts/lib/run.js';
import { RequiredSecret } from '../../stacks/constructs/required-secret.js';
import { toolchain } from '../../tools/toolchain.js';

const chain = toolchain();
const root = mkdtempSync(path.join(os.tmpdir(), 'hono-api-required-secret-'));
let emulator: Emulator;
let env: NodeJS.ProcessEnv;
let stackDir = '';

beforeAll(async () => {
  emulator = await startEmulator({ dir: path.join(root, '.emulator') });
  env = chain.terraformEnv({ ...process.env, ...emulator.env });
  const app = new App({ outdir: path.join(root, 'out') });
  const stack = new TerraformStack(app, 'required-secret');
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const secret = new RequiredSecret(stack, 'app-secret', { name: 'dev/hono-api', fix: 'create it with aws secretsmanager create-secret --name dev/hono-api' });
  new DataAwsCallerIdentity(stack, 'guarded', { lifecycle: { precondition: [secret.precondition] } });
  app.synth();
  stackDir = path.join(root, 'out', 'stacks', 'required-secret');
  const init = await runCommand(chain.terraform().binary, ['init', '-input=false', '-no-color'], { cwd: stackDir, env, timeoutMs: 300_000 });
  expect(init.exitCode, init.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  await emulator?.stop();
  rmSync(root, { recursive: true, force: true });
});

const plan = () => runCommand(chain.terraform().binary, ['plan', '-input=false', '-no-color'], { cwd: stackDir, env, timeoutMs: 300_000 });
const createSecret = (name: string) => runCommand(chain.bin('aws'), ['secretsmanager', 'create-secret', '--region', 'eu-west-1', '--name', name, '--secret-string', '{"metricsAuthToken":"x"}'], { env, timeoutMs: 60_000 });

describe('a secret the release needs, checked at plan time (terraform plan against the AWS emulator)', () => {
  it('without it, the plan fails naming the secret and the fix', async () => {
    const r = await plan();
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.replace(/\s+/g, ' ')).toMatch(/Secrets Manager has no secret named dev\/hono-api in this account and region, and the release's pods cannot start without it\. Fix: create it with aws secretsmanager create-secret/);
  }, 300_000);

  it('a secret whose name only starts the same does not count', async () => {
    expect((await createSecret('dev/hono-api-old')).exitCode).toBe(0);
    expect((await plan()).exitCode).not.toBe(0);
  }, 300_000);

  it('once it exists, the plan succeeds', async () => {
    expect((await createSecret('dev/hono-api')).exitCode).toBe(0);
    const r = await plan();
    expect(r.exitCode, r.stderr).toBe(0);
  }, 300_000);
});
