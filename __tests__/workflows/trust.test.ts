/**
 * The CI roles' trust policies and the workflows agree: every job that assumes a role presents an
 * OIDC subject the role trusts, the deploy role is only reachable from GitHub environments (whose
 * reviewers approve), and the trust policy the ci-identity stack synthesises is exactly
 * githubTrustPolicy() of ciRoleSubjects().
 */
import { describe, expect, it } from 'vitest';
import { ciRoleSubjects } from '../../stacks/ci-identity-stack.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { ENVIRONMENT_NAMES } from '../../stacks/config/validate.js';
import { githubTrustPolicy } from '../../stacks/constructs/github-oidc-role.js';
import { ciRoleName, type CiRole } from '../../stacks/naming.js';
import { decodeEncoded } from '../stacks/support/hcl.js';
import { synthPlatform } from '../stacks/support/platform.js';
import { only, ref, resources } from '../stacks/support/tfjson.js';
import { ROLE_VARIABLES, type SubjectContext, assumedRoles, environmentNames, jobsOf, loadWorkflows, oidcSubjects, subjectAllowed } from './support/workflows.js';

const { repository, mainBranch } = platformConfig.shared.github;
const configEnvironments = Object.keys(platformConfig.environments);
const subjects = ciRoleSubjects(repository, mainBranch, configEnvironments);
const workflows = loadWorkflows();
const ctx: SubjectContext = { repository, mainBranch, workflows };

const assuming = workflows.flatMap((wf) =>
  jobsOf(wf).flatMap(({ id, job }) => assumedRoles(job).map((role) => ({ wf, id, job, role, label: `${wf.file}#${id} → ${role}` }))),
);
const allowed = (role: CiRole, sub: string) => subjects[role].some((pattern) => subjectAllowed(pattern, sub));

describe('the subject matcher', () => {
  it.each([
    ['repo:o/r:ref:refs/tags/v*', 'repo:o/r:ref:refs/tags/v1.2.3', true],
    ['repo:o/r:ref:refs/tags/v*', 'repo:o/r:ref:refs/tags/v*.*.*', true],
    ['repo:o/r:ref:refs/tags/v*', 'repo:o/r:ref:refs/tags/*', false],
    ['repo:o/r:ref:refs/heads/main', 'repo:o/r:ref:refs/heads/*', false],
    ['repo:o/r:ref:refs/heads/main', 'repo:o/r:ref:refs/heads/main', true],
    ['repo:o/r:environment:prod', 'repo:o/r:environment:prod', true],
    ['repo:o/r:environment:prod', 'repo:o/r:environment:production', false],
    ['repo:o/r:pull_request', 'repo:x/r:pull_request', false],
    ['repo:o/r.x:pull_request', 'repo:o/rzx:pull_request', false],
  ])('%s accepts %s: %s', (pattern, sub, expected) => {
    expect(subjectAllowed(pattern, sub)).toBe(expected);
  });
});

describe('workflow jobs present subjects their role trusts', () => {
  it('finds the role-assuming jobs', () => {
    expect(assuming.map((a) => a.label).sort()).toEqual([
      'deploy.yml#apply → deploy',
      'deploy.yml#plan → plan',
      'drift.yml#drift → plan',
      'plan.yml#plan → plan',
      'release.yml#image → push-image',
    ]);
  });

  it.each(assuming.map((a) => [a.label, a] as const))('%s', (_, { wf, job, role }) => {
    const subs = oidcSubjects(wf, job, ctx);
    expect(subs.length).toBeGreaterThan(0);
    expect(subs.filter((sub) => !allowed(role, sub)), `subjects ${subs.join(', ')} against ${subjects[role].join(', ')}`).toEqual([]);
  });

  it('the plan role covers every plan trigger: pull requests, main (push, schedule, dispatch) and release tags (release → deploy)', () => {
    const planSubjects = assuming.filter((a) => a.role === 'plan').flatMap((a) => oidcSubjects(a.wf, a.job, ctx));
    expect(new Set(planSubjects)).toEqual(
      new Set([`repo:${repository}:pull_request`, `repo:${repository}:ref:refs/heads/${mainBranch}`, `repo:${repository}:ref:refs/tags/v*`, `repo:${repository}:ref:refs/tags/v*.*.*`]),
    );
  });

  it('the deploy role is only ever assumed by jobs that run in a GitHub environment', () => {
    for (const a of assuming.filter((x) => x.role === 'deploy')) expect(a.job.environment, a.label).toBeDefined();
    // …and no job in an environment assumes anything else (its subject would not match).
    for (const a of assuming.filter((x) => x.job.environment !== undefined)) expect(a.role, a.label).toBe('deploy');
  });

  it('the push-image role is only assumed on release tags', () => {
    for (const a of assuming.filter((x) => x.role === 'push-image')) {
      expect(oidcSubjects(a.wf, a.job, ctx).every((s) => s.startsWith(`repo:${repository}:ref:refs/tags/v`)), a.label).toBe(true);
    }
  });

  it('deploy.yml deploys to exactly the configured environments, and the deploy role trusts exactly those', () => {
    const deployJobs = assuming.filter((a) => a.role === 'deploy');
    const names = new Set(deployJobs.flatMap((a) => environmentNames(a.wf, a.job, ctx)));
    expect([...names].sort()).toEqual([...configEnvironments].sort());
    expect([...names].sort()).toEqual([...ENVIRONMENT_NAMES].sort());
    expect([...subjects.deploy].sort()).toEqual([...names].sort().map((e) => `repo:${repository}:environment:${e}`));
  });

  it('the workflow_dispatch environment choice lists the configured environments', () => {
    const deploy = workflows.find((wf) => wf.file === 'deploy.yml')!;
    const input = (deploy.on.workflow_dispatch?.inputs as Record<string, { options?: string[] }>).environment;
    expect([...(input?.options ?? [])].sort()).toEqual([...configEnvironments].sort());
  });
});

describe('the synthesised ci-identity stack', () => {
  const ci = synthPlatform({ environments: 'dev' }).json('ci-identity');
  const provider = only(ci, 'aws_iam_openid_connect_provider');

  it.each(Object.keys(ROLE_VARIABLES) as CiRole[])('%s: the trust policy is githubTrustPolicy(provider, ciRoleSubjects())', (role) => {
    const found = resources(ci, 'aws_iam_role').filter((r) => r.attrs.name === ciRoleName(platformConfig.project, role));
    expect(found).toHaveLength(1);
    expect(decodeEncoded(found[0]!.attrs.assume_role_policy)).toEqual(githubTrustPolicy(ref(provider, 'arn'), subjects[role]));
  });

  it.each(Object.entries(ROLE_VARIABLES))('%s: the stack output names the repository variable the workflows read (%s)', (role, variable) => {
    const output = ci.output?.[`${role.replace('-', '_')}_role_arn`];
    expect(output?.description).toContain(variable);
  });
});
