/**
 * scripts/ci/main-tip.sh against a fake `gh` answering the branch ref: GitHub does not order queued
 * runs, so a push's deploy goes ahead only while its commit is main's tip, checked before the plan
 * and again after the approval (deploy.yml). Three quick merges: only the newest deploys.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { loadWorkflow, stepsOf } from './support/workflows.js';

const REPO = 'acme-corp/hono-eks-platform';
const [A, B, C] = ['a', 'b', 'c'].map((x) => x.repeat(40)) as [string, string, string];
let bin: string;
beforeAll(() => {
  bin = mkdtempSync(path.join(os.tmpdir(), 'main-tip-'));
  // `gh api repos/<repo>/git/ref/heads/<branch> --jq .object.sha` → $FAKE_TIP, or a 404 when it is empty.
  writeFileSync(
    path.join(bin, 'gh'),
    `#!/usr/bin/env bash\n[[ "$1 $2" == "api repos/${REPO}/git/ref/heads/main" && -n "$FAKE_TIP" ]] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }\necho "$FAKE_TIP"\n`,
  );
  chmodSync(path.join(bin, 'gh'), 0o755);
});

async function tipCheck(sha: string, tip: string) {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'main-tip-out-')), 'out');
  writeFileSync(out, '');
  const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/main-tip.sh'), sha], {
    timeoutMs: 30_000,
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, GITHUB_REPOSITORY: REPO, MAIN_BRANCH: 'main', FAKE_TIP: tip, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: '' },
  });
  return { ...r, output: readFileSync(out, 'utf8').trim() };
}

describe('main-tip.sh', () => {
  it('three quick merges: the deploys of A and B are skipped whatever order they run in; C deploys', async () => {
    for (const sha of [B, A]) {
      const r = await tipCheck(sha, C);
      expect(r.exitCode).toBe(0);
      expect(r.output).toBe('tip=false');
      expect(r.stdout).toMatch(new RegExp(`::notice::${sha} is no longer the tip of main \\(${C} is\\)`));
    }
    expect((await tipCheck(C, C)).output).toBe('tip=true');
  });

  it('fails when the branch cannot be read, and refuses a sha that is not one', async () => {
    const r = await tipCheck(A, '');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot read the tip of main/);
    expect((await tipCheck('main', C)).exitCode).toBe(64);
  });

  it('deploy.yml asks before planning (prepare) and again after the approval (apply), for pushes to main only', () => {
    const deploy = loadWorkflow('deploy.yml');
    for (const job of ['prepare', 'apply'] as const) {
      const steps = stepsOf(deploy.jobs[job]!);
      const at = steps.findIndex((s) => s.id === 'tip');
      expect(steps[at]?.run, job).toBe('bash scripts/ci/main-tip.sh "$GITHUB_SHA"');
      expect(steps[at]?.if, job).toMatch(/github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'$/);
      expect(steps[at]?.env?.MAIN_BRANCH).toBe('main');
    }
    // In the apply job every step after the check is skipped once the commit is no longer the tip.
    const apply = stepsOf(deploy.jobs.apply!);
    for (const s of apply.slice(apply.findIndex((x) => x.id === 'tip') + 1)) expect(s.if, s.name ?? s.uses).toMatch(/^steps\.tip\.outputs\.tip != 'false'/);
  });
});
