/**
 * scripts/ci/check-environment.sh, run against a fake `gh` answering GitHub's environments API:
 * the deploy's pre-flight must fail closed unless the deploy environment exists with required
 * reviewers, self-review prevented, no admin bypass and a named (non-wildcard) branch policy, and the
 * plan environment admits exactly main and the v* tags (a missing one would be created unprotected).
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { PLAN_ENVIRONMENT } from '../../stacks/ci-identity-stack.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { loadWorkflow, stepsOf } from './support/workflows.js';

const REPO = 'acme-corp/hono-eks-platform';
let bin: string;
beforeAll(() => {
  bin = mkdtempSync(path.join(os.tmpdir(), 'check-env-'));
  mkdirSync(bin, { recursive: true });
  // Answers `gh api [--paginate] <path>` from $FAKE_GH, a JSON object of API path → body; a missing path fails like a 404.
  writeFileSync(
    path.join(bin, 'gh'),
    '#!/usr/bin/env bash\n[[ "$1" == api ]] || exit 2\nbody=$(jq -c --arg p "${!#}" \'.[$p] // empty\' <<<"$FAKE_GH")\n[[ -n "$body" ]] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }\necho "$body"\n',
  );
  chmodSync(path.join(bin, 'gh'), 0o755);
});

type Policy = { name: string; type: 'branch' | 'tag' };
/** GitHub's answers for one environment: the environment, and its custom branch/tag policies when it has them. */
function api(name: string, environment: Record<string, unknown> | undefined, policies?: Policy[]) {
  const base = `repos/${REPO}/environments/${name}`;
  return {
    ...(environment === undefined ? {} : { [base]: { name, ...environment } }),
    ...(policies === undefined ? {} : { [`${base}/deployment-branch-policies`]: { total_count: policies.length, branch_policies: policies } }),
  };
}

const check = (args: string[], answers: Record<string, unknown>) =>
  runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/check-environment.sh'), ...args], {
    timeoutMs: 30_000,
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, GITHUB_REPOSITORY: REPO, MAIN_BRANCH: 'main', FAKE_GH: JSON.stringify(answers) },
  });

const REVIEWERS = { type: 'required_reviewers', prevent_self_review: true, reviewers: [{ type: 'Team', reviewer: { slug: 'platform' } }] };
const CUSTOM = { protected_branches: false, custom_branch_policies: true };
const RELEASE_TAGS: Policy[] = [{ name: 'v*', type: 'tag' }];
/** prod as README: Deploying sets it up. */
const PROD = { can_admins_bypass: false, protection_rules: [REVIEWERS, { type: 'wait_timer', wait_timer: 5 }], deployment_branch_policy: CUSTOM };
const PLAN = { can_admins_bypass: false, protection_rules: [], deployment_branch_policy: CUSTOM };
const PLAN_POLICIES: Policy[] = [{ name: 'main', type: 'branch' }, { name: 'v*', type: 'tag' }];

describe('check-environment.sh: a deploy environment', () => {
  it('passes an environment with required reviewers, self-review prevented, no admin bypass and a named branch/tag policy', async () => {
    const r = await check(['prod'], api('prod', PROD, RELEASE_TAGS));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 required reviewer.*tag v\*/);
  });

  it.each([
    ['a missing environment (GitHub would create it unprotected)', api('prod', undefined), /does not exist[\s\S]*settings\/environments/],
    ['no protection rules', api('prod', { ...PROD, protection_rules: [] }, RELEASE_TAGS), /no required reviewers.*GitHub Enterprise Cloud/],
    ['a reviewers rule naming nobody', api('prod', { ...PROD, protection_rules: [{ ...REVIEWERS, reviewers: [] }] }, RELEASE_TAGS), /no required reviewers/],
    ['only a wait timer', api('prod', { ...PROD, protection_rules: [{ type: 'wait_timer', wait_timer: 30 }] }, RELEASE_TAGS), /no required reviewers/],
    ['no deployment branch policy (any branch may deploy)', api('prod', { ...PROD, deployment_branch_policy: null }), /no deployment branch policy/],
    ['administrators may bypass the rules (GitHub\'s default)', api('prod', { ...PROD, can_admins_bypass: true }, RELEASE_TAGS), /administrators may bypass/],
    ['an environment that does not say whether admins may bypass', api('prod', { ...PROD, can_admins_bypass: undefined }, RELEASE_TAGS), /administrators may bypass/],
    ['self-review allowed', api('prod', { ...PROD, protection_rules: [{ ...REVIEWERS, prevent_self_review: false }] }, RELEASE_TAGS), /whoever starts a deploy may approve it/],
    ['a wildcard branch policy', api('prod', PROD, [...RELEASE_TAGS, { name: '*', type: 'branch' }]), /'\*' \(branch \*\) admits every branch/],
    ['a wildcard tag policy', api('prod', PROD, [{ name: '**', type: 'tag' }]), /admits every tag/],
    ['custom policies that cannot be read', api('prod', PROD), /cannot be read/],
    ['"selected branches and tags" with none selected', api('prod', PROD, []), /lists none/],
  ])('fails closed on %s', async (_label, answers, message) => {
    const r = await check(['prod'], answers);
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(message);
  });
});

describe('check-environment.sh --plan: the environment whose subject the plan role trusts', () => {
  it('passes the branch main and the tags v*, without reviewers', async () => {
    const r = await check(['--plan', 'plan'], api('plan', PLAN, PLAN_POLICIES));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/branch main tag v\*/);
  });

  it.each([
    ['a missing environment', api('plan', undefined), /does not exist/],
    ['no deployment policy (every branch would get the plan role)', api('plan', { ...PLAN, deployment_branch_policy: null }), /deployment policy is 'none'/],
    ['protected branches (every protected branch, no tags)', api('plan', { ...PLAN, deployment_branch_policy: { protected_branches: true, custom_branch_policies: false } }), /deployment policy is 'protected'/],
    ['another branch admitted', api('plan', PLAN, [...PLAN_POLICIES, { name: 'release/*', type: 'branch' }]), /'branch release\/\*' admits more/],
    ['every tag admitted', api('plan', PLAN, [{ name: 'main', type: 'branch' }, { name: '*', type: 'tag' }]), /'tag \*' admits more/],
    ['administrators may bypass', api('plan', { ...PLAN, can_admins_bypass: true }, PLAN_POLICIES), /administrators may bypass/],
  ])('fails closed on %s', async (_label, answers, message) => {
    const r = await check(['--plan', 'plan'], answers);
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(message);
  });

  it('the plan environment is the one the plan role trusts and deploy.yml\'s plan job runs in, checked in prepare', () => {
    const deploy = loadWorkflow('deploy.yml');
    expect(deploy.jobs.plan!.environment).toBe(PLAN_ENVIRONMENT);
    const run = stepsOf(deploy.jobs.prepare!).map((s) => s.run ?? '');
    expect(run.some((r) => r.includes(`check-environment.sh --plan ${PLAN_ENVIRONMENT}`))).toBe(true);
  });
});

describe('check-environment.sh in deploy.yml', () => {
  it("runs in deploy.yml's prepare job, which the plan job (the plan role) needs, for the resolved environment", () => {
    const deploy = loadWorkflow('deploy.yml');
    const steps = stepsOf(deploy.jobs.prepare!);
    const at = steps.findIndex((s) => s.run?.includes('check-environment.sh'));
    expect(at).toBeGreaterThan(-1);
    expect(at).toBeLessThan(steps.findIndex((s) => s.run?.includes('npm run synth')));
    expect(deploy.jobs.plan!.needs).toBe('prepare');
    expect(deploy.jobs.apply!.needs).toBe('plan');
    expect(steps[at]!.env?.ENVIRONMENT_NAME).toBe('${{ steps.target.outputs.environment }}');
  });
});
