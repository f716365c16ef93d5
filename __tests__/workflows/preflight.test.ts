/**
 * The preflight: scripts/ci/preflight.sh run against settings.json, and its place in every workflow
 * that holds a cloud token. Each run's settings are checked before anything is built, planned or
 * sent for approval; every `vars.X` a workflow reads is one settings.json lists (so the preflight
 * cannot miss one), and each missing or malformed setting is named with where it comes from.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { FORK_ACCOUNT, FORK_REPOSITORY_VARIABLES } from '../support/fork-config.js';
import { expressionsIn, jobsOf, loadWorkflow, loadWorkflows, stepsOf } from './support/workflows.js';

interface Settings {
  variables: Record<string, { pattern: string; from: string; runs: string[] }>;
  environmentSecrets: Record<string, { from: string; runs: string[] }>;
}
const SETTINGS = JSON.parse(readFileSync(path.join(REPO_ROOT, 'scripts/ci/settings.json'), 'utf8')) as Settings;
const RUNS = ['release', 'deploy:dev', 'deploy:staging', 'deploy:prod', 'pull-request', 'drift'] as const;
const varsOf = (run: string) => Object.entries(SETTINGS.variables).filter(([, v]) => v.runs.includes(run)).map(([name]) => name);
/** The values a fork sets once ci-identity is applied. */
const GOOD = FORK_REPOSITORY_VARIABLES;
const role = (name: string) => `arn:aws:iam::${FORK_ACCOUNT}:role/hono-api-ci-${name}`;

const preflight = (run: string, values: Record<string, string | undefined>, extra: Record<string, string> = {}) => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_REPOSITORY: 'acme-corp/hono-eks-platform', ...extra };
  for (const [k, v] of Object.entries(values)) if (v !== undefined) env[k] = v;
  return runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/preflight.sh'), run], { timeoutMs: 30_000, env });
};

describe('preflight.sh', () => {
  it.each(RUNS)('%s: passes with every setting a fork sets', async (run) => {
    const r = await preflight(run, GOOD);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  });

  it.each(RUNS)('%s: names each missing variable, where it comes from and the command that sets it', async (run) => {
    const r = await preflight(run, {});
    expect(r.exitCode).toBe(1);
    for (const name of varsOf(run)) expect(r.stdout).toContain(`::error::the repository variable ${name} is not set; this run needs ${SETTINGS.variables[name]!.from}. Fix: gh variable set ${name} --repo acme-corp/hono-eks-platform`);
    expect(r.stdout).toMatch(/nothing was built, planned or applied/);
  });

  it('refuses a value that is set but wrong: another environment\'s deploy role, a role in the region field', async () => {
    const swapped = await preflight('deploy:prod', { ...GOOD, AWS_DEPLOY_ROLE_ARN_PROD: role('deploy-dev') });
    expect(swapped.exitCode).toBe(1);
    expect(swapped.stdout).toMatch(/AWS_DEPLOY_ROLE_ARN_PROD is 'arn:aws:iam::\d{12}:role\/hono-api-ci-deploy-dev', which is not the ci-identity output deploy_prod_role_arn/);
    const region = await preflight('drift', { ...GOOD, AWS_REGION: role('plan') });
    expect(region.stdout).toMatch(/AWS_REGION is 'arn:/);
  });

  it("an environment's secrets: checked when their names are given (ops check-config --github), else a notice that they come after the approval", async () => {
    const missing = await preflight('deploy:staging', GOOD, { ENVIRONMENT_SECRETS: 'OTHER' });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain('::error::the GitHub environment staging has no secret PLAN_AGE_IDENTITY: the private key of environments.staging.planRecipient: gh secret set PLAN_AGE_IDENTITY --env staging < staging-plan.key');
    expect((await preflight('release', GOOD, { ENVIRONMENT_SECRETS: 'PLAN_AGE_IDENTITY' })).exitCode).toBe(0);
    const workflow = await preflight('deploy:dev', GOOD);
    expect(workflow.stdout).toMatch(/::notice::the dev environment's secrets \(PLAN_AGE_IDENTITY\) are released only after the approval/);
  });

  it('refuses a run it does not know', async () => {
    expect((await preflight('deploy', GOOD)).exitCode).toBe(64);
  });
});

describe('the preflight in the workflows', () => {
  const workflows = loadWorkflows();

  it('every vars.X a workflow reads is a setting settings.json lists (the preflight cannot miss one), and each listed one is read', () => {
    const read = new Set(workflows.flatMap((wf) => expressionsIn(wf.text).flatMap((e) => [...e.matchAll(/\bvars\.([A-Z0-9_]+)/g)].map((m) => m[1]!))));
    read.delete('DEPLOYED_TARGETS'); // optional: empty means "nothing deployed yet" (scripts/ci/deployed.sh)
    expect([...read].sort()).toEqual(Object.keys(SETTINGS.variables).sort());
  });

  /** The preflight step of a job, the env it passes, and the steps before and after it. */
  function stepIn(file: string, jobId: string) {
    const steps = stepsOf(loadWorkflow(file).jobs[jobId]!);
    const at = steps.findIndex((s) => s.run?.includes('scripts/ci/preflight.sh'));
    return { at, step: steps[at], before: steps.slice(0, at), after: steps.slice(at + 1) };
  }
  const passes = (env: Record<string, unknown> | undefined, names: string[]) => {
    for (const name of names) expect(env?.[name], name).toBe(`\${{ vars.${name} }}`);
  };

  it('deploy.yml: in prepare, before the CI wait, the install and the synth, passing every deploy:<env> variable', () => {
    const { at, step, after } = stepIn('deploy.yml', 'prepare');
    expect(at).toBeGreaterThan(-1);
    expect(step?.run).toBe('bash scripts/ci/preflight.sh "$RUN"');
    expect(step?.env?.RUN).toBe('deploy:${{ steps.target.outputs.environment }}');
    passes(step?.env, [...new Set(['deploy:dev', 'deploy:staging', 'deploy:prod'].flatMap(varsOf))]);
    for (const later of ['wait-for-ci.sh', 'npm ci', 'npm run synth']) expect(after.some((s) => s.run?.includes(later)), later).toBe(true);
  });

  it('release.yml: the image job\'s first step after checkout, passing the release\'s and its prod deploy\'s variables', () => {
    const { at, step, before } = stepIn('release.yml', 'image');
    expect(before.map((s) => s.uses?.split('@')[0])).toEqual(['actions/checkout']);
    expect(at).toBe(1);
    expect(step?.run).toBe('bash scripts/ci/preflight.sh release');
    passes(step?.env, varsOf('release'));
    expect(varsOf('release')).toEqual(expect.arrayContaining(varsOf('deploy:prod')));
  });

  it('terraform-plan.yml: in the synth job before the install, for the purpose\'s run, once a target is deployed', () => {
    const { step, before } = stepIn('terraform-plan.yml', 'synth');
    expect(before.some((s) => s.run?.includes('npm ci'))).toBe(false);
    expect(step?.run).toContain('bash scripts/ci/preflight.sh "$PURPOSE"');
    expect(step?.run).toContain('bash scripts/ci/deployed.sh --is "$target"');
    // A plain assignment, so a jq failure stops the step instead of skipping the preflight.
    expect(step?.run).toContain('targets=$(jq -r \'.[]\' <<<"$TARGETS")');
    passes(step?.env, [...new Set([...varsOf('pull-request'), ...varsOf('drift')])]);
    // The purposes are exactly the preflight's run names.
    const callers = workflows.flatMap((wf) => jobsOf(wf).filter(({ job }) => String(job.uses ?? '').endsWith('terraform-plan.yml')).map(({ job }) => String(job.with?.purpose)));
    expect(callers.sort()).toEqual(['drift', 'pull-request']);
  });
});
