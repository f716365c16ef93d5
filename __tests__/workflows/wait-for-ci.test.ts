/**
 * scripts/ci/wait-for-ci.sh, run against a fake `gh` that answers the CI workflow's runs for a
 * commit from a script of answers (one per call): deploys and releases go ahead only once CI
 * passed on the very commit, and fail closed on anything else.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { loadWorkflow, stepsOf } from './support/workflows.js';

const SHA = 'c'.repeat(40);

/** Runs the script with gh answering `answers` in turn (the last one repeats); "" is "no run yet". */
async function wait(answers: string[], timeout = 5) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wait-ci-'));
  answers.forEach((a, i) => writeFileSync(path.join(dir, `answer-${i}`), a));
  writeFileSync(
    path.join(dir, 'gh'),
    `#!/usr/bin/env bash\n[[ "$2" == "repos/acme-corp/hono-eks-platform/actions/workflows/ci.yml/runs?head_sha=${SHA}&per_page=1" ]] || { echo "unexpected: $*" >&2; exit 1; }\nn=$(cat "${dir}/calls" 2>/dev/null || echo 0); echo $((n+1)) > "${dir}/calls"\nf="${dir}/answer-$n"; [[ -f "$f" ]] || f="${dir}/answer-${answers.length - 1}"; cat "$f"\n`,
  );
  chmodSync(path.join(dir, 'gh'), 0o755);
  const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/wait-for-ci.sh'), SHA], {
    timeoutMs: 30_000,
    env: { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}`, GITHUB_REPOSITORY: 'acme-corp/hono-eks-platform', WAIT_FOR_CI_TIMEOUT: String(timeout), WAIT_FOR_CI_INTERVAL: '1' },
  });
  return { ...r, output: `${r.stdout}\n${r.stderr}` };
}

describe('wait-for-ci.sh', () => {
  it('waits while CI runs, then goes ahead when it passed', async () => {
    const r = await wait(['in_progress - https://x/1', 'completed success https://x/1']);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(/CI on c+: in_progress; waiting 1 s[\s\S]*CI passed on c+/);
  });

  it.each(['failure', 'cancelled', 'timed_out', 'skipped'])('stops when CI concluded %s', async (conclusion) => {
    const r = await wait([`completed ${conclusion} https://x/2`]);
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(new RegExp(`CI concluded '${conclusion}'`));
  });

  it('stops when CI never ran on the commit (a tag pushed on a commit main never had)', async () => {
    const r = await wait([''], 1);
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(/not started after 1 s/);
  });

  it('refuses something that is not a commit sha', async () => {
    const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/wait-for-ci.sh'), 'main'], { env: { ...process.env, GITHUB_REPOSITORY: 'a/b' } });
    expect(r.exitCode).toBe(64);
  });

  it('gates the deploy (its first job, which the plan and apply need) and the release image jobs before anything else of theirs runs', () => {
    expect(loadWorkflow('deploy.yml').jobs.plan!.needs).toBe('prepare');
    for (const [file, job] of [['deploy.yml', 'prepare'], ['release.yml', 'image']] as const) {
      const steps = stepsOf(loadWorkflow(file).jobs[job]!);
      const gate = steps.findIndex((s) => s.run === 'bash scripts/ci/wait-for-ci.sh "$GITHUB_SHA"');
      expect(gate, `${file}#${job}`).toBeGreaterThan(-1);
      const firstWork = steps.findIndex((s, i) => i > gate && (s.uses?.includes('configure-aws-credentials') || s.uses?.includes('build-push-action') || s.run?.includes('npm ci')));
      expect(firstWork, `${file}#${job}`).toBeGreaterThan(gate);
    }
  });
});
