/**
 * The README's bootstrap, executed: every command of its "Bootstrap order" block, as written (with
 * `--yes`, since the suite has no terminal), against moto's server on 127.0.0.1 started here
 * (offline/aws-emulator/). Then a second plan of every applied stack must be empty, the dev
 * cluster stack is applied as far as the emulator goes (what it leaves out is the README's own
 * list), and everything is destroyed in reverse order until the emulator holds nothing of ours.
 *
 * The emulator is reached through the environment only (AWS_ENDPOINT_URL, AWS_CA_BUNDLE): the
 * synthesised stacks are the ones a real account gets, byte for byte, which is asserted too.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATED_ACCOUNT_ID, type Emulator, startEmulator } from '../../offline/aws-emulator/emulator.js';
import { type CommandResult, runCommand } from '../../scripts/lib/run.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { ciRoleName, stateKmsAlias, workloadBoundaryName } from '../../stacks/naming.js';
import { REPO_ROOT, toolchain } from '../../tools/toolchain.js';
import { type Decision, type PolicyDocument, decide, managedPolicy, readBackPolicy, readBackRole } from './support/iam-evaluate.js';
import { escalationFindings, unexplained } from './support/cloudsplaining.js';
import { isolationScenarios } from './support/isolation-scenarios.js';
import { secretsInState } from './support/secrets.js';
import { FORK_PLAN_RECIPIENTS } from '../support/fork-config.js';

const README = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

/** The text between `<!-- name:begin -->` and `<!-- name:end -->` in the README. */
function readmeBlock(name: string): string {
  const match = README.match(new RegExp(`<!-- ${name}:begin -->([\\s\\S]*?)<!-- ${name}:end -->`));
  if (!match) throw new Error(`README.md has no <!-- ${name}:begin --> … <!-- ${name}:end --> block`);
  return match[1]!;
}

const OPS = 'npm run ops -- ';
/** The bootstrap commands, comments dropped. */
const COMMANDS = readmeBlock('bootstrap')
  .split('\n')
  .map((line) => line.replace(/#.*$/, '').trim())
  .filter((line) => line && !line.startsWith('```'));
/** The resource types of the cluster stack the emulator cannot create, from the README's table. */
const LEFT_OUT = [...readmeBlock('emulator-left-out').matchAll(/^\s*\|\s*`(aws_[a-z0-9_]+)`\s*\|/gm)].map((m) => m[1]!);

/** The stacks one command applies: `bootstrap` is the state stack; `deploy <env> --stacks a,b` those. */
function stacksOf(command: string): string[] {
  const argv = command.slice(OPS.length).split(/\s+/);
  if (argv[0] === 'bootstrap') return ['state'];
  const at = argv.indexOf('--stacks');
  return at < 0 ? [] : argv[at + 1]!.split(',');
}

/** Stacks the emulator can hold completely, the cluster as far as it goes, the rest not at all (they talk to the cluster's Kubernetes API). */
const EMULATED = new Set(['state', 'registry', 'ci-identity', 'network-dev']);
const PARTLY_EMULATED = 'cluster-dev';

const chain = toolchain();
const terraform = chain.terraform().binary;
const pythonBin = path.dirname(chain.bin('aws'));

// A copy of the checkout (node_modules linked): ops writes cdktf.out and state files beside the
// sources it finds through its own path, and those must not be the user's.
const root = mkdtempSync(path.join(os.tmpdir(), 'hono-api-bootstrap-'));
const SKIP = new Set(['node_modules', '.git', '.cache', 'cdktf.out', 'coverage', 'reports', 'dist']);
for (const entry of readdirSync(REPO_ROOT)) if (!SKIP.has(entry)) cpSync(path.join(REPO_ROOT, entry), path.join(root, entry), { recursive: true });
symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));

/**
 * The fork checklist, filled in the copy's stacks/config/environments.ts as a fork fills it in:
 * each example value replaced where it is written (every pattern must match, or the test is stale).
 */
const FORK_BUCKET = 'acme-corp-hono-api-tfstate';
const FORK_PLAN_KEYS = Object.values(FORK_PLAN_RECIPIENTS);
const ADMIN_ROLE = `arn:aws:iam::${EMULATED_ACCOUNT_ID}:role/platform-admin`;
const FORK_CHECKLIST: [RegExp, string | ((match: string, ...groups: string[]) => string)][] = [
  [/bucketName: 'hono-api-tfstate-example'/, `bucketName: '${FORK_BUCKET}'`],
  [/(shared: \{\n\s+region: REGION,\n\s+)allowedAccountIds: \[\]/, `$1allowedAccountIds: ['${EMULATED_ACCOUNT_ID}']`],
  [/repository: 'example\/hono-eks-platform'/, "repository: 'acme-corp/hono-eks-platform'"],
  [/ids: \{ owner: 0, repository: 0 \}/, 'ids: { owner: 81234567, repository: 912345678 }'],
  [/allowedAccountIds: overrides\.allowedAccountIds \?\? \[\]/, `allowedAccountIds: overrides.allowedAccountIds ?? ['${EMULATED_ACCOUNT_ID}']`],
  [/adminPrincipalArns: \[\]/, `adminPrincipalArns: ['${ADMIN_ROLE}']`],
  // One age key per environment, in the order they are written (dev, staging, prod).
  [/planRecipient: ''/g, () => `planRecipient: '${FORK_PLAN_KEYS.shift()!}'`],
  [/domain: '((?:dev|staging)\.)?example\.com', hostedZoneId: 'Z0123456789EXAMPLE(DEV|STG|PRD)'/g, (_, sub = '', zone) => `domain: '${sub}acme-corp.net', hostedZoneId: 'Z0FORK0000000${zone}'`],
];
const configFile = path.join(root, 'stacks', 'config', 'environments.ts');
const exampleConfig = readFileSync(configFile, 'utf8');
let forkConfigText = exampleConfig;
for (const [pattern, replacement] of FORK_CHECKLIST) {
  if (!pattern.test(forkConfigText)) throw new Error(`stacks/config/environments.ts no longer has ${pattern}: update FORK_CHECKLIST`);
  pattern.lastIndex = 0;
  forkConfigText = forkConfigText.replace(pattern, replacement as string);
}
const stackDir = (stack: string) => path.join(root, 'cdktf.out', 'stacks', stack);

let emulator: Emulator;
/** What every command runs with: the emulator, and terraform and the AWS CLI on PATH as a user has them. */
let env: NodeJS.ProcessEnv;
const timings: [string, number][] = [];

beforeAll(async () => {
  emulator = await startEmulator({ dir: path.join(root, '.emulator') });
  env = chain.terraformEnv({ ...process.env, ...emulator.env, PATH: [path.dirname(terraform), pythonBin, process.env.PATH].join(path.delimiter) });
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
  console.log(`bootstrap against the AWS emulator (${emulator?.endpoint}):\n${timings.map(([step, ms]) => `  ${step.padEnd(72)} ${(ms / 1000).toFixed(1)} s`).join('\n')}`);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

async function timed(step: string, command: string, args: readonly string[], cwd = root): Promise<CommandResult> {
  const result = await runCommand(command, args, { cwd, env, timeoutMs: 600_000 });
  timings.push([step, result.durationMs]);
  return result;
}
const output = (r: CommandResult) => `${r.stdout}\n${r.stderr}`;
const shell = (command: string) => timed(command, 'bash', ['-c', command]);
/** terraform in a stack's directory; `state list` takes neither -input nor -no-color. */
const tf = (stack: string, args: readonly string[]) =>
  timed(`terraform ${args.join(' ').replace(/ -target=\S+/g, '').replace(/ -out=\S+/, '')}${args.some((a) => a.startsWith('-target=')) ? ' -target=…' : ''} (${stack})`, terraform, [
    `-chdir=${stackDir(stack)}`,
    ...args,
    ...(args[0] === 'state' ? [] : ['-input=false', '-no-color']),
  ]);
const aws = async (args: readonly string[]) => {
  const r = await runCommand('aws', [...args, '--output', 'json'], { env, timeoutMs: 60_000 });
  expect(r.exitCode, output(r)).toBe(0);
  return JSON.parse(r.stdout || '{}') as Record<string, unknown[]>;
};

const configOf = (stack: string) => JSON.parse(readFileSync(path.join(stackDir(stack), 'cdk.tf.json'), 'utf8')) as { resource: Record<string, Record<string, Record<string, unknown>>>; terraform: Record<string, unknown> };
const addressesOf = (stack: string) => Object.entries(configOf(stack).resource).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
async function stateAddresses(stack: string): Promise<string[]> {
  const r = await tf(stack, ['state', 'list']);
  expect(r.exitCode, output(r)).toBe(0);
  return r.stdout.split('\n').filter((line) => line && !line.startsWith('data.'));
}

/** A second plan right after an apply: exit 0 from -detailed-exitcode is "no changes". */
async function expectEmptyPlan(stack: string) {
  const r = await tf(stack, ['plan', '-detailed-exitcode', '-lock=false']);
  expect(r.exitCode, `${stack}: the plan after the apply is not empty (a perpetual diff):\n${output(r)}`).toBe(0);
}

describe.sequential("the README's bootstrap against the AWS emulator", () => {
  it('the README shows one ops command per step, covering the shared stacks and every dev stack once, in dependency order', () => {
    expect(COMMANDS.length).toBeGreaterThan(0);
    for (const command of COMMANDS) expect(command.startsWith(OPS), command).toBe(true);
    expect(COMMANDS.flatMap(stacksOf)).toEqual(['state', 'registry', 'ci-identity', 'network-dev', 'cluster-dev', 'platform-dev', 'app-dev']);
    expect(LEFT_OUT.length).toBeGreaterThan(0);
  });

  it('on the example configuration, the first command refuses: one line per field to fill in, nothing created', async () => {
    const r = await shell(`${COMMANDS[0]} --yes`);
    expect(r.exitCode, output(r)).toBe(1);
    expect(r.stderr).toMatch(/still runs with example values/);
    for (const field of ['state.bucketName', 'shared.allowedAccountIds', 'shared.github.repository', 'shared.github.ids']) expect(r.stderr).toMatch(new RegExp(`- ${field.replace(/\./g, '\\.')} = `));
    expect((await aws(['s3api', 'list-buckets'])).Buckets).toEqual([]);
    expect(((await aws(['kms', 'list-aliases'])).Aliases as { AliasName: string }[]).filter((a) => !a.AliasName.startsWith('alias/aws/'))).toEqual([]);
    // The fork fills in its checklist; every later command runs on that.
    writeFileSync(configFile, forkConfigText);
    const ready = await shell('npm run ops -- check-config dev');
    expect(ready.exitCode, output(ready)).toBe(0);
  }, 300_000);

  for (const command of COMMANDS) {
    const stacks = stacksOf(command);
    if (stacks.every((s) => EMULATED.has(s))) {
      it(`${command}: applies, every resource of ${stacks.join(', ')} is in its state, and a second plan is empty`, async () => {
        const r = await shell(`${command} --yes`);
        expect(r.exitCode, output(r)).toBe(0);
        for (const stack of stacks) {
          expect((await stateAddresses(stack)).sort()).toEqual(addressesOf(stack).sort());
          await expectEmptyPlan(stack);
        }
      }, 600_000);
    } else if (stacks.length === 1 && stacks[0] === PARTLY_EMULATED) {
      it(`${command}: applies all but the README's left-out resource types, which alone fail; then only those are left to create`, async () => {
        const r = await shell(`${command} --yes`);
        expect(r.exitCode, output(r)).toBe(1);
        const log = readFileSync(path.join(stackDir(PARTLY_EMULATED), 'apply.log'), 'utf8');
        const failed = [...log.matchAll(/with (aws_[a-z0-9_]+)\.[^,\s]+,/g)].map((m) => m[1]!);
        expect(failed.length, log).toBeGreaterThan(0);
        for (const type of failed) expect(LEFT_OUT, `${type} failed on the emulator but is not in the README's left-out list:\n${log}`).toContain(type);

        // The rest, which the failure may have cut short: everything but the left-out types, by name.
        const targets = addressesOf(PARTLY_EMULATED).filter((a) => !LEFT_OUT.includes(a.split('.')[0]!));
        const apply = await tf(PARTLY_EMULATED, ['apply', '-auto-approve', ...targets.map((t) => `-target=${t}`)]);
        expect(apply.exitCode, output(apply)).toBe(0);
        expect((await stateAddresses(PARTLY_EMULATED)).sort()).toEqual(targets.sort());

        // The whole stack planned again: nothing to change, only the left-out resources to create (every type on the list).
        const planFile = path.join(stackDir(PARTLY_EMULATED), 'emulator.tfplan');
        const plan = await tf(PARTLY_EMULATED, ['plan', '-lock=false', `-out=${planFile}`]);
        expect(plan.exitCode, output(plan)).toBe(0);
        const show = await runCommand(terraform, [`-chdir=${stackDir(PARTLY_EMULATED)}`, 'show', '-json', planFile], { env });
        const changes = (JSON.parse(show.stdout) as { resource_changes: { address: string; type: string; change: { actions: string[] } }[] }).resource_changes.filter(
          (c) => c.change.actions.join() !== 'no-op' && c.change.actions.join() !== 'read',
        );
        for (const c of changes) expect([c.address, c.change.actions.join()]).toEqual([c.address, 'create']);
        expect([...new Set(changes.map((c) => c.type))].sort()).toEqual([...LEFT_OUT].sort());
      }, 600_000);
    } else {
      it(`${command}: synthesises and lists its steps (--dry-run; the emulator has no cluster to apply it to)`, async () => {
        const r = await shell(`${command} --dry-run`);
        expect(r.exitCode, output(r)).toBe(0);
        for (const stack of stacks) expect(r.stdout).toContain(stack);
      }, 300_000);
    }
  }

  it('the CI roles as IAM holds them (get-account-authorization-details) isolate every environment, judged by the IAM evaluator', async () => {
    const details = (await aws(['iam', 'get-account-authorization-details'])) as unknown as Parameters<typeof readBackRole>[0];
    const { project } = platformConfig;
    const { KeyMetadata } = (await aws(['kms', 'describe-key', '--key-id', `alias/${stateKmsAlias(project)}`])) as unknown as { KeyMetadata: { Arn: string; KeyId: string } };
    const { Policy } = (await aws(['kms', 'get-key-policy', '--key-id', KeyMetadata.KeyId, '--policy-name', 'default'])) as unknown as { Policy: string };
    const zones: Record<string, string> = { dev: 'Z0FORK0000000DEV', staging: 'Z0FORK0000000STG', prod: 'Z0FORK0000000PRD' };
    const context = {
      account: EMULATED_ACCOUNT_ID,
      region: 'eu-west-1',
      project,
      stateBucket: FORK_BUCKET,
      stateKeyArn: KeyMetadata.Arn,
      stateKeyPolicy: JSON.parse(Policy) as PolicyDocument,
      hostedZoneId: (env: string) => zones[env],
    };
    const environments = Object.keys(platformConfig.environments);
    const wrong: string[] = [];
    const expectDecision = (what: string, got: Decision, want: (d: Decision) => boolean) => void (want(got) || wrong.push(`${what}: ${got}`));
    for (const env of environments) {
      const deployer = readBackRole(details, ciRoleName(project, `deploy-${env}`), EMULATED_ACCOUNT_ID);
      const escalated = { name: `${project}-${env}-escalated`, account: EMULATED_ACCOUNT_ID, identity: [managedPolicy('AdministratorAccess')], boundary: readBackPolicy(details, workloadBoundaryName(project, env)) };
      for (const other of environments.filter((e) => e !== env)) {
        const { escalation, otherResources, ownJob } = isolationScenarios(context, env, other);
        for (const [what, request] of escalation) expectDecision(`deploy-${env} → ${other}: ${what}`, await decide(deployer, request), (d) => d !== 'Allowed');
        for (const [what, request] of otherResources) {
          expectDecision(`deploy-${env} → ${other}: ${what}`, await decide(deployer, request), (d) => d === 'ExplicitlyDenied');
          expectDecision(`a role deploy-${env} creates → ${other}: ${what}`, await decide(escalated, request), (d) => d === 'ExplicitlyDenied');
        }
        for (const [what, request] of ownJob) expectDecision(`deploy-${env} own job: ${what}`, await decide(deployer, request), (d) => d === 'Allowed');
      }
    }
    expect(wrong).toEqual([]);
    // The second opinion over the same authorization details: every escalation finding explained.
    expect(unexplained(await escalationFindings(details))).toEqual([]);
  }, 420_000);

  it('every state object is under the state KMS key, and the bucket refuses a put without aws:kms', async () => {
    const bucket = FORK_BUCKET;
    const { KeyMetadata } = (await aws(['kms', 'describe-key', '--key-id', `alias/${stateKmsAlias(platformConfig.project)}`])) as unknown as { KeyMetadata: { Arn: string } };
    const keys = ((await aws(['s3api', 'list-objects-v2', '--bucket', bucket])).Contents as { Key: string }[]).map((o) => o.Key);
    expect(keys.filter((k) => k.endsWith('.tfstate')).length).toBeGreaterThanOrEqual(4);
    for (const key of keys) {
      const head = (await aws(['s3api', 'head-object', '--bucket', bucket, '--key', key])) as unknown as { ServerSideEncryption?: string; SSEKMSKeyId?: string };
      expect([key, head.ServerSideEncryption]).toEqual([key, 'aws:kms']);
      // S3 records the key as given (AWS resolves an alias to the key's ARN): either way, the state key.
      const used = (await aws(['kms', 'describe-key', '--key-id', head.SSEKMSKeyId!])) as unknown as { KeyMetadata: { Arn: string } };
      expect([key, used.KeyMetadata.Arn]).toEqual([key, KeyMetadata.Arn]);
    }
    const body = path.join(root, 'probe.txt');
    writeFileSync(body, 'not state');
    for (const sse of [['--server-side-encryption', 'AES256'], []]) {
      const r = await runCommand('aws', ['s3api', 'put-object', '--bucket', bucket, '--key', 'probe.txt', '--body', body, ...sse], { env, timeoutMs: 60_000 });
      expect([sse.join(' '), r.exitCode === 0, r.stderr]).toEqual([sse.join(' '), false, expect.stringMatching(/AccessDenied|Forbidden|403/)]);
    }
  }, 120_000);

  it('no state file holds a secret value (support/secrets.ts, the scanner secrets-at-rest.test.ts proves on planted ones)', async () => {
    const keys = ((await aws(['s3api', 'list-objects-v2', '--bucket', FORK_BUCKET])).Contents as { Key: string }[]).map((o) => o.Key).filter((k) => k.endsWith('.tfstate'));
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) {
      const file = path.join(root, 'state-scan.json');
      const r = await runCommand('aws', ['s3api', 'get-object', '--bucket', FORK_BUCKET, '--key', key, file], { env, timeoutMs: 60_000 });
      expect(r.exitCode, r.stderr).toBe(0);
      expect([key, secretsInState(JSON.parse(readFileSync(file, 'utf8')))]).toEqual([key, []]);
    }
  }, 120_000);

  it('the stacks synthesise byte for byte the same without the emulator in the environment', async () => {
    const plain = path.join(root, 'cdktf.plain');
    const bare = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    const r = await runCommand(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: root, env: { ...bare, ...Object.fromEntries(Object.keys(emulator.env).map((k) => [k, undefined])), ENVIRONMENTS: 'dev', CDKTF_OUTDIR: plain }, timeoutMs: 120_000 });
    expect(r.exitCode, output(r)).toBe(0);
    const stacks = readdirSync(path.join(plain, 'stacks'));
    expect(stacks).toContain(PARTLY_EMULATED);
    for (const stack of stacks) expect(readFileSync(path.join(plain, 'stacks', stack, 'cdk.tf.json'), 'utf8'), stack).toBe(readFileSync(path.join(stackDir(stack), 'cdk.tf.json'), 'utf8'));
  }, 180_000);

  it('npm run ops -- destroy dev takes the environment down (cluster, then network; platform and app hold nothing)', async () => {
    const r = await shell('npm run ops -- destroy dev --confirm dev');
    expect(r.exitCode, output(r)).toBe(0);
    expect(r.stdout).toMatch(/app-dev: nothing in its state, nothing to destroy\n.*platform-dev: nothing in its state[\s\S]*Destroyed dev: cluster-dev, network-dev\./);
  }, 600_000);

  it('the shared stacks are destroyed in reverse order; the state bucket refuses until its protection is removed', async () => {
    for (const stack of ['registry', 'ci-identity']) {
      const r = await tf(stack, ['destroy', '-auto-approve']);
      expect(r.exitCode, output(r)).toBe(0);
    }
    const refused = await tf('state', ['destroy', '-auto-approve']);
    expect(refused.exitCode).not.toBe(0);
    expect(output(refused)).toMatch(/Instance cannot be destroyed[\s\S]*prevent_destroy/);

    // In this copy only: the bucket loses prevent_destroy and gains force_destroy (it holds every
    // version of the state files), and the state stack's own state moves back to a local file so
    // that deleting the bucket does not delete the state that describes it mid-way.
    const config = configOf('state');
    const buckets = config.resource.aws_s3_bucket!;
    for (const bucket of Object.values(buckets)) {
      delete (bucket as { lifecycle?: unknown }).lifecycle;
      (bucket as { force_destroy?: boolean }).force_destroy = true;
    }
    config.terraform.backend = { local: { path: 'teardown.tfstate' } };
    writeFileSync(path.join(stackDir('state'), 'cdk.tf.json'), JSON.stringify(config, null, 2));
    for (const args of [['init', '-migrate-state', '-force-copy'], ['apply', '-auto-approve'], ['destroy', '-auto-approve']]) {
      const r = await tf('state', args);
      expect(r.exitCode, output(r)).toBe(0);
    }
  }, 600_000);

  it('the emulator holds nothing of ours afterwards (KMS keys wait out their deletion window, as in AWS)', async () => {
    expect((await aws(['s3api', 'list-buckets'])).Buckets).toEqual([]);
    expect((await aws(['ecr', 'describe-repositories'])).repositories).toEqual([]);
    expect((await aws(['eks', 'list-clusters'])).clusters).toEqual([]);
    expect((await aws(['iam', 'list-roles'])).Roles).toEqual([]);
    expect((await aws(['iam', 'list-policies', '--scope', 'Local'])).Policies).toEqual([]);
    expect((await aws(['iam', 'list-open-id-connect-providers'])).OpenIDConnectProviderList).toEqual([]);
    expect((await aws(['ec2', 'describe-vpcs', '--filters', 'Name=is-default,Values=false'])).Vpcs).toEqual([]);
    expect((await aws(['ec2', 'describe-launch-templates'])).LaunchTemplates).toEqual([]);
    expect((await aws(['ec2', 'describe-addresses'])).Addresses).toEqual([]);
    expect((await aws(['ec2', 'describe-flow-logs'])).FlowLogs).toEqual([]);
    expect((await aws(['logs', 'describe-log-groups'])).logGroups).toEqual([]);
    expect(((await aws(['kms', 'list-aliases'])).Aliases as { AliasName: string }[]).filter((a) => !a.AliasName.startsWith('alias/aws/'))).toEqual([]);
    for (const key of (await aws(['kms', 'list-keys'])).Keys as { KeyId: string }[]) {
      const { KeyMetadata } = (await aws(['kms', 'describe-key', '--key-id', key.KeyId])) as unknown as { KeyMetadata: { KeyState: string; AWSAccountId: string } };
      expect([key.KeyId, KeyMetadata.KeyState]).toEqual([key.KeyId, 'PendingDeletion']);
      expect(KeyMetadata.AWSAccountId).toBe(EMULATED_ACCOUNT_ID);
    }
  }, 120_000);
});
