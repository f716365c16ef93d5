/**
 * The deploy workflow's plan hand-over, run for real: scripts/ci/plan-stacks.sh against a fake
 * `terraform` on PATH (it writes a plan file per stack), scripts/ci/seal-plans.sh with the real
 * openssl and tar, and the plan report. What the approver sees (each plan file's SHA-256) is what
 * the apply job checks; a plan file changed in between is refused before anything is applied, and
 * the artifact never carries plan.json or plan.txt, and is unreadable without the key.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { readStackPlan } from '../../scripts/ci/plan-report/cli.js';
import { renderReport } from '../../scripts/ci/plan-report/summary.js';

const STACKS = ['network-dev', 'app-dev'];
const KEY = 'correct horse battery staple';

/** A terraform that plans "changes" and writes a distinct plan file per stack directory. */
const FAKE_TERRAFORM = `#!/usr/bin/env bash
dir=\${1#-chdir=}; shift
case "$1" in
  init) exit 0 ;;
  plan) echo "plan of $dir" > "$dir/tfplan"; echo "Plan: 1 to add"; exit 2 ;;
  show) if [[ "$2" == "-json" ]]; then echo '{"resource_changes":[{"address":"a.b","change":{"actions":["create"]},"values":{"password":"s3cret"}}]}'; else echo "+ a.b (password: s3cret)"; fi ;;
esac
`;

let work: string;
let env: NodeJS.ProcessEnv;
const stacksDir = () => path.join(work, 'cdktf.out', 'stacks');
const sh = (script: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
  runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci', script), ...args], { cwd: work, env: { ...env, ...extra }, timeoutMs: 60_000 });

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'seal-plans-'));
  const bin = path.join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'terraform'), FAKE_TERRAFORM);
  chmodSync(path.join(bin, 'terraform'), 0o755);
  for (const stack of STACKS) {
    mkdirSync(path.join(stacksDir(), stack, 'assets'), { recursive: true });
    writeFileSync(path.join(stacksDir(), stack, 'cdk.tf.json'), '{}');
    writeFileSync(path.join(stacksDir(), stack, '.terraform.lock.hcl'), '# lock');
    writeFileSync(path.join(stacksDir(), stack, 'assets', 'chart.tgz'), 'chart');
  }
  env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, GITHUB_OUTPUT: undefined };
  const planned = await sh('plan-stacks.sh', ['--lock', ...STACKS]);
  expect(planned.exitCode, planned.stdout + planned.stderr).toBe(2);
});

const sha = async (file: string) => (await runCommand('sha256sum', [file])).stdout.split(' ')[0]!;

describe('the plan hand-over between the plan job and the approved apply job', () => {
  it('plan-stacks.sh records each plan file\'s SHA-256, and the report shows it to the approver', async () => {
    for (const stack of STACKS) {
      const recorded = readFileSync(path.join(stacksDir(), stack, 'plan.sha256'), 'utf8').trim();
      expect(recorded).toBe(await sha(path.join(stacksDir(), stack, 'tfplan')));
      const report = renderReport({ marker: '<!-- m -->', title: 't', stacks: [readStackPlan(stacksDir(), stack)] });
      expect(report).toContain(`\`${recorded}\``);
    }
  });

  let digests: string;
  it('seal prints the digests and writes an archive that is encrypted and carries no plan.json or plan.txt', async () => {
    const sealed = await sh('seal-plans.sh', ['seal', path.join(work, 'plans.tar.enc'), ...STACKS], { PLAN_ENCRYPTION_KEY: KEY });
    expect(sealed.exitCode, sealed.stderr).toBe(0);
    digests = sealed.stdout.trim().split('\n').join(' ');
    expect(digests).toBe((await Promise.all(STACKS.map(async (s) => `${s}=${await sha(path.join(stacksDir(), s, 'tfplan'))}`))).join(' '));
    const archive = readFileSync(path.join(work, 'plans.tar.enc'));
    expect(archive.includes(Buffer.from('s3cret'))).toBe(false);
    expect(archive.includes(Buffer.from('plan of'))).toBe(false);
    const listing = await runCommand('bash', ['-c', `openssl enc -d -aes-256-cbc -pbkdf2 -iter 200000 -pass env:PLAN_ENCRYPTION_KEY -in plans.tar.enc | tar -tf -`], { cwd: work, env: { ...env, PLAN_ENCRYPTION_KEY: KEY } });
    const files = listing.stdout.split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['network-dev/tfplan', 'network-dev/cdk.tf.json', 'network-dev/.terraform.lock.hcl', 'app-dev/assets/chart.tgz']));
    expect(files.filter((f) => /plan\.(json|txt)$|\.log$|\.terraform\//.test(f))).toEqual([]);
  });

  it('open restores exactly the reviewed plans when the digests match', async () => {
    const target = path.join(work, 'apply');
    const opened = await sh('seal-plans.sh', ['open', path.join(work, 'plans.tar.enc'), ...STACKS], { PLAN_ENCRYPTION_KEY: KEY, EXPECTED_PLAN_DIGESTS: digests, STACKS_DIR: target });
    expect(opened.exitCode, opened.stderr).toBe(0);
    for (const stack of STACKS) expect(readFileSync(path.join(target, stack, 'tfplan'), 'utf8')).toBe(`plan of cdktf.out/stacks/${stack}\n`);
  });

  it('open refuses a plan file that changed after the approver saw its digest, and leaves no plan to apply', async () => {
    writeFileSync(path.join(stacksDir(), 'app-dev', 'tfplan'), 'a different plan\n');
    const resealed = await sh('seal-plans.sh', ['seal', path.join(work, 'tampered.tar.enc'), ...STACKS], { PLAN_ENCRYPTION_KEY: KEY });
    expect(resealed.exitCode).toBe(0);
    const target = path.join(work, 'apply-tampered');
    const opened = await sh('seal-plans.sh', ['open', path.join(work, 'tampered.tar.enc'), ...STACKS], { PLAN_ENCRYPTION_KEY: KEY, EXPECTED_PLAN_DIGESTS: digests, STACKS_DIR: target });
    expect(opened.exitCode).toBe(1);
    expect(opened.stdout + opened.stderr).toMatch(/app-dev: the plan file's SHA-256 is [0-9a-f]{64}, not [0-9a-f]{64}, the one the approver saw/);
    for (const stack of STACKS) expect(existsSync(path.join(target, stack, 'tfplan'))).toBe(false);
    const apply = await sh('apply-stacks.sh', STACKS, { STACKS_DIR: target });
    expect(apply.exitCode).toBe(1);
  });

  it('open refuses without the recorded digests, and with the wrong key', async () => {
    const none = await sh('seal-plans.sh', ['open', path.join(work, 'plans.tar.enc'), ...STACKS], { PLAN_ENCRYPTION_KEY: KEY, STACKS_DIR: path.join(work, 'x') });
    expect(none.exitCode).toBe(1);
    const wrong = await sh('seal-plans.sh', ['open', path.join(work, 'plans.tar.enc'), ...STACKS], { PLAN_ENCRYPTION_KEY: 'guess', EXPECTED_PLAN_DIGESTS: digests, STACKS_DIR: path.join(work, 'y') });
    expect(wrong.exitCode).not.toBe(0);
  });

  it('without PLAN_ENCRYPTION_KEY, says how to create it and seals nothing', async () => {
    const r = await sh('seal-plans.sh', ['seal', path.join(work, 'nokey.tar.enc'), ...STACKS], { PLAN_ENCRYPTION_KEY: '' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/PLAN_ENCRYPTION_KEY is not set[\s\S]*gh secret set PLAN_ENCRYPTION_KEY/);
    expect(existsSync(path.join(work, 'nokey.tar.enc'))).toBe(false);
  });
});
