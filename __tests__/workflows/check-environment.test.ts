/**
 * scripts/ci/check-environment.sh, run against a fake `gh` answering GitHub's environments API:
 * the deploy's pre-flight must fail closed unless the environment exists with required reviewers
 * and a deployment branch policy (a missing one would be created unprotected by the workflow).
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { loadWorkflow, stepsOf } from './support/workflows.js';

let bin: string;
beforeAll(() => {
  bin = mkdtempSync(path.join(os.tmpdir(), 'check-env-'));
  mkdirSync(bin, { recursive: true });
  // Answers `gh api repos/<repo>/environments/<name>` with $FAKE_ENV, or fails like a 404 when it is empty.
  writeFileSync(path.join(bin, 'gh'), '#!/usr/bin/env bash\n[[ "$1 $2" == "api repos/acme-corp/hono-eks-platform/environments/prod" && -n "$FAKE_ENV" ]] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }\necho "$FAKE_ENV"\n');
  chmodSync(path.join(bin, 'gh'), 0o755);
});

const check = (environment: unknown) =>
  runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/check-environment.sh'), 'prod'], {
    timeoutMs: 30_000,
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, GITHUB_REPOSITORY: 'acme-corp/hono-eks-platform', FAKE_ENV: environment === undefined ? '' : JSON.stringify(environment) },
  });

const REVIEWERS = { type: 'required_reviewers', reviewers: [{ type: 'Team', reviewer: { slug: 'platform' } }] };
const TAGS_ONLY = { protected_branches: false, custom_branch_policies: true };

describe('check-environment.sh', () => {
  it('passes an environment with required reviewers and a branch/tag policy', async () => {
    const r = await check({ name: 'prod', protection_rules: [REVIEWERS, { type: 'wait_timer', wait_timer: 5 }], deployment_branch_policy: TAGS_ONLY });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 required reviewer/);
  });

  it.each([
    ['a missing environment (GitHub would create it unprotected)', undefined, /does not exist[\s\S]*settings\/environments/],
    ['no protection rules', { name: 'prod', protection_rules: [], deployment_branch_policy: TAGS_ONLY }, /no required reviewers/],
    ['a reviewers rule naming nobody', { name: 'prod', protection_rules: [{ type: 'required_reviewers', reviewers: [] }], deployment_branch_policy: TAGS_ONLY }, /no required reviewers/],
    ['only a wait timer', { name: 'prod', protection_rules: [{ type: 'wait_timer', wait_timer: 30 }], deployment_branch_policy: TAGS_ONLY }, /no required reviewers/],
    ['no deployment branch policy (any branch may deploy)', { name: 'prod', protection_rules: [REVIEWERS], deployment_branch_policy: null }, /no deployment branch policy/],
  ])('fails closed on %s', async (_label, environment, message) => {
    const r = await check(environment);
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(message);
  });

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
