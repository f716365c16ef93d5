import { describe, expect, it } from 'vitest';
import { main } from '../../../scripts/ops/cli.js';
import { MAIN_TS_CHANGE_NEEDED } from '../../../scripts/ops/deploy.js';
import { OUTDIR, type StackScript, awsResponder, changes, fake, platformFixture, synthResponder, terraformResponder } from './fakes.js';

interface Setup {
  scripts?: Record<string, StackScript>;
  interactive?: boolean;
  answers?: (string | undefined)[];
  tools?: string[];
  platformStack?: boolean;
  allowedAccountIds?: string[];
  credentials?: boolean;
  /** Whether the synth honours the rootMessage/apiMessage context (main.ts changed). */
  messages?: boolean;
}

function setup(s: Setup = {}) {
  return fake({
    interactive: s.interactive ?? false,
    answers: s.answers ?? [],
    ...(s.tools ? { tools: s.tools } : {}),
    respond: [
      synthResponder(({ env, context }) =>
        platformFixture(env, {
          platformStack: s.platformStack ?? false,
          ...(s.allowedAccountIds ? { allowedAccountIds: s.allowedAccountIds } : {}),
          ...(s.messages ? { root: context.rootMessage ?? 'Hello from hono-api', api: context.apiMessage ?? 'Hello from the hono-api API' } : {}),
        }),
      ),
      terraformResponder(s.scripts ?? {}),
      awsResponder({ credentials: s.credentials ?? true }),
    ],
  });
}

/** terraform calls as "<stack> <subcommand>", in order. */
const tfSteps = (f: ReturnType<typeof fake>) =>
  f.calls
    .filter((c) => c.line.startsWith('terraform -chdir='))
    .map((c) => `${c.args[0]!.split('/').pop()} ${c.args[1]}`);

describe('deploy --dry-run', () => {
  it("synthesises the environment and lists its stacks in dependency order with the terraform commands, calling neither terraform nor AWS", async () => {
    const f = setup();
    expect(await main(['deploy', 'dev', '--dry-run'], f.deps)).toBe(0);
    expect(f.calls.map((c) => c.line)).toEqual(['node --import tsx main.ts']);
    expect(f.calls[0]!.options.env).toEqual({ ENVIRONMENTS: 'dev', IMAGE_TAG: '', STATE_BACKEND: '', CDKTF_OUTDIR: OUTDIR, CDKTF_CONTEXT_JSON: '{}', CHECKPOINT_DISABLE: '1' });
    const text = f.out.join('\n');
    expect(text).toMatch(/1\. network-dev\s+depends on: state\n\s+2\. cluster-dev\s+depends on: network-dev, ci-identity\n\s+3\. app-dev\s+depends on: cluster-dev, registry/);
    expect(text).toMatch(/Shared stacks left out .*: state, ci-identity, registry/);
    expect(text).toContain('terraform -chdir=cdktf.out/stacks/network-dev plan -input=false -no-color -detailed-exitcode -lock-timeout=10m -out=tfplan');
    expect(text).toContain('terraform -chdir=cdktf.out/stacks/app-dev apply -input=false -no-color -lock-timeout=10m tfplan');
    expect(text.indexOf('stacks/network-dev apply')).toBeLessThan(text.indexOf('stacks/cluster-dev apply'));
    expect(text.indexOf('stacks/cluster-dev apply')).toBeLessThan(text.indexOf('stacks/app-dev apply'));
  });

  it('follows the synthesised graph: a platform-<env> stack goes between cluster and app', async () => {
    const f = setup({ platformStack: true });
    expect(await main(['deploy', 'dev', '--dry-run', '--json'], f.deps)).toBe(0);
    const report = JSON.parse(f.out.join('\n')) as { stacks: { name: string; dir: string; commands: { plan: string[]; apply: string[] } }[] };
    expect(report.stacks.map((s) => s.name)).toEqual(['network-dev', 'cluster-dev', 'platform-dev', 'app-dev']);
    expect(report.stacks[2]!.dir).toBe('cdktf.out/stacks/platform-dev');
    expect(report.stacks[2]!.commands.plan[0]).toBe('terraform -chdir=cdktf.out/stacks/platform-dev init -input=false -no-color');
  });

  it('passes --image-tag and --with-shared through', async () => {
    const f = setup();
    expect(await main(['deploy', 'prod', '--dry-run', '--json', '--with-shared', '--image-tag', '1.4.0'], f.deps)).toBe(0);
    expect(f.calls[0]!.options.env).toMatchObject({ ENVIRONMENTS: 'prod', IMAGE_TAG: '1.4.0' });
    const report = JSON.parse(f.out.join('\n')) as { imageTag: string; stacks: { name: string }[]; sharedLeftOut: string[] };
    expect(report.imageTag).toBe('1.4.0');
    expect(report.stacks.map((s) => s.name)).toEqual(['state', 'ci-identity', 'network-prod', 'cluster-prod', 'registry', 'app-prod']);
    expect(report.sharedLeftOut).toEqual([]);
  });

  it('exits 2 for a --stacks name that is not a stack of the environment', async () => {
    const f = setup();
    expect(await main(['deploy', 'dev', '--dry-run', '--stacks', 'network-prod'], f.deps)).toBe(2);
    expect(f.err.join('\n')).toMatch(/"network-prod" is not a stack of dev/);
  });

  it('exits 1 with the configuration error when the synth fails', async () => {
    const f = fake({ respond: [synthResponder(() => ({ exitCode: 1, stderr: 'invalid platform configuration:\n  - environments.dev.app.imageTag = "latest": expected an immutable image tag\n' }))] });
    expect(await main(['deploy', 'dev', '--dry-run', '--image-tag', 'latest'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/the synth failed \(exit 1\):\n {2}invalid platform configuration:\n {4}- environments\.dev\.app\.imageTag = "latest"/);
  });
});

describe('deploy', () => {
  it('plans every stack in order, applies the saved plans in order after --yes, and writes the plan files', async () => {
    const f = setup({
      scripts: {
        'network-dev': { planJson: changes(['aws_vpc.vpc', ['create']], ['aws_subnet.a', ['create']]) },
        'cluster-dev': { plan: [0] },
        'app-dev': { planJson: changes(['helm_release.release', ['update']], ['kubernetes_namespace_v1.ns', ['delete', 'create']]) },
      },
    });
    expect(await main(['deploy', 'dev', '--yes'], f.deps)).toBe(0);
    expect(tfSteps(f)).toEqual(['network-dev init', 'network-dev plan', 'network-dev show', 'cluster-dev init', 'cluster-dev plan', 'cluster-dev show', 'app-dev init', 'app-dev plan', 'app-dev show', 'network-dev apply', 'app-dev apply']);
    expect(f.prompts).toEqual([]);
    const text = f.out.join('\n');
    expect(text).toMatch(/network-dev\s+changes\s+2\s+0\s+0/);
    expect(text).toMatch(/cluster-dev\s+no changes\s+0\s+0\s+0/);
    expect(text).toMatch(/app-dev\s+changes\s+1\s+1\s+1/);
    expect(text).toMatch(/total\s+3\s+1\s+1/);
    expect(text).toMatch(/-\/\+ kubernetes_namespace_v1\.ns/);
    expect(text).toMatch(/cluster-dev: no changes/);
    expect(text).toMatch(/Applied: network-dev, app-dev\./);
    expect(f.files.get(`${OUTDIR}/stacks/network-dev/plan.exitcode`)).toBe('2\n');
    expect(JSON.parse(f.files.get(`${OUTDIR}/stacks/network-dev/plan.json`)!)).toEqual(changes(['aws_vpc.vpc', ['create']], ['aws_subnet.a', ['create']]));
    expect(f.files.get(`${OUTDIR}/stacks/network-dev/apply.log`)).toMatch(/^\$ terraform -chdir=cdktf.out\/stacks\/network-dev apply/);
    // The account is checked before any terraform runs.
    expect(f.lines().findIndex((l) => l.startsWith('aws sts'))).toBeLessThan(f.lines().findIndex((l) => l.startsWith('terraform -chdir')));
  });

  it('asks on a terminal and applies after "yes"', async () => {
    const f = setup({ interactive: true, answers: ['yes'] });
    expect(await main(['deploy', 'dev'], f.deps)).toBe(0);
    expect(f.prompts).toEqual(['Apply these plans to dev (network-dev, cluster-dev, app-dev)? Only "yes" is accepted: ']);
    expect(tfSteps(f).filter((s) => s.endsWith('apply'))).toEqual(['network-dev apply', 'cluster-dev apply', 'app-dev apply']);
  });

  it('applies nothing when the answer is not "yes"', async () => {
    const f = setup({ interactive: true, answers: ['y'] });
    expect(await main(['deploy', 'dev'], f.deps)).toBe(1);
    expect(tfSteps(f).filter((s) => s.endsWith('apply'))).toEqual([]);
    expect(f.err.join('\n')).toMatch(/Not applied: you answered "y", not "yes": nothing was applied/);
  });

  it('refuses at once without a terminal and without --yes: no synth, no terraform', async () => {
    const f = setup({ interactive: false });
    expect(await main(['deploy', 'dev'], f.deps)).toBe(1);
    expect(f.calls).toEqual([]);
    expect(f.err.join('\n')).toMatch(/refusing to apply without confirmation: there is no terminal.*--yes/);
  });

  it('says so and applies nothing when no stack has changes', async () => {
    const f = setup({ interactive: true, scripts: { 'network-dev': { plan: [0] }, 'cluster-dev': { plan: [0] }, 'app-dev': { plan: [0] } } });
    expect(await main(['deploy', 'dev'], f.deps)).toBe(0);
    expect(f.prompts).toEqual([]);
    expect(tfSteps(f).filter((s) => s.endsWith('apply'))).toEqual([]);
    expect(f.out.join('\n')).toMatch(/No changes: these plans to dev already match the configuration/);
  });

  it('stops before applying anything when a plan fails, naming the stack and the terraform error', async () => {
    const f = setup({ scripts: { 'network-dev': { plan: [0] }, 'cluster-dev': { plan: [1], planStderr: '╷\n│ Error: Invalid reference\n│\n│   on cdk.tf.json line 3\n╵\n' } } });
    expect(await main(['deploy', 'dev', '--yes'], f.deps)).toBe(1);
    expect(tfSteps(f)).toEqual(['network-dev init', 'network-dev plan', 'network-dev show', 'cluster-dev init', 'cluster-dev plan']);
    const err = f.err.join('\n');
    expect(err).toMatch(/error: cluster-dev: terraform plan failed \(terraform exited with 1\):\n {2}Error: Invalid reference\n\n {2} {2}on cdk\.tf\.json line 3/);
    expect(err).toMatch(/hint: cluster-dev depends on ci-identity, which this run leaves out; if it was never applied, add --with-shared/);
    expect(err).toMatch(/The full output is in cdktf.out\/stacks\/cluster-dev\/plan\.log/);
    expect(err).toMatch(/Nothing was applied\./);
  });

  it('names the fix when the state bucket is missing', async () => {
    const f = setup({ scripts: { 'network-dev': { init: { exitCode: 1, stderr: 'Error: Failed to get existing workspaces: S3 bucket "hono-api-tfstate-example" does not exist.\n' } } } });
    expect(await main(['deploy', 'dev', '--yes'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/network-dev: terraform init failed[\s\S]*hint: the state bucket does not exist yet: run `npm run ops -- bootstrap` first/);
  });

  it('on a first deployment, plans a stack after the stacks it reads from are applied, and confirms it on its own', async () => {
    const f = setup({
      interactive: true,
      answers: ['yes', 'yes', 'yes'],
      scripts: { 'network-dev': { plan: [2] }, 'cluster-dev': { plan: [1, 2] }, 'app-dev': { plan: [1, 2] } },
    });
    expect(await main(['deploy', 'dev'], f.deps)).toBe(0);
    expect(tfSteps(f)).toEqual([
      'network-dev init', 'network-dev plan', 'network-dev show',
      'cluster-dev init', 'cluster-dev plan',
      'app-dev init', 'app-dev plan',
      'network-dev apply',
      'cluster-dev init', 'cluster-dev plan', 'cluster-dev show', 'cluster-dev apply',
      'app-dev init', 'app-dev plan', 'app-dev show', 'app-dev apply',
    ]);
    expect(f.prompts).toEqual([
      'Apply these plans to dev (network-dev, cluster-dev, app-dev)? Only "yes" is accepted: ',
      'Apply the plan of cluster-dev? Only "yes" is accepted: ',
      'Apply the plan of app-dev? Only "yes" is accepted: ',
    ]);
    expect(f.out.join('\n')).toMatch(/cluster-dev\s+planned after network-dev\s+–\s+–\s+–/);
    expect(f.out.join('\n')).toMatch(/app-dev\s+planned after cluster-dev/);
    expect(f.err.join('\n')).toMatch(/note: cluster-dev cannot be planned before network-dev is applied/);
  });

  it('stops applying at the first failure with the stack and the error; later stacks are not touched', async () => {
    const f = setup({ scripts: { 'cluster-dev': { apply: { exitCode: 1, stderr: '╷\n│ Error: creating EKS Cluster (hono-api-dev): AccessDeniedException: not authorized\n╵\n' } } } });
    expect(await main(['deploy', 'dev', '--yes'], f.deps)).toBe(1);
    expect(tfSteps(f).filter((s) => s.endsWith('apply'))).toEqual(['network-dev apply', 'cluster-dev apply']);
    const err = f.err.join('\n');
    expect(err).toMatch(/error: cluster-dev: terraform apply failed \(terraform exited with 1\):\n {2}Error: creating EKS Cluster \(hono-api-dev\): AccessDeniedException/);
    expect(err).toMatch(/Stopped at cluster-dev, partly applied: .*\. Applied: network-dev\. Not applied: app-dev\./);
  });

  it('says that a failed apply may have applied part of its stack (Terraform keeps what it created), never "Nothing was applied"', async () => {
    const f = setup({ scripts: { 'network-dev': { apply: { exitCode: 1, stderr: '╷\n│ Error: creating NAT Gateway: quota exceeded\n╵\n' } } } });
    expect(await main(['deploy', 'dev', '--yes'], f.deps)).toBe(1);
    const err = f.err.join('\n');
    expect(err).not.toMatch(/Nothing was applied/);
    expect(err).toMatch(/Stopped at network-dev, partly applied: what Terraform created before the error is in its state; fix the error and deploy again\. Not applied: cluster-dev, app-dev\./);
  });

  it('with --with-shared plans the shared stacks first, in dependency order', async () => {
    const f = setup();
    expect(await main(['deploy', 'dev', '--yes', '--with-shared'], f.deps)).toBe(0);
    expect(tfSteps(f).filter((s) => s.endsWith('apply'))).toEqual(['state apply', 'ci-identity apply', 'network-dev apply', 'cluster-dev apply', 'registry apply', 'app-dev apply']);
  });

  it('with --stacks runs only those', async () => {
    const f = setup();
    expect(await main(['deploy', 'dev', '--yes', '--stacks', 'app-dev'], f.deps)).toBe(0);
    expect(tfSteps(f)).toEqual(['app-dev init', 'app-dev plan', 'app-dev show', 'app-dev apply']);
  });

  it('refuses credentials for an account the stacks do not allow, before running terraform', async () => {
    const f = setup({ allowedAccountIds: ['111111111111'] });
    expect(await main(['deploy', 'dev', '--yes'], f.deps)).toBe(1);
    expect(tfSteps(f)).toEqual([]);
    expect(f.err.join('\n')).toMatch(/account 123456789012, which is not in the accounts network-dev may run in \(allowedAccountIds\) \(111111111111\)/);
  });

  it('fails without credentials, saying how to get them', async () => {
    const f = setup({ credentials: false });
    expect(await main(['deploy', 'dev', '--yes'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/no usable AWS credentials \(aws sts get-caller-identity: Unable to locate credentials.*\)\. Fix: configure credentials/);
  });

  it('names a missing terraform with its install hint and runs nothing else', async () => {
    const f = setup({ tools: ['aws'] });
    expect(await main(['deploy', 'dev', '--yes'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/`deploy` cannot run:\n {2}- terraform: terraform is not on PATH\. Fix: install Terraform \d+\.\d+\.\d+, the version CI runs \(the stacks accept >= 1\.10\.0/);
    expect(f.lines().filter((l) => !l.startsWith('aws --version'))).toEqual([]);
  });
});

describe('set-message', () => {
  const releaseChange = (before: string, after: string) => ({
    resource_changes: [
      {
        address: 'helm_release.release',
        type: 'helm_release',
        change: { actions: ['update'], before: { values: [`config:\n  rootMessage: ${before}\n`] }, after: { values: [`config:\n  rootMessage: ${after}\n`] } },
      },
    ],
  });

  it('synthesises with the messages as context and plans, confirms and applies the app stack only', async () => {
    const f = setup({ messages: true, interactive: true, answers: ['yes'], scripts: { 'app-dev': { planJson: releaseChange('Hello from hono-api', 'Hi there') } } });
    expect(await main(['set-message', 'dev', '--root', 'Hi there'], f.deps)).toBe(0);
    const synthCall = f.calls.find((c) => c.line === 'node --import tsx main.ts')!;
    expect(synthCall.options.env).toMatchObject({ ENVIRONMENTS: 'dev', CDKTF_CONTEXT_JSON: JSON.stringify({ rootMessage: 'Hi there' }) });
    expect(tfSteps(f)).toEqual(['app-dev init', 'app-dev plan', 'app-dev show', 'app-dev apply']);
    const text = f.out.join('\n');
    expect(text).toMatch(/Messages:\n {2}rootMessage: "Hello from hono-api" → "Hi there"/);
    expect(text).toMatch(/rolls its pods/);
    expect(text).toMatch(/the next `deploy dev` sets the messages back/);
    expect(f.prompts).toEqual(['Apply the new messages to dev (app-dev)? Only "yes" is accepted: ']);
  });

  it('stops, naming the main.ts change, when the synth ignores the messages', async () => {
    const f = setup({ messages: false, interactive: true });
    expect(await main(['set-message', 'dev', '--root', 'Hi there', '--api', 'Hi API'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toContain(MAIN_TS_CHANGE_NEEDED);
    expect(tfSteps(f)).toEqual([]);
  });

  it('refuses without a terminal and without --yes', async () => {
    const f = setup({ messages: true });
    expect(await main(['set-message', 'dev', '--api', 'x'], f.deps)).toBe(1);
    expect(f.calls).toEqual([]);
  });
});
