import { describe, expect, it } from 'vitest';
import { ciRoleSubjects } from '../../stacks/ci-identity-stack.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { GITHUB_OIDC_HOST } from '../../stacks/constructs/github-oidc-role.js';
import { decodeEncoded } from './support/hcl.js';
import { configWith, synthPlatform } from './support/platform.js';
import { type Found, type TfJson, at, list, only, ref, resources } from './support/tfjson.js';

const platform = synthPlatform({ environments: 'dev' });
const ci = platform.json('ci-identity');
const { repository, mainBranch } = platformConfig.shared.github;
const ENVIRONMENTS = Object.keys(platformConfig.environments);
const subjects = ciRoleSubjects(repository, mainBranch, ENVIRONMENTS);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
  Principal?: unknown;
}

function role(json: TfJson, name: string): Found {
  const found = resources(json, 'aws_iam_role').filter((r) => r.attrs.name === name);
  expect(found, `role ${name}`).toHaveLength(1);
  return found[0]!;
}

const trust = (r: Found) => list(at(decodeEncoded(r.attrs.assume_role_policy), 'Statement')) as unknown as Statement[];

function inlineStatements(json: TfJson, r: Found): Statement[] {
  const policies = resources(json, 'aws_iam_role_policy').filter((p) => p.attrs.role === ref(r, 'id'));
  return policies.flatMap((p) => list(at(decodeEncoded(p.attrs.policy), 'Statement')) as unknown as Statement[]);
}

const managedPolicies = (json: TfJson, r: Found) =>
  resources(json, 'aws_iam_role_policy_attachment')
    .filter((a) => a.attrs.role === ref(r, 'name'))
    .map((a) => a.attrs.policy_arn as string);

const actions = (s: Statement) => list(s.Action) as string[];
const resourcesOf = (s: Statement) => list(s.Resource) as string[];

/** The subjects a trust statement accepts, whichever operator carries them. */
function trustedSubjects(s: Statement): string[] {
  const key = `${GITHUB_OIDC_HOST}:sub`;
  return [...list(s.Condition?.StringEquals?.[key]), ...list(s.Condition?.StringLike?.[key])] as string[];
}

const roles = {
  plan: role(ci, 'hono-api-ci-plan'),
  deploy: role(ci, 'hono-api-ci-deploy'),
  'push-image': role(ci, 'hono-api-ci-push-image'),
};

describe('ci-identity stack: GitHub OIDC', () => {
  it('trusts GitHub Actions tokens for STS', () => {
    const provider = only(ci, 'aws_iam_openid_connect_provider');
    expect(provider.attrs.url).toBe('https://token.actions.githubusercontent.com');
    expect(provider.attrs.client_id_list).toEqual(['sts.amazonaws.com']);
  });

  it('creates exactly the plan, deploy and push-image roles', () => {
    expect(resources(ci, 'aws_iam_role').map((r) => r.attrs.name).sort()).toEqual(['hono-api-ci-deploy', 'hono-api-ci-plan', 'hono-api-ci-push-image']);
  });

  it.each(Object.entries(roles))('%s: only web identity from the GitHub provider, audience pinned, subjects exactly ciRoleSubjects()', (name, r) => {
    const statements = trust(r);
    expect(statements).toHaveLength(1);
    const [s] = statements as [Statement];
    expect(s.Effect).toBe('Allow');
    expect(s.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(s.Principal).toEqual({ Federated: ref(only(ci, 'aws_iam_openid_connect_provider'), 'arn') });
    expect(s.Condition?.StringEquals?.[`${GITHUB_OIDC_HOST}:aud`]).toBe('sts.amazonaws.com');
    expect(trustedSubjects(s)).toEqual(subjects[name as keyof typeof subjects]);
    // Wildcard subjects need StringLike; exact ones stay in StringEquals.
    const wildcard = trustedSubjects(s).some((x) => x.includes('*'));
    expect(Object.keys(s.Condition ?? {}).sort()).toEqual(wildcard ? ['StringEquals', 'StringLike'] : ['StringEquals']);
  });

  it('plan: pull requests, the main branch and v* tags', () => {
    expect(trustedSubjects(trust(roles.plan)[0]!)).toEqual([
      `repo:${repository}:pull_request`,
      `repo:${repository}:ref:refs/heads/${mainBranch}`,
      `repo:${repository}:ref:refs/tags/v*`,
    ]);
  });

  it('deploy: only jobs in the dev, staging and prod GitHub environments — never a branch or a pull request', () => {
    const subs = trustedSubjects(trust(roles.deploy)[0]!);
    expect(subs).toEqual(['dev', 'staging', 'prod'].map((env) => `repo:${repository}:environment:${env}`));
    for (const s of subs) {
      expect(s).not.toMatch(/:ref:|pull_request|\*/);
    }
    expect(trust(roles.deploy)[0]!.Condition?.StringLike).toBeUndefined();
  });

  it('push-image: only v* release tags', () => {
    expect(trustedSubjects(trust(roles['push-image'])[0]!)).toEqual([`repo:${repository}:ref:refs/tags/v*`]);
  });

  it('with github.oidcProvider "existing", looks up the account\'s GitHub provider (one per URL: creating a second fails with EntityAlreadyExists) and trusts it', () => {
    const json = synthPlatform({ environments: 'dev', config: configWith((c) => (c.shared.github.oidcProvider = 'existing')) }).json('ci-identity');
    expect(resources(json, 'aws_iam_openid_connect_provider')).toEqual([]);
    const lookup = only(json, 'aws_iam_openid_connect_provider', 'data');
    expect(lookup.attrs.url).toBe(`https://${GITHUB_OIDC_HOST}`);
    for (const name of ['hono-api-ci-plan', 'hono-api-ci-deploy', 'hono-api-ci-push-image'])
      for (const s of trust(role(json, name))) expect(s.Principal, name).toEqual({ Federated: ref(lookup, 'arn') });
  });

  it('follows the configured repository and main branch', () => {
    const json = synthPlatform({
      environments: 'dev',
      config: configWith((c) => {
        c.shared.github.repository = 'acme/platform';
        c.shared.github.mainBranch = 'trunk';
      }),
    }).json('ci-identity');
    expect(trustedSubjects(trust(role(json, 'hono-api-ci-plan'))[0]!)).toContain('repo:acme/platform:ref:refs/heads/trunk');
    expect(trustedSubjects(trust(role(json, 'hono-api-ci-deploy'))[0]!)).toEqual(ciRoleSubjects('acme/platform', 'trunk', ENVIRONMENTS).deploy);
    expect(JSON.stringify(json)).not.toContain(repository);
  });
});

describe('ci-identity stack: permissions', () => {
  it('plan is read-only: ReadOnlyAccess, never PowerUserAccess, no IAM actions at all', () => {
    const managed = managedPolicies(ci, roles.plan);
    expect(managed).toHaveLength(1);
    expect(managed[0]).toMatch(/:iam::aws:policy\/ReadOnlyAccess$/);
    expect(managed.join()).not.toMatch(/PowerUserAccess|AdministratorAccess/);
    const all = inlineStatements(ci, roles.plan).flatMap(actions);
    expect(all.filter((a) => a.startsWith('iam:') || a === '*')).toEqual([]);
    // It writes only the lock object beside the state, never the state itself.
    const writes = inlineStatements(ci, roles.plan).filter((s) => actions(s).some((a) => /^s3:(Put|Delete)/.test(a)));
    expect(writes.flatMap(resourcesOf).every((r) => r.endsWith('.tflock'))).toBe(true);
  });

  it('push-image can push only to the service repository (plus GetAuthorizationToken, which has no resource)', () => {
    expect(managedPolicies(ci, roles['push-image'])).toEqual([]);
    const statements = inlineStatements(ci, roles['push-image']);
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      if (resourcesOf(s).includes('*')) expect(actions(s)).toEqual(['ecr:GetAuthorizationToken']);
      else expect(resourcesOf(s)).toEqual([expect.stringMatching(new RegExp(`:ecr:${platformConfig.shared.region}:.*:repository/${platformConfig.shared.registry.repositoryName}$`))]);
      expect(actions(s).every((a) => a.startsWith('ecr:'))).toBe(true);
    }
    expect(statements.flatMap(actions)).toContain('ecr:PutImage');
  });

  it('deploy manages IAM only under the environments\' prefixes, never the CI roles', () => {
    const statements = inlineStatements(ci, roles.deploy);
    const iamStatements = statements.filter((s) => actions(s).some((a) => a.startsWith('iam:')));
    expect(iamStatements.length).toBeGreaterThan(0);
    const iamResources = iamStatements.filter((s) => !actions(s).every((a) => a === 'iam:CreateServiceLinkedRole')).flatMap(resourcesOf);
    expect(iamResources).not.toContain('*');

    const named = iamResources.filter((r) => /:(role|policy|instance-profile)\//.test(r));
    const prefixes = ENVIRONMENTS.map((env) => `hono-api-${env}-*`);
    for (const r of named) {
      const name = r.slice(r.lastIndexOf('/') + 1);
      expect(prefixes, r).toContain(name);
      expect(r).not.toMatch(/hono-api-ci-|\/\*$/);
    }
    for (const prefix of prefixes) expect(named.some((r) => r.endsWith(`:role/${prefix}`)), prefix).toBe(true);
    // No OIDC providers at all: the clusters have none (Pod Identity), and the GitHub one is the roles' own trust.
    expect(iamResources.filter((r) => r.includes(':oidc-provider/'))).toEqual([]);
    // The only IAM action on every resource is creating service-linked roles.
    expect(statements.filter((s) => resourcesOf(s).includes('*')).flatMap(actions)).toEqual(['iam:CreateServiceLinkedRole']);
  });

  it('deploy has PowerUserAccess (no IAM) and writes state objects only under the project prefix', () => {
    expect(managedPolicies(ci, roles.deploy)).toEqual([expect.stringMatching(/:iam::aws:policy\/PowerUserAccess$/)]);
    const writes = inlineStatements(ci, roles.deploy).filter((s) => actions(s).includes('s3:PutObject'));
    expect(writes.flatMap(resourcesOf).every((r) => r.includes(`:s3:::${platformConfig.state.bucketName}/hono-api/`))).toBe(true);
  });

  it('sessions last at most an hour', () => {
    for (const r of Object.values(roles)) expect(r.attrs.max_session_duration).toBe(3600);
  });
});
