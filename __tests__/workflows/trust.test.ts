/**
 * The CI roles' trust policies and the workflows agree: every job that assumes a role presents an
 * OIDC subject the role trusts, the deploy role is only reachable from GitHub environments (whose
 * reviewers approve), and the trust policy the ci-identity stack synthesises is exactly
 * githubTrustPolicy() of ciRoleSubjects().
 */
import { describe, expect, it } from 'vitest';
import { ciRoleSubjects, ciRoleVariable, pullRequestEnvironments } from '../../stacks/ci-identity-stack.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { ENVIRONMENT_NAMES } from '../../stacks/config/validate.js';
import { githubTrustPolicy } from '../../stacks/constructs/github-oidc-role.js';
import { ciRoleName, type CiRole } from '../../stacks/naming.js';
import { decodeEncoded } from '../stacks/support/hcl.js';
import { synthPlatform } from '../stacks/support/platform.js';
import { only, ref, resources } from '../stacks/support/tfjson.js';
import { ROLE_VARIABLES, type RoleKind, type SubjectContext, environmentNames, jobsOf, loadWorkflows, oidcSubjects, roleAssumptions, subjectAllowed } from './support/workflows.js';

const { repository, mainBranch } = platformConfig.shared.github;
const configEnvironments = Object.keys(platformConfig.environments);
const subjects = ciRoleSubjects(repository, mainBranch, configEnvironments);
const workflows = loadWorkflows();
const ctx: SubjectContext = { repository, mainBranch, workflows };

const assuming = workflows.flatMap((wf) =>
  jobsOf(wf).flatMap(({ id, job }) =>
    roleAssumptions(job).map(({ role, when }) => ({ wf, id, job, role, when, subs: oidcSubjects(wf, job, ctx, undefined, when), label: `${wf.file}#${id} → ${role}` })),
  ),
);
/** Whether the role a job assumes trusts a subject: for AWS_DEPLOY_ROLE_ARN, the role of the environment the subject names. */
function allowed(kind: RoleKind, sub: string): boolean {
  const role: CiRole = kind === 'deploy' ? `deploy-${/:environment:(.+)$/.exec(sub)?.[1] ?? '?'}` : kind;
  return (subjects[role] ?? []).some((pattern) => subjectAllowed(pattern, sub));
}

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
      'release.yml#image → push-image',
      'terraform-plan.yml#plan → plan',
      'terraform-plan.yml#plan → pr-plan',
    ]);
  });

  it.each(assuming.map((a) => [a.label, a] as const))('%s', (_, { role, subs }) => {
    expect(subs.length).toBeGreaterThan(0);
    expect(subs.filter((sub) => !allowed(role, sub)), `subjects ${subs.join(', ')}`).toEqual([]);
  });

  it('pull requests take only the pr-plan role; the plan role covers main (push, schedule, dispatch) and release tags (release → deploy)', () => {
    const of = (kind: RoleKind) => new Set(assuming.filter((a) => a.role === kind).flatMap((a) => a.subs));
    expect(of('pr-plan')).toEqual(new Set([`repo:${repository}:pull_request`]));
    expect(of('plan')).toEqual(new Set([`repo:${repository}:ref:refs/heads/${mainBranch}`, `repo:${repository}:ref:refs/tags/v*`, `repo:${repository}:ref:refs/tags/v*.*.*`]));
  });

  it('pull requests plan exactly the targets the pr-plan role may read: the shared stacks and every environment but prod', () => {
    const plan = workflows.find((wf) => wf.file === 'plan.yml')!;
    const targets = JSON.parse(String(plan.jobs.plan!.with?.targets)) as string[];
    expect(targets).toEqual(['shared', ...pullRequestEnvironments(configEnvironments)]);
    const drift = workflows.find((wf) => wf.file === 'drift.yml')!;
    expect(JSON.parse(String(drift.jobs.plan!.with?.targets))).toEqual(['shared', ...configEnvironments]);
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
    for (const env of names) expect(subjects[`deploy-${env}`]).toEqual([`repo:${repository}:environment:${env}`]);
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

  const roles = Object.keys(subjects) as CiRole[];

  it.each(roles)('%s: the trust policy is githubTrustPolicy(provider, ciRoleSubjects())', (role) => {
    const found = resources(ci, 'aws_iam_role').filter((r) => r.attrs.name === ciRoleName(platformConfig.project, role));
    expect(found).toHaveLength(1);
    expect(decodeEncoded(found[0]!.attrs.assume_role_policy)).toEqual(githubTrustPolicy(ref(provider, 'arn'), subjects[role]!));
  });

  it.each(roles)('%s: the stack output names the variable the workflows read, and where to set it', (role) => {
    const output = ci.output?.[`${role.replaceAll('-', '_')}_role_arn`];
    const kind = (role.startsWith('deploy-') ? 'deploy' : role) as RoleKind;
    expect(ciRoleVariable(role).variable).toBe(ROLE_VARIABLES[kind]);
    expect(output?.description).toContain(ROLE_VARIABLES[kind]);
    if (kind === 'deploy') expect(output?.description).toContain(`of the GitHub environment ${role.slice('deploy-'.length)}`);
    else expect(output?.description).toContain('repository variable');
  });
});
