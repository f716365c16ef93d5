import { describe, expect, it } from 'vitest';
import { ciRoleSubjects } from '../../stacks/ci-identity-stack.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { GITHUB_OIDC_HOST } from '../../stacks/constructs/github-oidc-role.js';
import { standardTags } from '../../stacks/constructs/tagging-aspect.js';
import { decodeEncoded } from './support/hcl.js';
import { configWith, synthPlatform } from './support/platform.js';
import { type Found, type TfJson, at, list, only, ref, resources } from './support/tfjson.js';

const platform = synthPlatform({ environments: 'dev' });
const ci = platform.json('ci-identity');
const { repository, mainBranch } = platformConfig.shared.github;
const ENVIRONMENTS = Object.keys(platformConfig.environments);
const subjects = ciRoleSubjects(platformConfig.shared.github, ENVIRONMENTS);
/** The immutable subject of the example repository (ids 0 until a fork fills them in). */
const repo = 'repo:example@0/hono-eks-platform@0';

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
  'pr-plan': role(ci, 'hono-api-ci-pr-plan'),
  plan: role(ci, 'hono-api-ci-plan'),
  'deploy-dev': role(ci, 'hono-api-ci-deploy-dev'),
  'deploy-staging': role(ci, 'hono-api-ci-deploy-staging'),
  'deploy-prod': role(ci, 'hono-api-ci-deploy-prod'),
  'push-image': role(ci, 'hono-api-ci-push-image'),
};
const ROLE_NAMES = Object.keys(roles).map((r) => `hono-api-ci-${r}`);
const deployRoles = ENVIRONMENTS.map((env) => [env, roles[`deploy-${env}` as keyof typeof roles]] as const);

describe('ci-identity stack: GitHub OIDC', () => {
  it('trusts GitHub Actions tokens for STS', () => {
    const provider = only(ci, 'aws_iam_openid_connect_provider');
    expect(provider.attrs.url).toBe('https://token.actions.githubusercontent.com');
    expect(provider.attrs.client_id_list).toEqual(['sts.amazonaws.com']);
  });

  it('creates exactly the pr-plan, plan, one deploy per environment and push-image roles', () => {
    expect(resources(ci, 'aws_iam_role').map((r) => r.attrs.name).sort()).toEqual([...ROLE_NAMES].sort());
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

  it('pr-plan: pull requests only', () => {
    expect(trustedSubjects(trust(roles['pr-plan'])[0]!)).toEqual([`${repo}:pull_request`]);
  });

  it('plan: the main branch and v* tags, never a pull request', () => {
    expect(trustedSubjects(trust(roles.plan)[0]!)).toEqual([`${repo}:ref:refs/heads/${mainBranch}`, `${repo}:environment:plan`]);
  });

  it.each(deployRoles)('deploy-%s: only jobs in that one GitHub environment — never another, a branch or a pull request', (env, r) => {
    expect(trustedSubjects(trust(r)[0]!)).toEqual([`${repo}:environment:${env}`]);
    expect(trust(r)[0]!.Condition?.StringLike).toBeUndefined();
  });

  it('push-image: only v* release tags', () => {
    expect(trustedSubjects(trust(roles['push-image'])[0]!)).toEqual([`${repo}:ref:refs/tags/v*`]);
  });

  it('with github.oidcProvider "existing", looks up the account\'s GitHub provider (one per URL: creating a second fails with EntityAlreadyExists) and trusts it', () => {
    const json = synthPlatform({ environments: 'dev', config: configWith((c) => (c.shared.github.oidcProvider = 'existing')) }).json('ci-identity');
    expect(resources(json, 'aws_iam_openid_connect_provider')).toEqual([]);
    const lookup = only(json, 'aws_iam_openid_connect_provider', 'data');
    expect(lookup.attrs.url).toBe(`https://${GITHUB_OIDC_HOST}`);
    for (const name of ROLE_NAMES)
      for (const s of trust(role(json, name))) expect(s.Principal, name).toEqual({ Federated: ref(lookup, 'arn') });
  });

  it('follows the configured repository and main branch', () => {
    const json = synthPlatform({
      environments: 'dev',
      config: configWith((c) => {
        c.shared.github.repository = 'acme/platform';
        c.shared.github.ids = { owner: 11, repository: 22 };
        c.shared.github.mainBranch = 'trunk';
      }),
    }).json('ci-identity');
    expect(trustedSubjects(trust(role(json, 'hono-api-ci-plan'))[0]!)).toContain('repo:acme@11/platform@22:ref:refs/heads/trunk');
    expect(trustedSubjects(trust(role(json, 'hono-api-ci-deploy-prod'))[0]!)).toEqual(['repo:acme@11/platform@22:environment:prod']);
    expect(JSON.stringify(json)).not.toContain('hono-eks-platform');
    expect(JSON.stringify(json)).not.toContain('repo:acme/platform:');
  });

  it('trusts the name-only subject as well only when github.nameOnlySubject says the repository predates immutable subjects', () => {
    const json = synthPlatform({ environments: 'dev', config: configWith((c) => (c.shared.github.nameOnlySubject = true)) }).json('ci-identity');
    expect(trustedSubjects(trust(role(json, 'hono-api-ci-deploy-prod'))[0]!)).toEqual([`${repo}:environment:prod`, `repo:${repository}:environment:prod`]);
    expect(trustedSubjects(trust(role(json, 'hono-api-ci-pr-plan'))[0]!)).toEqual([`${repo}:pull_request`, `repo:${repository}:pull_request`]);
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

  it('pr-plan sees metadata, not data: ViewOnlyAccess, no writes, no lock, and the state of the shared and non-prod stacks only', () => {
    expect(managedPolicies(ci, roles['pr-plan'])).toEqual([expect.stringMatching(/:iam::aws:policy\/job-function\/ViewOnlyAccess$/)]);
    const statements = inlineStatements(ci, roles['pr-plan']);
    const all = statements.flatMap(actions);
    expect(all.filter((a) => /^s3:(Put|Delete)|^kms:(Encrypt|GenerateDataKey)|^iam:(?!Get|List)|^\*$/.test(a))).toEqual([]);
    const objects = statements.filter((s) => actions(s).includes('s3:GetObject')).flatMap(resourcesOf);
    expect(objects.map((o) => o.slice(o.indexOf('/hono-api/') + 1)).sort()).toEqual(
      ['hono-api/*-dev.tfstate', 'hono-api/*-staging.tfstate', 'hono-api/ci-identity.tfstate', 'hono-api/registry.tfstate', 'hono-api/state.tfstate'].sort(),
    );
    expect(JSON.stringify(statements)).not.toContain('prod');
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

  it.each(deployRoles)('deploy-%s manages IAM only under its own environment\'s prefix, never the CI roles or another environment', (env, r) => {
    const statements = inlineStatements(ci, r).filter((s) => s.Effect === 'Allow');
    const iamStatements = statements.filter((s) => actions(s).some((a) => a.startsWith('iam:')));
    expect(iamStatements.length).toBeGreaterThan(0);
    const iamResources = iamStatements.filter((s) => !actions(s).every((a) => a === 'iam:CreateServiceLinkedRole')).flatMap(resourcesOf);
    expect(iamResources).not.toContain('*');
    const named = iamResources.filter((r) => /:(role|policy|instance-profile)\//.test(r));
    expect(named.length).toBeGreaterThan(0);
    for (const arn of named) expect(arn.slice(arn.lastIndexOf('/') + 1), arn).toBe(`hono-api-${env}-*`);
    expect(named.some((arn) => arn.endsWith(`:role/hono-api-${env}-*`))).toBe(true);
    // No OIDC providers at all: the clusters have none (Pod Identity), and the GitHub one is the roles' own trust.
    expect(iamResources.filter((arn) => arn.includes(':oidc-provider/'))).toEqual([]);
    // The only IAM action on every resource is creating service-linked roles.
    expect(statements.filter((s) => resourcesOf(s).includes('*')).flatMap(actions)).toEqual(['iam:CreateServiceLinkedRole']);
  });

  it.each(deployRoles)('deploy-%s has PowerUserAccess, reads and writes only its own environment\'s state', (env, r) => {
    expect(managedPolicies(ci, r)).toEqual([expect.stringMatching(/:iam::aws:policy\/PowerUserAccess$/)]);
    const s3 = inlineStatements(ci, r).filter((s) => s.Effect === 'Allow' && actions(s).some((a) => /^s3:(Get|Put|Delete)Object$/.test(a)));
    const objects = s3.flatMap(resourcesOf);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(o).toMatch(new RegExp(`:s3:::${platformConfig.state.bucketName}/hono-api/\\*-${env}\\.tfstate(\\.tflock)?$`));
  });

  it.each(deployRoles)('deploy-%s is denied every other environment: by tag, cluster name, secret prefix and state key, and the state bucket itself', (env, r) => {
    const denies = inlineStatements(ci, r).filter((s) => s.Effect === 'Deny');
    const others = ENVIRONMENTS.filter((e) => e !== env);
    const bySid = (sid: string) => denies.find((s) => s.Sid === sid);
    expect(bySid('NotOtherEnvironmentsResources')?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/environment': others } });
    expect(bySid('NotForOtherEnvironments')?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/environment': [...others, 'shared'] } });
    for (const sid of ['NotOtherEnvironmentsResources', 'NotForOtherEnvironments']) expect(bySid(sid)).toMatchObject({ Action: '*', Resource: '*' });
    const clusters = resourcesOf(bySid('NotOtherClusters')!);
    for (const other of others) {
      expect(clusters.some((x) => /:eks:\*:.*:cluster\/hono-api-/.test(x) && x.endsWith(`:cluster/hono-api-${other}`))).toBe(true);
      expect(resourcesOf(bySid('NotOtherSecrets')!).some((x) => x.endsWith(`:secret:${other}/*`))).toBe(true);
      expect(resourcesOf(bySid('NotOtherState')!).some((x) => x.endsWith(`:s3:::${platformConfig.state.bucketName}/hono-api/*-${other}.tfstate*`))).toBe(true);
    }
    expect(clusters.join()).not.toContain(`hono-api-${env}`);
    for (const shared of ['state', 'registry', 'ci-identity']) expect(resourcesOf(bySid('NotSharedState')!).some((x) => x.endsWith(`/hono-api/${shared}.tfstate*`))).toBe(true);
    expect(actions(bySid('NotTheStateBucketItself')!)).toEqual(expect.arrayContaining(['s3:DeleteBucket*', 's3:PutBucket*']));
    // The environment tag is the one the tagging aspect writes on every resource.
    expect(standardTags('p', env, 'o/r')).toMatchObject({ environment: env });
  });

  it('every environment stack tags its resources with that environment (what the deploy roles\' confinement keys on)', () => {
    const net = platform.json('network-dev');
    const tags = (net.provider as { aws: { default_tags?: { tags: Record<string, string> }[] }[] } | undefined)?.aws?.[0]?.default_tags?.[0]?.tags;
    const vpc = only(net, 'aws_vpc');
    expect({ ...tags, ...(vpc.attrs.tags as Record<string, string>) }).toMatchObject({ environment: 'dev' });
  });

  it('sessions last at most an hour', () => {
    for (const r of Object.values(roles)) expect(r.attrs.max_session_duration).toBe(3600);
  });
});
