/**
 * Example values never reach AWS: check-config, bootstrap, deploy and set-message refuse the example
 * configuration before they run anything (no synth, no terraform, no AWS call), naming each field
 * and how to fill it in; deploy --dry-run and a filled-in fork go ahead.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../scripts/ops/cli.js';
import { platformConfig } from '../../../stacks/config/environments.js';
import { FORK_REPOSITORY_VARIABLES, forkConfig } from '../../support/fork-config.js';
import { ALL_TOOLS, type Responder, awsResponder, fake, platformFixture, synthResponder, terraformResponder } from './fakes.js';

const setup = (config = platformConfig) =>
  fake({ config, respond: [synthResponder(({ env }) => platformFixture(env)), terraformResponder({}), awsResponder({ credentials: true })] });

const SHARED = ['state.bucketName', 'shared.allowedAccountIds', 'shared.github.repository', 'shared.github.ids'];
const PROD = ['environments.prod.allowedAccountIds', 'environments.prod.cluster.adminPrincipalArns', 'environments.prod.dns.domain', 'environments.prod.dns.hostedZoneId'];
const fieldsIn = (text: string) => [...text.matchAll(/^ {2}- (\S+) = /gm)].map((m) => m[1]);

describe('example values are refused before anything touches AWS', () => {
  it.each([
    [['check-config', 'prod'], [...SHARED, ...PROD]],
    [['deploy', 'prod', '--yes'], [...SHARED, ...PROD]],
    [['set-message', 'prod', '--root', 'hi', '--yes'], [...SHARED, ...PROD]],
    [['bootstrap', '--yes'], SHARED],
  ])('%j: exit 1, one line per field with its fix, nothing run', async (argv, fields) => {
    const f = setup();
    expect(await main(argv, f.deps)).toBe(1);
    const text = f.err.join('\n');
    expect(text).toMatch(/still runs with example values; fill them in in stacks\/config\/environments\.ts first/);
    expect(fieldsIn(text)).toEqual(fields);
    for (const line of text.split('\n').filter((l) => l.startsWith('  - '))) expect(line).toMatch(/\(fix: .+\)$/);
    expect(f.calls).toEqual([]);
  });

  it('a dry run still works on the example configuration (it calls neither terraform nor AWS)', async () => {
    const f = setup();
    expect(await main(['deploy', 'dev', '--dry-run'], f.deps)).toBe(0);
  });

  it('a filled-in fork passes check-config and goes on to synth and plan', async () => {
    const ready = setup(forkConfig());
    expect(await main(['check-config', 'prod'], ready.deps)).toBe(0);
    expect(ready.out.join('\n')).toMatch(/no example values left/);
    await main(['deploy', 'dev', '--yes'], ready.deps);
    expect(ready.calls.map((c) => c.line)).toContain('node --import tsx main.ts');
  });

  it('check-config (what the deploy workflow runs) also needs the plan key; a workstation deploy does not', async () => {
    const base = forkConfig();
    const config = { ...base, environments: { ...base.environments, dev: { ...base.environments.dev, planRecipient: '' } } };
    const f = setup(config);
    expect(await main(['check-config', 'dev'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/environments\.dev\.planRecipient = "": is empty[\s\S]*fix: run `age-keygen -o dev-plan.key`/);
    const deploy = setup(config);
    await main(['deploy', 'dev', '--yes'], deploy.deps);
    expect(deploy.err.join('\n')).not.toMatch(/planRecipient/);
  });

  it('--plan-recipient prints only the environment\'s age public key (deploy.yml seals to it), and nothing for the example configuration', async () => {
    const ready = setup(forkConfig());
    expect(await main(['check-config', 'staging', '--plan-recipient'], ready.deps)).toBe(0);
    expect(ready.out).toEqual([forkConfig().environments.staging.planRecipient]);
    const example = setup();
    expect(await main(['check-config', 'staging', '--plan-recipient'], example.deps)).toBe(1);
    expect(example.out).toEqual([]);
  });

  it('one field left is one line: an empty account guard in one environment', async () => {
    const base = forkConfig();
    const config = { ...base, environments: { ...base.environments, staging: { ...base.environments.staging, allowedAccountIds: [] } } };
    const f = setup(config);
    expect(await main(['check-config', 'staging'], f.deps)).toBe(1);
    expect(fieldsIn(f.err.join('\n'))).toEqual(['environments.staging.allowedAccountIds']);
    expect(await main(['check-config', 'prod'], setup(config).deps)).toBe(0);
  });
});

describe('the caller must be able to reach the cluster before the platform and app stacks are planned', () => {
  const run = (callerArn: string, argv: string[]) => {
    const f = fake({ config: forkConfig(), respond: [synthResponder(({ env }) => platformFixture(env, { platformStack: true })), terraformResponder({}), awsResponder({ credentials: true, callerArn })] });
    return main(argv, f.deps).then((code) => ({ code, text: f.err.join('\n'), terraform: f.calls.filter((c) => c.line.startsWith('terraform -chdir=')) }));
  };

  it('an SSO session whose role is not an admin is refused before terraform, naming the field and the role', async () => {
    const r = await run('arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/me@acme-corp.net', ['deploy', 'dev', '--yes']);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/platform-dev and app-dev: the AWS credentials .* would answer 401/);
    expect(r.text).toMatch(/AWSReservedSSO_ReadOnly_0123456789abcdef[\s\S]*environments\.dev\.cluster\.adminPrincipalArns/);
    expect(r.terraform).toEqual([]);
  });

  it('a listed admin (matched by role name, the ARN\'s path aside) and the CI deploy role go ahead; stacks that never reach the cluster need neither', async () => {
    for (const arn of ['arn:aws:sts::123456789012:assumed-role/admin/me', 'arn:aws:sts::123456789012:assumed-role/hono-api-ci-deploy-dev/gh-123']) {
      const r = await run(arn, ['deploy', 'dev', '--yes']);
      expect(r.text, arn).not.toMatch(/401/);
      expect(r.terraform.length, arn).toBeGreaterThan(0);
    }
    const network = await run('arn:aws:sts::123456789012:assumed-role/network-operator/me', ['deploy', 'dev', '--yes', '--stacks', 'network-dev']);
    expect(network.text).not.toMatch(/401/);
    expect(network.terraform.length).toBeGreaterThan(0);
  });
});

describe('check-config --github: the repository settings the workflows will read, with the workflows\' own preflight', () => {
  /** gh answers the repository variables and the environment's secret names; bash runs scripts/ci/preflight.sh for real. */
  function github(variables: Record<string, string>, secrets: string[], ghInstalled = true) {
    const preflight: Responder = (call) => {
      if (path.basename(call.command) !== 'bash') return undefined;
      const r = spawnSync('bash', [...call.args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...call.options.env } as NodeJS.ProcessEnv });
      return { exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
    };
    const gh: Responder = (call) => {
      if (call.command !== 'gh') return undefined;
      if (call.args[0] === 'variable') return { stdout: JSON.stringify(Object.entries(variables).map(([name, value]) => ({ name, value }))) };
      if (call.args[0] === 'secret') return { stdout: JSON.stringify(secrets.map((name) => ({ name }))) };
      return { exitCode: 1, stderr: 'unexpected' };
    };
    return fake({ config: forkConfig(), respond: [gh, preflight], tools: ghInstalled ? [...ALL_TOOLS, 'gh'] : ALL_TOOLS });
  }
  const ALL = FORK_REPOSITORY_VARIABLES;

  it('passes a repository with every variable and the environment\'s PLAN_AGE_IDENTITY, reading them with gh', async () => {
    const f = github(ALL, ['PLAN_AGE_IDENTITY']);
    expect(await main(['check-config', 'prod', '--github'], f.deps), f.output()).toBe(0);
    expect(f.callsTo('gh')).toEqual([
      'gh variable list --repo acme-corp/hono-eks-platform --json name,value',
      'gh secret list --env prod --repo acme-corp/hono-eks-platform --json name',
    ]);
    expect(f.callsTo('bash').map((l) => l.split(' ').at(-1))).toEqual(['deploy:prod', 'pull-request', 'drift', 'release']);
    expect(f.output()).toMatch(/have what deploy:prod, pull-request, drift, release need/);
  });

  it('names every missing setting, the environment secret included, and exits 1; nothing from this shell fills a gap', async () => {
    process.env.AWS_REGION = 'eu-west-1'; // a developer's shell: must not stand in for the repository variable
    try {
      const { AWS_REGION: _, AWS_DEPLOY_ROLE_ARN_STAGING: __, ...rest } = ALL;
      const f = github(rest, []);
      expect(await main(['check-config', 'staging', '--github'], f.deps)).toBe(1);
      const text = f.err.join('\n');
      expect(text).toMatch(/- the repository variable AWS_REGION is not set/);
      expect(text).toMatch(/- the repository variable AWS_DEPLOY_ROLE_ARN_STAGING is not set; this run needs the ci-identity output deploy_staging_role_arn/);
      expect(text).toMatch(/- the GitHub environment staging has no secret PLAN_AGE_IDENTITY: .*gh secret set PLAN_AGE_IDENTITY --env staging < staging-plan.key/);
    } finally {
      delete process.env.AWS_REGION;
    }
  });

  it('without gh, says how to get it', async () => {
    const f = github(ALL, ['PLAN_AGE_IDENTITY'], false);
    expect(await main(['check-config', 'dev', '--github'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/--github needs the GitHub CLI \(gh\)/);
  });
});
