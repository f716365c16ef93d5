import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../scripts/ops/cli.js';
import { type CheckName, HINTS, type DoctorReport, doctor, parseVersion } from '../../../scripts/ops/doctor.js';
import { configWith } from '../../stacks/support/platform.js';
import { platformConfig } from '../../../stacks/config/environments.js';
import { KUBERNETES_ON_EKS, WARN_DAYS_BEFORE_END } from '../../../stacks/config/support-calendar.js';
import { forkConfig } from '../../support/fork-config.js';
import { ALL_TOOLS, type Responder, awsResponder, fake } from './fakes.js';

interface Versions {
  terraform?: string;
  kind?: string;
  dockerEngine?: boolean;
  podmanEngine?: boolean;
}

/** Version probes of every tool. */
function versions(v: Versions = {}): Responder {
  return (call) => {
    const name = path.basename(call.command);
    const a = call.args.join(' ');
    if (name === 'terraform' && a === 'version -json') return { stdout: JSON.stringify({ terraform_version: v.terraform ?? '1.12.2', platform: 'linux_amd64' }) };
    if (name === 'npm') return { stdout: '11.6.2\n' };
    if (name === 'kubectl') return { stdout: 'Client Version: v1.33.1\nKustomize Version: v5.6.0\n' };
    if (name === 'helm') return { stdout: 'v3.18.4+gd80839c\n' };
    if (name === 'kind') return { stdout: `kind v${v.kind ?? '0.33.0'} go1.25.1 linux/amd64\n` };
    if (name === 'docker') return v.dockerEngine === false ? { exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n' } : { stdout: '28.3.2\n' };
    if (name === 'podman') return v.podmanEngine === false ? { exitCode: 125, stderr: 'Error: unable to connect to Podman socket\n' } : { stdout: '5.4.0\n' };
    return undefined;
  };
}

async function run(args: string[], options: { tools?: string[]; v?: Versions; credentials?: boolean; account?: string; nodeVersion?: string; config?: ReturnType<typeof configWith>; today?: string } = {}) {
  const f = fake({
    ...(options.today ? { now: Date.parse(`${options.today}T12:00:00Z`) } : {}),
    tools: options.tools ?? ALL_TOOLS,
    respond: [versions(options.v), awsResponder({ credentials: options.credentials ?? true, account: options.account ?? '123456789012' })],
    ...(options.nodeVersion ? { nodeVersion: options.nodeVersion } : {}),
    ...(options.config ? { config: options.config } : {}),
  });
  const code = await main(['doctor', ...args], f.deps);
  return { code, f, text: f.out.join('\n') };
}

const check = (report: DoctorReport, name: CheckName) => report.checks.find((c) => c.name === name)!;

describe('doctor', () => {
  it('reports every tool found, with its version, and exits 0', async () => {
    const { code, text } = await run([]);
    expect(code).toBe(0);
    const expected: [string, string][] = [['node', '20.19.0'], ['npm', '11.6.2'], ['terraform', '1.12.2'], ['aws', '2.17.0'], ['kubectl', '1.33.1'], ['helm', '3.18.4'], ['container-engine', '28.3.2'], ['kind', '0.33.0']];
    for (const [name, version] of expected)
      expect(text).toMatch(new RegExp(`^${name}\\s+ok\\s+${version.replace(/\./g, '\\.')}`, 'm'));
    expect(text).toMatch(/^aws-credentials\s+ok\s+arn:aws:sts::123456789012:assumed-role\/admin\/me/m);
    expect(text).toMatch(/deploy workflow: ready\nlocal workflow: ready/);
    expect(text).not.toMatch(/To fix/);
  });

  it.each([
    ['terraform', 'terraform', ['deploy']],
    ['aws', 'aws', ['deploy']],
    ['kubectl', 'kubectl', ['deploy', 'local']],
    ['helm', 'helm', ['deploy', 'local']],
    ['kind', 'kind', ['local']],
    ['npm', 'npm', ['deploy', 'local']],
  ] as const)('names a missing %s with its install hint, failing the workflows that need it', async (tool, name, failing) => {
    const { code, f, text } = await run(['--json'], { tools: ALL_TOOLS.filter((t) => t !== tool) });
    expect(code).toBe(1);
    const report = JSON.parse(text) as DoctorReport;
    expect(check(report, name)).toMatchObject({ ok: false, status: 'missing', hint: HINTS[name] });
    for (const wf of ['deploy', 'local'] as const) expect(report.workflows[wf]!.ok).toBe(!(failing as readonly string[]).includes(wf));
    // The text output names it, with the hint.
    const textRun = await run([], { tools: ALL_TOOLS.filter((t) => t !== tool) });
    expect(textRun.text).toMatch(new RegExp(`^${name}\\s+MISSING`, 'm'));
    expect(textRun.text).toContain(`  ${name}: ${HINTS[name]}`);
    expect(f.err).toEqual([]);
  });

  it('names a missing container engine with both install hints', async () => {
    const { code, text } = await run([], { tools: ALL_TOOLS.filter((t) => t !== 'docker') });
    expect(code).toBe(1);
    expect(text).toMatch(/^container-engine\s+MISSING\s+neither docker nor podman is on PATH/m);
    expect(text).toMatch(/install Docker: .*or Podman: /);
    expect(text).toMatch(/deploy workflow: ready\nlocal workflow: not ready \(container-engine\)/);
  });

  it('reports a docker engine that does not answer as failed, not found', async () => {
    const { text } = await run([], { v: { dockerEngine: false } });
    expect(text).toMatch(/^container-engine\s+FAILED\s+.*docker is installed .* but its engine is not answering/m);
  });

  it('uses podman when docker is missing', async () => {
    const { code, text } = await run([], { tools: [...ALL_TOOLS.filter((t) => t !== 'docker'), 'podman'] });
    expect(code).toBe(0);
    expect(text).toMatch(/^container-engine\s+ok\s+5\.4\.0\s+podman/m);
  });

  it('reports terraform below 1.10 as outdated: the deploy workflow cannot run, the local one can', async () => {
    const all = await run([], { v: { terraform: '1.9.8' } });
    expect(all.code).toBe(1);
    expect(all.text).toMatch(/^terraform\s+OUTDATED\s+1\.9\.8\s+terraform 1\.9\.8 is older than 1\.10\.0: it cannot lock state in S3/m);
    expect(all.text).toMatch(/deploy workflow: not ready \(terraform\)\nlocal workflow: ready/);
    expect((await run(['--workflow', 'deploy'], { v: { terraform: '1.9.8' } })).code).toBe(1);
    expect((await run(['--workflow', 'local'], { v: { terraform: '1.9.8' } })).code).toBe(0);
    expect((await run(['--workflow', 'deploy'], { v: { terraform: '1.10.0' } })).code).toBe(0);
  });

  it('reports node below 20.19 and kind below 0.33 (the pinned node image needs it) as outdated', async () => {
    const { text } = await run([], { nodeVersion: '20.18.3', v: { kind: '0.32.0' } });
    expect(text).toMatch(/^node\s+OUTDATED\s+20\.18\.3/m);
    expect(text).toMatch(/^kind\s+OUTDATED\s+0\.32\.0/m);
  });

  it(`warns ${WARN_DAYS_BEFORE_END} days before a pinned Kubernetes minor leaves EKS standard support, not a day earlier; the warning does not fail doctor`, async () => {
    const { version } = platformConfig.environments.prod.cluster;
    const ends = KUBERNETES_ON_EKS[version]!.endOfStandardSupport;
    const day = (offset: number) => new Date(Date.parse(`${ends}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
    const before = await run(['--json'], { today: day(-WARN_DAYS_BEFORE_END - 1) });
    expect((JSON.parse(before.text) as DoctorReport).endingSupport).toEqual([]);
    const within = await run([], { today: day(-WARN_DAYS_BEFORE_END) });
    expect(within.code).toBe(0);
    for (const env of ['dev', 'staging', 'prod'])
      expect(within.text).toContain(`warning: environments.${env}.cluster.version: Kubernetes ${version} on EKS (standard support) ends on ${ends}, in ${WARN_DAYS_BEFORE_END} days (fix: upgrade one minor at a time`);
    const lastDay = await run(['--json'], { today: day(-1) });
    expect((JSON.parse(lastDay.text) as DoctorReport).endingSupport.map((e) => e.daysLeft)).toEqual([1, 1, 1]);
  });

  it('warns before a chart\'s published end of support too', async () => {
    const config = configWith((c) => (c.charts.externalSecrets.support = { ...c.charts.externalSecrets.support, endOfSupport: '2027-01-15' }));
    const { text } = await run([], { config, today: '2027-01-01' });
    expect(text).toMatch(/warning: charts\.externalSecrets\.version: external-secrets \S+ ends on 2027-01-15, in 14 days/);
  });

  it('checks only what the chosen workflow needs', async () => {
    const local = JSON.parse((await run(['--workflow', 'local', '--json'])).text) as DoctorReport;
    expect(local.checks.map((c) => c.name)).toEqual(['node', 'npm', 'container-engine', 'kind', 'kubectl', 'helm']);
    expect(Object.keys(local.workflows)).toEqual(['local']);
    const deploy = JSON.parse((await run(['--workflow', 'deploy', '--json'])).text) as DoctorReport;
    expect(deploy.checks.map((c) => c.name)).toEqual(['node', 'npm', 'terraform', 'aws', 'aws-credentials', 'kubectl', 'helm']);
  });

  it('reports missing credentials with how to configure them; the local workflow does not need them', async () => {
    const { code, text } = await run([], { credentials: false });
    expect(code).toBe(1);
    expect(text).toMatch(/^aws-credentials\s+FAILED\s+aws sts get-caller-identity failed: Unable to locate credentials/m);
    expect(text).toMatch(/aws-credentials: configure credentials: `aws configure sso`/);
    expect((await run(['--workflow', 'local'], { credentials: false })).code).toBe(0);
  });

  it('skips the credentials check when the AWS CLI is missing', async () => {
    const report = JSON.parse((await run(['--json'], { tools: ALL_TOOLS.filter((t) => t !== 'aws') })).text) as DoctorReport;
    expect(check(report, 'aws-credentials')).toMatchObject({ ok: false, status: 'skipped' });
  });

  it("with --env, checks the account against the environment's allowedAccountIds", async () => {
    const config = forkConfig(configWith((c) => (c.environments.prod.allowedAccountIds = ['111111111111'])), '111111111111');
    const wrong = await run(['--env', 'prod', '--workflow', 'deploy'], { config, account: '222222222222' });
    expect(wrong.code).toBe(1);
    expect(wrong.text).toMatch(/account 222222222222, which is not in environments\.prod\.allowedAccountIds \(111111111111\)/);
    expect((await run(['--env', 'prod', '--workflow', 'deploy'], { config, account: '111111111111' })).code).toBe(0);
  });

  it('with --env, refuses the example configuration: one line per field left to fill in, each naming how', async () => {
    const example = await run(['--env', 'dev', '--workflow', 'deploy'], { config: platformConfig });
    expect(example.code).toBe(1);
    expect(example.text).toMatch(/deploy workflow: not ready \(config\)/);
    for (const field of [
      'state.bucketName',
      'shared.allowedAccountIds',
      'shared.github.repository',
      'shared.github.ids',
      'environments.dev.allowedAccountIds',
      'environments.dev.cluster.adminPrincipalArns',
      'environments.dev.dns.domain',
      'environments.dev.dns.hostedZoneId',
    ])
      expect(example.text).toMatch(new RegExp(`- ${field.replace(/\./g, '\\.')} = .*\\(fix: .+\\)`));
    // Without --env only the tools are checked: the example configuration is fine for synth and kind.
    expect((await run(['--workflow', 'deploy'], { config: platformConfig })).code).toBe(0);
  });

  it('prints JSON with the verdict per workflow', async () => {
    const { text } = await run(['--json'], { tools: ALL_TOOLS.filter((t) => t !== 'kind') });
    const report = JSON.parse(text) as DoctorReport;
    expect(report).toMatchObject({ workflow: 'all', ok: false, workflows: { deploy: { ok: true, failing: [] }, local: { ok: false, failing: ['kind'] } } });
    expect(check(report, 'terraform')).toMatchObject({ ok: true, status: 'ok', version: '1.12.2', path: '/usr/bin/terraform' });
  });

  it('can run without the CLI, returning the report', async () => {
    const f = fake({ respond: [versions(), awsResponder()] });
    expect((await doctor(f.deps, { workflow: 'deploy' })).ok).toBe(true);
  });
});

describe('parseVersion', () => {
  it.each([
    ['Terraform v1.11.4\non linux_amd64', '1.11.4'],
    ['aws-cli/2.17.0 Python/3.12.6 Linux/6.8', '2.17.0'],
    ['kind v0.24.0 go1.22.6 linux/amd64', '0.24.0'],
    ['v3.6.2+gee407bd', '3.6.2'],
    ['nothing', undefined],
  ])('%j', (text, version) => {
    expect(parseVersion(text)).toBe(version);
  });
});
