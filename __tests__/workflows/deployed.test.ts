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

describe.each(['plan.yml', 'drift.yml'])('%s', (file) => {
  const wf = loadWorkflow(file);
  const job = Object.values(wf.jobs)[0]!;
  const steps = stepsOf(job);
  const gate = "steps.deployed.outputs.deployed == 'true'";
  const needsDeployment = (s: (typeof steps)[number]) =>
    s.uses?.includes('configure-aws-credentials') || /check-config|npm run synth|plan-stacks\.sh/.test(s.run ?? '');

  it('decides first, then runs the configuration check, the plan role, the synth and the plan only for a deployed target', () => {
    const decide = steps.findIndex((s) => s.id === 'deployed');
    expect(steps[decide]?.run).toBe('bash scripts/ci/deployed.sh "$TARGET"');
    expect(steps[decide]?.env).toEqual({ TARGET: '${{ matrix.target }}', DEPLOYED_TARGETS: '${{ vars.DEPLOYED_TARGETS }}' });
    const gated = steps.filter(needsDeployment);
    expect(gated.length).toBe(4);
    for (const s of gated) {
      expect(steps.indexOf(s)).toBeGreaterThan(decide);
      expect([s.name ?? s.uses, s.if]).toEqual([s.name ?? s.uses, gate]);
    }
  });
});
