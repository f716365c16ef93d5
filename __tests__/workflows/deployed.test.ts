/**
 * Green on day one: scripts/ci/deployed.sh, run, and the pull-request plan and nightly drift jobs
 * skipping everything that needs a deployed target (the configuration check, the plan role, the
 * synth and the plan) until DEPLOYED_TARGETS names it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { loadWorkflow, stepsOf } from './support/workflows.js';

async function deployed(target: string, targets: string | undefined) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deployed-'));
  const output = path.join(dir, 'output');
  const summary = path.join(dir, 'summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/deployed.sh'), target], {
    env: { ...process.env, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, DEPLOYED_TARGETS: targets },
  });
  return { ...r, output: readFileSync(output, 'utf8').trim(), summary: readFileSync(summary, 'utf8') };
}

describe('deployed.sh', () => {
  it.each([
    ['dev', 'shared dev', 'true'],
    ['dev', 'shared,dev,staging', 'true'],
    ['staging', 'shared dev', 'false'],
    ['prod', '', 'false'],
    ['prod', undefined, 'false'],
    ['dev', 'development', 'false'],
  ])('%s with DEPLOYED_TARGETS=%j: deployed=%s', async (target, targets, answer) => {
    const r = await deployed(target, targets);
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe(`deployed=${answer}`);
    if (answer === 'false') expect(r.summary).toMatch(new RegExp(`${target} is not deployed yet[\\s\\S]*DEPLOYED_TARGETS`));
    else expect(r.summary).toBe('');
  });
});

describe('deployed.sh --is', () => {
  it.each([
    ['dev', 'shared dev', 0],
    ['dev', 'shared,dev', 0],
    ['staging', 'shared dev', 1],
    ['dev', '', 1],
  ])('%s with DEPLOYED_TARGETS=%j: exit %i, silently', async (target, targets, code) => {
    const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/deployed.sh'), '--is', target], { env: { ...process.env, DEPLOYED_TARGETS: targets, GITHUB_OUTPUT: '' } });
    expect(r.exitCode).toBe(code);
    expect(r.stdout + r.stderr).toBe('');
  });
});

describe('terraform-plan.yml (plan.yml and drift.yml)', () => {
  const steps = stepsOf(loadWorkflow('terraform-plan.yml').jobs.plan!);
  const gate = "steps.deployed.outputs.deployed == 'true'";
  const needsDeployment = (s: (typeof steps)[number]) =>
    s.uses?.includes('configure-aws-credentials') || s.uses?.includes('download-artifact') || /npm ci|plan-stacks\.sh/.test(s.run ?? '');

  it('decides first, then downloads the stacks, takes a plan role and plans only for a deployed target', () => {
    const decide = steps.findIndex((s) => s.id === 'deployed');
    expect(steps[decide]?.run).toBe('bash scripts/ci/deployed.sh "$TARGET"');
    expect(steps[decide]?.env).toEqual({ TARGET: '${{ matrix.target }}', DEPLOYED_TARGETS: '${{ vars.DEPLOYED_TARGETS }}' });
    const gated = steps.filter(needsDeployment);
    expect(gated.length).toBe(5);
    for (const s of gated) {
      expect(steps.indexOf(s)).toBeGreaterThan(decide);
      expect(s.if?.startsWith(gate), `${s.name ?? s.uses}: if ${s.if}`).toBe(true);
    }
  });
});

describe('deploy.yml: a push deploys only an environment that was deployed before', () => {
  const step = stepsOf(loadWorkflow('deploy.yml').jobs.prepare!).find((s) => s.id === 'deployed')!;

  async function decide(event: string, targets: string, ref = 'refs/heads/main') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-gate-'));
    const output = path.join(dir, 'output');
    const summary = path.join(dir, 'summary');
    writeFileSync(output, '');
    writeFileSync(summary, '');
    const r = await runCommand('bash', ['-ec', step.run!], {
      cwd: REPO_ROOT,
      env: { ...process.env, EVENT: event, GITHUB_REF: ref, DEPLOYED_TARGETS: targets, TARGET_ENVIRONMENT: 'dev', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    return { go: readFileSync(output, 'utf8').trim(), summary: readFileSync(summary, 'utf8') };
  }

  it('a push for an undeployed dev stops, green, with a note saying how to start; once deployed, a push deploys', async () => {
    const first = await decide('push', 'shared');
    expect(first.go).toBe('go=false');
    expect(first.summary).toMatch(/dev is not deployed yet, so a push does not deploy it\. Start its first deployment with Run workflow/);
    expect((await decide('push', 'shared dev')).go).toBe('go=true');
  });

  it('a dispatch, or a release calling it, always goes ahead: that is how a first deployment starts', async () => {
    expect((await decide('workflow_dispatch', '')).go).toBe('go=true');
    // A tag push runs release.yml, which calls deploy.yml with the caller's event: a push, of a tag.
    expect((await decide('push', '', 'refs/tags/v1.0.0')).go).toBe('go=true');
    expect((await decide('push', '')).go).toBe('go=false');
  });

  it('every later step of the prepare job, and the plan job, run only when it goes ahead', () => {
    const deploy = loadWorkflow('deploy.yml');
    const steps = stepsOf(deploy.jobs.prepare!);
    const after = steps.slice(steps.findIndex((s) => s.id === 'deployed') + 1);
    expect(after.length).toBeGreaterThan(5);
    // The preflight, the deploy role and the CI wait first; then (for pushes to main) whether the commit
    // is still main's tip, after that possibly long wait; every step after it also needs main's tip.
    const tip = after.findIndex((s) => s.id === 'tip');
    expect(after.slice(0, tip).map((s) => s.id ?? s.run?.split(' ').slice(0, 2).join(' '))).toEqual(['bash scripts/ci/preflight.sh', 'role', 'bash scripts/ci/wait-for-ci.sh']);
    for (const s of after.slice(0, tip)) expect(s.if, s.name).toBe("steps.deployed.outputs.go == 'true'");
    expect(after[tip]!.if).toBe("steps.deployed.outputs.go == 'true' && github.event_name == 'push' && github.ref == 'refs/heads/main'");
    for (const s of after.slice(tip + 1)) expect(s.if, s.name ?? s.uses).toBe("steps.deployed.outputs.go == 'true' && steps.tip.outputs.tip != 'false'");
    expect(deploy.jobs.prepare!.outputs?.go).toBe("${{ steps.deployed.outputs.go == 'true' && steps.tip.outputs.tip != 'false' }}");
    expect(deploy.jobs.plan!.if).toMatch(/^needs\.prepare\.outputs\.go == 'true' && /);
  });
});
