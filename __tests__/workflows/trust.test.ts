/**
 * The CI roles' trust policies and the workflows agree: every job that assumes a role presents an
 * OIDC subject the role trusts, the deploy role is only reachable from GitHub environments (whose
 * reviewers approve), and the trust policy the ci-identity stack synthesises is exactly
 * githubTrustPolicy() of ciRoleSubjects().
 */
import { describe, expect, it } from 'vitest';
import { PLAN_ENVIRONMENT, ciRoleSubjects, ciRoleVariable, pullRequestEnvironments } from '../../stacks/ci-identity-stack.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { ENVIRONMENT_NAMES } from '../../stacks/config/validate.js';
import { githubTrustPolicy } from '../../stacks/constructs/github-oidc-role.js';
import { ciRoleName, type CiRole } from '../../stacks/naming.js';
import { decodeEncoded } from '../stacks/support/hcl.js';
import { synthPlatform } from '../stacks/support/platform.js';
import { only, ref, resources } from '../stacks/support/tfjson.js';
import { FORK_GITHUB, forkConfig } from '../support/fork-config.js';
import {
  type ClaimForm,
  type GithubRepository,
  ROLE_VARIABLES,
  type RoleKind,
  type SubjectContext,
  environmentNames,
  issuedRepo,
  jobsOf,
  loadWorkflows,
  oidcSubjects,
  roleAssumptions,
  subjectAllowed,
} from './support/workflows.js';

/** The fork the tests configure, as GitHub knows it. */
const [owner, name] = FORK_GITHUB.repository.split('/') as [string, string];
const FORK: GithubRepository = { owner, ownerId: FORK_GITHUB.ids.owner, name, repositoryId: FORK_GITHUB.ids.repository };
const { mainBranch } = platformConfig.shared.github;
const configEnvironments = Object.keys(platformConfig.environments);
const workflows = loadWorkflows();

/** The roles' trusted subjects for the fork; `nameOnlySubject` says it was created before 2026-07-15. */
const trustedBy = (nameOnlySubject: boolean) => ciRoleSubjects({ ...forkConfig().shared.github, nameOnlySubject }, configEnvironments);
/** A new repository (every fork made today): the immutable form only. */
const subjects = trustedBy(false);

/** Every role-assuming job with the subjects its token carries when GitHub issues claims of `form` for `repo`. */
function assumingJobs(repo: GithubRepository, form: ClaimForm) {
  const ctx: SubjectContext = { repo: issuedRepo(form, repo), mainBranch, workflows };
  return workflows.flatMap((wf) =>
    jobsOf(wf).flatMap(({ id, job }) =>
      roleAssumptions(job).map(({ role, when }) => ({ wf, id, job, role, when, ctx, subs: oidcSubjects(wf, job, ctx, undefined, when), label: `${wf.file}#${id} → ${role}` })),
    ),
  );
}
const assuming = assumingJobs(FORK, 'immutable');
const repo = issuedRepo('immutable', FORK);

/** The CI role a job of `kind` assumes with subject `sub`: for AWS_DEPLOY_ROLE_ARN, the role of the environment the subject names. */
const roleFor = (kind: RoleKind, sub: string): CiRole => (kind === 'deploy' ? `deploy-${/:environment:(.+)$/.exec(sub)?.[1] ?? '?'}` : kind);
const trusts = (trusted: Record<CiRole, string[]>, role: CiRole, sub: string) => (trusted[role] ?? []).some((pattern) => subjectAllowed(pattern, sub));
const allowed = (kind: RoleKind, sub: string) => trusts(subjects, roleFor(kind, sub), sub);

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

  it('pull requests take only the pr-plan role; the plan role covers main (push, schedule) and the plan environment (every deploy plan, release tags included)', () => {
    const of = (kind: RoleKind) => new Set(assuming.filter((a) => a.role === kind).flatMap((a) => a.subs));
    expect(of('pr-plan')).toEqual(new Set([`${repo}:pull_request`]));
    expect(of('plan')).toEqual(new Set([`${repo}:ref:refs/heads/${mainBranch}`, `${repo}:environment:${PLAN_ENVIRONMENT}`]));
  });

  it('a bare tag subject gets no role that reads an environment: the prod plan runs under the plan environment subject', () => {
    for (const tag of ['v1.2.3', 'v9.9.9-anything']) {
      const sub = `${repo}:ref:refs/tags/${tag}`;
      for (const role of Object.keys(subjects) as CiRole[]) expect(trusts(subjects, role, sub), `${role}: ${sub}`).toBe(role === 'push-image');
    }
    // The broken twin: the trust before 2026-12-07 (main and v* tags) admits a pushed tag.
    const before = { ...subjects, plan: [`${repo}:ref:refs/heads/${mainBranch}`, `${repo}:ref:refs/tags/v*`] };
    expect(trusts(before, 'plan', `${repo}:ref:refs/tags/v1.2.3`)).toBe(true);
    expect(trusts(subjects, 'plan', `${repo}:environment:prod`)).toBe(false);
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
    // …and no job in an environment assumes anything else (its subject would not match), but the plan job in the plan environment.
    for (const a of assuming.filter((x) => x.job.environment !== undefined)) expect(a.role, a.label).toBe(a.job.environment === PLAN_ENVIRONMENT ? 'plan' : 'deploy');
  });

  it('the push-image role is only assumed on release tags', () => {
    for (const a of assuming.filter((x) => x.role === 'push-image')) {
      expect(oidcSubjects(a.wf, a.job, a.ctx).every((s) => s.startsWith(`${repo}:ref:refs/tags/v`)), a.label).toBe(true);
    }
  });

  it('deploy.yml deploys to exactly the configured environments, and the deploy role trusts exactly those', () => {
    const deployJobs = assuming.filter((a) => a.role === 'deploy');
    const names = new Set(deployJobs.flatMap((a) => environmentNames(a.wf, a.job, a.ctx)));
    expect([...names].sort()).toEqual([...configEnvironments].sort());
    expect([...names].sort()).toEqual([...ENVIRONMENT_NAMES].sort());
    for (const env of names) expect(subjects[`deploy-${env}`]).toEqual([`${repo}:environment:${env}`]);
  });

  it('the workflow_dispatch environment choice lists the configured environments', () => {
    const deploy = workflows.find((wf) => wf.file === 'deploy.yml')!;
    const input = (deploy.on.workflow_dispatch?.inputs as Record<string, { options?: string[] }>).environment;
    expect([...(input?.options ?? [])].sort()).toEqual([...configEnvironments].sort());
  });
});

describe('both claim forms: the subjects GitHub issues today are accepted, every other repository, environment and event refused', () => {
  const jobKinds = (jobs: ReturnType<typeof assumingJobs>) => jobs.flatMap((a) => a.subs.map((sub) => ({ label: a.label, role: roleFor(a.role, sub), sub })));
  /** The same jobs as presented by repositories that are not the fork: a name taken over after a rename or transfer, another owner, another repository of the same owner. */
  const impostors: [string, GithubRepository][] = [
    ['the same name under a new repository id (a name taken over after a rename or transfer)', { ...FORK, repositoryId: FORK.repositoryId + 1 }],
    ['the same names under a new owner id (an organisation name taken over)', { ...FORK, ownerId: FORK.ownerId + 1 }],
    ['another repository of the same owner', { ...FORK, name: `${FORK.name}-other`, repositoryId: FORK.repositoryId + 7 }],
    ['a fork of it elsewhere', { owner: 'someone-else', ownerId: 5, name: FORK.name, repositoryId: 6 }],
  ];

  it.each([
    ['a repository created since 2026-07-15 (nameOnlySubject: false)', false, ['immutable'], ['name-only']],
    ['a repository created before and never renamed (nameOnlySubject: true)', true, ['immutable', 'name-only'], []],
  ] as const)('%s', (_, nameOnly, accepted, refused) => {
    const trusted = trustedBy(nameOnly);
    for (const form of accepted)
      for (const { label, role, sub } of jobKinds(assumingJobs(FORK, form))) expect(trusts(trusted, role, sub), `${label}: ${sub}`).toBe(true);
    for (const form of refused)
      for (const { label, role, sub } of jobKinds(assumingJobs(FORK, form))) expect(trusts(trusted, role, sub), `${label}: ${sub}`).toBe(false);
  });

  it.each(impostors)('%s: refused by every role, in both claim forms', (_, other) => {
    const sameNames = other.owner === FORK.owner && other.name === FORK.name;
    for (const nameOnly of [false, true])
      for (const form of ['immutable', 'name-only'] as const) {
        // The one hole nameOnlySubject opens, and why it is off by default: by name alone, whoever holds the name is the repository.
        const expected = nameOnly && form === 'name-only' && sameNames;
        for (const { label, role, sub } of jobKinds(assumingJobs(other, form))) {
          expect(trusts(trustedBy(nameOnly), role, sub), `${label}: ${sub} (nameOnlySubject ${nameOnly})`).toBe(expected);
          if (!expected) for (const r of Object.keys(subjects) as CiRole[]) expect(trusts(trustedBy(nameOnly), r, sub), `${label} as ${r}: ${sub}`).toBe(false);
        }
      }
  });

  it('each role refuses the subjects of every job kind that does not assume it (another environment, another event)', () => {
    for (const nameOnly of [false, true])
      for (const form of (nameOnly ? ['immutable', 'name-only'] : ['immutable']) as ClaimForm[]) {
        const presented = jobKinds(assumingJobs(FORK, form));
        for (const role of Object.keys(subjects) as CiRole[]) {
          // A release tag is both the plan role's and push-image's: a subject one of the role's own jobs may present is not foreign.
          const own = presented.filter((p) => p.role === role).map((p) => p.sub);
          const foreign = presented.filter((p) => !own.some((o) => subjectAllowed(o, p.sub) || subjectAllowed(p.sub, o)));
          for (const { label, sub } of foreign) expect(trusts(trustedBy(nameOnly), role, sub), `${role} must refuse ${label}: ${sub}`).toBe(false);
        }
      }
    // The cases the deploy roles exist for, written out.
    expect(trusts(subjects, 'deploy-dev', `${repo}:environment:prod`)).toBe(false);
    expect(trusts(subjects, 'deploy-prod', `${repo}:environment:dev`)).toBe(false);
    expect(trusts(subjects, 'deploy-prod', `${repo}:ref:refs/heads/${mainBranch}`)).toBe(false);
    expect(trusts(subjects, 'plan', `${repo}:pull_request`)).toBe(false);
    expect(trusts(subjects, 'push-image', `${repo}:ref:refs/heads/${mainBranch}`)).toBe(false);
  });
});

describe('the synthesised ci-identity stack', () => {
  const ci = synthPlatform({ environments: 'dev', config: forkConfig() }).json('ci-identity');
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
    const variable = kind === 'deploy' ? `${ROLE_VARIABLES.deploy}_${role.slice('deploy-'.length).toUpperCase()}` : ROLE_VARIABLES[kind];
    expect(ciRoleVariable(role).variable).toBe(variable);
    expect(output?.description).toBe(`Set as the repository variable ${variable}`);
  });
});
