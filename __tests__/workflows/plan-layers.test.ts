/**
 * Layer-by-layer deploys, run: scripts/ci/plan-stacks.sh --until-change against a fake `terraform`
 * that reports changes for the stacks named in FAKE_CHANGED (exit 2, as the real one does only under
 * -detailed-exitcode). After the first stack with changes the
 * later ones are not planned (they would be planned from stale lookups, or fail on a first
 * deployment) and the report says they come in the next run; deploy.yml applies only what it planned.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStackPlan } from '../../scripts/ci/plan-report/cli.js';
import { renderReport } from '../../scripts/ci/plan-report/summary.js';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { loadWorkflow, stepsOf } from './support/workflows.js';

const LAYERS = ['network-dev', 'cluster-dev', 'platform-dev', 'app-dev'];

async function plan(args: string[], changed: string[]) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'plan-layers-'));
  mkdirSync(path.join(work, 'bin'));
  writeFileSync(
    path.join(work, 'bin', 'terraform'),
    `#!/usr/bin/env bash\ndir=\${1#-chdir=}; shift\ncase "$1" in\n  init) exit 0 ;;\n  plan) echo "plan of $dir" > "$dir/tfplan"; echo "$dir" >> "${work}/planned"; echo "$*" >> "${work}/plan-args"; [[ " $FAKE_CHANGED " == *" $(basename "$dir") "* && " $* " == *" -detailed-exitcode "* ]] && exit 2; exit 0 ;;\n  show) [[ "$2" == "-json" ]] && echo '{"resource_changes":[]}' || echo "plan text" ;;\nesac\n`,
  );
  chmodSync(path.join(work, 'bin', 'terraform'), 0o755);
  for (const stack of LAYERS) {
    mkdirSync(path.join(work, 'cdktf.out', 'stacks', stack), { recursive: true });
    writeFileSync(path.join(work, 'cdktf.out', 'stacks', stack, 'cdk.tf.json'), '{}');
  }
  const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/plan-stacks.sh'), ...args, ...LAYERS], {
    cwd: work,
    timeoutMs: 60_000,
    env: { ...process.env, PATH: `${path.join(work, 'bin')}${path.delimiter}${process.env.PATH}`, FAKE_CHANGED: changed.join(' ') },
  });
  const stacksDir = path.join(work, 'cdktf.out', 'stacks');
  const planned = existsSync(path.join(work, 'planned')) ? readFileSync(path.join(work, 'planned'), 'utf8').trim().split('\n').map((d) => path.basename(d)) : [];
  const planArgs = existsSync(path.join(work, 'plan-args')) ? readFileSync(path.join(work, 'plan-args'), 'utf8').trim().split('\n') : [];
  return { ...r, stacksDir, planned, planArgs, hasPlan: (s: string) => existsSync(path.join(stacksDir, s, 'tfplan')) };
}

describe('plan-stacks.sh --until-change', () => {
  it('stops planning after the first layer with changes; the later layers are deferred, with no plan file', async () => {
    const r = await plan(['--lock', '--until-change'], ['cluster-dev', 'app-dev']);
    expect(r.exitCode).toBe(2);
    expect(r.planned).toEqual(['network-dev', 'cluster-dev']);
    expect(LAYERS.map(r.hasPlan)).toEqual([true, true, false, false]);
    for (const stack of ['platform-dev', 'app-dev']) {
      expect(readFileSync(path.join(r.stacksDir, stack, 'plan.exitcode'), 'utf8').trim()).toBe('deferred');
      expect(readStackPlan(r.stacksDir, stack).status).toBe('deferred');
    }
    const report = renderReport({ marker: '<!-- m -->', title: 't', stacks: LAYERS.map((s) => readStackPlan(r.stacksDir, s)) });
    expect(report).toMatch(/`platform-dev` \| ⏭ planned in the next run/);
  });

  it('plans every layer when nothing changes, and without the flag (pull requests, drift) always', async () => {
    expect((await plan(['--lock', '--until-change'], [])).planned).toEqual(LAYERS);
    const all = await plan([], ['network-dev']);
    expect(all.planned).toEqual(LAYERS);
    expect(all.exitCode).toBe(2);
  });

  it('--no-refresh (pull requests) plans without refresh and without the lock; --lock (deploy) refreshes and waits for the lock', async () => {
    const pr = await plan(['--no-refresh'], []);
    expect(pr.planArgs).toHaveLength(LAYERS.length);
    for (const args of pr.planArgs) expect(args.split(' ')).toEqual(expect.arrayContaining(['-refresh=false', '-lock=false', '-out=tfplan']));
    for (const args of (await plan(['--lock'], [])).planArgs) {
      expect(args).toContain('-lock-timeout=10m');
      expect(args).not.toMatch(/-refresh=false|-lock=false/);
    }
    for (const args of (await plan([], [])).planArgs) expect(args).not.toContain('-refresh=false');
  });

  it('reports changes with exit code 2 (what the drift check keys on); a failed stack with 1', async () => {
    const changed = await plan([], ['cluster-dev']);
    expect(changed.exitCode).toBe(2);
    expect(readFileSync(path.join(changed.stacksDir, 'cluster-dev', 'plan.exitcode'), 'utf8').trim()).toBe('2');
    expect(readFileSync(path.join(changed.stacksDir, 'network-dev', 'plan.exitcode'), 'utf8').trim()).toBe('0');
  });

  it('refuses an unknown option', async () => {
    expect((await plan(['--untill-change'], [])).exitCode).toBe(64);
  });

  it("deploy.yml plans with --until-change and hands only the planned stacks to the seal and the apply job", () => {
    const deploy = loadWorkflow('deploy.yml');
    const planJob = deploy.jobs.plan!;
    const planStep = stepsOf(planJob).find((s) => s.id === 'plan')!;
    expect(planStep.run).toMatch(/plan-stacks\.sh --lock --until-change/);
    expect(planJob.outputs?.stacks).toBe('${{ steps.plan.outputs.planned }}');
    expect(stepsOf(planJob).find((s) => s.id === 'seal')?.env?.STACK_IDS).toBe('${{ steps.plan.outputs.planned }}');
    const applyStep = stepsOf(deploy.jobs.apply!).find((s) => s.run?.includes('apply-stacks.sh'));
    expect(applyStep?.env?.STACK_IDS).toBe('${{ needs.plan.outputs.stacks }}');
  });

  it("deploy.yml's apply step, run as written, applies every planned stack's saved plan, in order", async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'apply-step-'));
    mkdirSync(path.join(work, 'bin'));
    writeFileSync(path.join(work, 'bin', 'terraform'), `#!/usr/bin/env bash\n[[ "$2" == apply ]] && echo "\${1#-chdir=} $*" >> "${work}/applied"; exit 0\n`);
    chmodSync(path.join(work, 'bin', 'terraform'), 0o755);
    const planned = ['network-dev', 'cluster-dev', 'platform-dev'];
    for (const stack of planned) {
      mkdirSync(path.join(work, 'cdktf.out', 'stacks', stack), { recursive: true });
      writeFileSync(path.join(work, 'cdktf.out', 'stacks', stack, 'tfplan'), 'saved');
      writeFileSync(path.join(work, 'cdktf.out', 'stacks', stack, 'cdk.tf.json'), '{}');
    }
    const step = stepsOf(loadWorkflow('deploy.yml').jobs.apply!).find((s) => s.run?.includes('apply-stacks.sh'))!;
    const scripts = path.join(work, 'scripts', 'ci');
    mkdirSync(scripts, { recursive: true });
    for (const file of ['apply-stacks.sh', 'check-stack-code.sh']) writeFileSync(path.join(scripts, file), readFileSync(path.join(REPO_ROOT, 'scripts/ci', file)));
    mkdirSync(path.join(work, 'tools'));
    writeFileSync(path.join(work, 'tools', 'versions.json'), readFileSync(path.join(REPO_ROOT, 'tools/versions.json')));
    const r = await runCommand('bash', ['-e', '-c', step.run!], {
      cwd: work,
      env: { ...process.env, PATH: `${path.join(work, 'bin')}${path.delimiter}${process.env.PATH}`, STACK_IDS: planned.join(' ') },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const applied = readFileSync(path.join(work, 'applied'), 'utf8').trim().split('\n');
    expect(applied.map((line) => path.basename(line.split(' ')[0]!))).toEqual(planned);
    for (const line of applied) expect(line).toMatch(/ apply .*\btfplan$/);
  });
});
