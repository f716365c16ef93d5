/**
 * The deploy workflow's plan hand-over, run for real: scripts/ci/plan-stacks.sh against a fake
 * `terraform` on PATH (it writes a plan file per stack), scripts/ci/seal-plans.sh with the real
 * age (tools/versions.json) and tar, and the plan report. What the approver sees (the sealed
 * archive's and each plan file's SHA-256) is what the apply job checks; any byte changed in between,
 * or an archive sealed to another environment's key, is refused before anything is applied, and the
 * artifact never carries plan.json or plan.txt, and is unreadable without the environment's key.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT, toolchain } from '../../tools/toolchain.js';
import { readStackPlan } from '../../scripts/ci/plan-report/cli.js';
import { renderReport } from '../../scripts/ci/plan-report/summary.js';

const STACKS = ['network-dev', 'app-dev'];

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
  // age on PATH as the workflows install it (go install, tools/versions.json's version).
  env = { ...process.env, PATH: [bin, path.dirname(toolchain().bin('age')), process.env.PATH].join(path.delimiter), GITHUB_OUTPUT: undefined };
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

  /** A fresh age key pair for an environment: [public key, private key file's text]. */
  const keyPair = async (): Promise<[string, string]> => {
    const r = await runCommand(toolchain().bin('age-keygen'), []);
    const recipient = /public key: (age1\w+)/.exec(r.stdout + r.stderr)![1]!;
    return [recipient, r.stdout];
  };
  let dev: [string, string];
  let prod: [string, string];
  let digests: string;
  let archiveDigest: string;
  const open = (file: string, target: string, extra: NodeJS.ProcessEnv = {}) =>
    sh('seal-plans.sh', ['open', file, ...STACKS], { PLAN_AGE_IDENTITY: dev[1], EXPECTED_ARCHIVE_DIGEST: archiveDigest, EXPECTED_PLAN_DIGESTS: digests, STACKS_DIR: path.join(work, target), ...extra });

  it('seal prints the digests and writes an archive that is encrypted to the environment and carries no plan.json or plan.txt', async () => {
    [dev, prod] = [await keyPair(), await keyPair()];
    const sealed = await sh('seal-plans.sh', ['seal', path.join(work, 'plans.tar.age'), dev[0], ...STACKS]);
    expect(sealed.exitCode, sealed.stderr).toBe(0);
    const [archive, ...stacks] = sealed.stdout.trim().split('\n');
    archiveDigest = archive!.replace(/^archive=/, '');
    expect(archiveDigest).toBe(await sha(path.join(work, 'plans.tar.age')));
    digests = stacks.join(' ');
    expect(digests).toBe((await Promise.all(STACKS.map(async (s) => `${s}=${await sha(path.join(stacksDir(), s, 'tfplan'))}`))).join(' '));
    const bytes = readFileSync(path.join(work, 'plans.tar.age'));
    expect(bytes.subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    expect(bytes.includes(Buffer.from('s3cret'))).toBe(false);
    expect(bytes.includes(Buffer.from('plan of'))).toBe(false);
    const identity = path.join(work, 'dev.key');
    writeFileSync(identity, dev[1]);
    const listing = await runCommand('bash', ['-c', `"$AGE" -d -i dev.key plans.tar.age | tar -tf -`], { cwd: work, env: { ...env, AGE: toolchain().bin('age') } });
    const files = listing.stdout.split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['network-dev/tfplan', 'network-dev/cdk.tf.json', 'network-dev/.terraform.lock.hcl', 'app-dev/assets/chart.tgz']));
    expect(files.filter((f) => /plan\.(json|txt)$|\.log$|\.terraform\//.test(f))).toEqual([]);
  });

  it('open restores exactly the reviewed plans when the archive and plan digests match and the key is the environment\'s', async () => {
    const opened = await open(path.join(work, 'plans.tar.age'), 'apply');
    expect(opened.exitCode, opened.stderr).toBe(0);
    for (const stack of STACKS) {
      expect(readFileSync(path.join(work, 'apply', stack, 'tfplan'), 'utf8')).toBe(`plan of cdktf.out/stacks/${stack}\n`);
      expect(readFileSync(path.join(work, 'apply', stack, 'assets', 'chart.tgz'), 'utf8')).toBe('chart');
    }
  });

  it('open refuses the archive with any byte changed: by the recorded digest before decrypting, and by age when the digest is forged too', async () => {
    const original = readFileSync(path.join(work, 'plans.tar.age'));
    // The header, the first payload chunk (the chart's values live in the assets), the last byte.
    for (const at of [30, Math.floor(original.length / 2), original.length - 1]) {
      const tampered = Buffer.from(original);
      tampered[at] = tampered[at]! ^ 0x01;
      const file = path.join(work, `tampered-${at}.tar.age`);
      writeFileSync(file, tampered);
      const byDigest = await open(file, `t-${at}-a`);
      expect(byDigest.exitCode, `byte ${at}`).toBe(1);
      expect(byDigest.stderr).toMatch(/sealed plans' SHA-256 is [0-9a-f]{64}, not [0-9a-f]{64}/);
      const byAge = await open(file, `t-${at}-b`, { EXPECTED_ARCHIVE_DIGEST: await sha(file) });
      expect(byAge.exitCode, `byte ${at}`).toBe(1);
      expect(byAge.stderr).toMatch(/cannot be opened with this environment's PLAN_AGE_IDENTITY/);
      for (const stack of STACKS) expect(existsSync(path.join(work, `t-${at}-b`, stack, 'tfplan'))).toBe(false);
    }
  });

  it('the broken twin: the previous AES-CBC seal without a MAC opened an archive with a byte changed (the finding)', async () => {
    const cbc = path.join(work, 'plans.tar.enc');
    await runCommand('bash', ['-c', `tar -C cdktf.out/stacks -cf - ${STACKS.join(' ')} | openssl enc -aes-256-cbc -pbkdf2 -iter 1000 -salt -pass pass:k -out plans.tar.enc`], { cwd: work });
    const bytes = readFileSync(cbc);
    bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0x01; // garbles one block of the tar's zero padding, the next one's bits flip as chosen
    writeFileSync(cbc, bytes);
    const r = await runCommand('bash', ['-c', 'openssl enc -d -aes-256-cbc -pbkdf2 -iter 1000 -pass pass:k -in plans.tar.enc | tar -tf - >/dev/null'], { cwd: work });
    expect(r.exitCode).toBe(0);
  });

  it('open refuses an archive sealed to another environment\'s key, even with its digest recorded', async () => {
    const file = path.join(work, 'prod.tar.age');
    const sealed = await sh('seal-plans.sh', ['seal', file, prod[0], ...STACKS]);
    expect(sealed.exitCode).toBe(0);
    const r = await open(file, 'other-key', { EXPECTED_ARCHIVE_DIGEST: await sha(file) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot be opened with this environment's PLAN_AGE_IDENTITY/);
  });

  it('open refuses a plan file that changed after the approver saw its digest (resealed with the public key), and leaves no plan to apply', async () => {
    writeFileSync(path.join(stacksDir(), 'app-dev', 'tfplan'), 'a different plan\n');
    const file = path.join(work, 'resealed.tar.age');
    expect((await sh('seal-plans.sh', ['seal', file, dev[0], ...STACKS])).exitCode).toBe(0);
    const byArchive = await open(file, 'apply-resealed');
    expect(byArchive.exitCode).toBe(1);
    const byPlan = await open(file, 'apply-resealed', { EXPECTED_ARCHIVE_DIGEST: await sha(file) });
    expect(byPlan.exitCode).toBe(1);
    expect(byPlan.stderr).toMatch(/app-dev: the plan file's SHA-256 is [0-9a-f]{64}, not [0-9a-f]{64}, the one the approver saw/);
    for (const stack of STACKS) expect(existsSync(path.join(work, 'apply-resealed', stack, 'tfplan'))).toBe(false);
    const apply = await sh('apply-stacks.sh', STACKS, { STACKS_DIR: path.join(work, 'apply-resealed') });
    expect(apply.exitCode).toBe(1);
  });

  it('open refuses without the recorded digests or without the key, naming the secret; seal refuses a recipient that is not an age key', async () => {
    const file = path.join(work, 'plans.tar.age');
    expect((await open(file, 'x1', { EXPECTED_ARCHIVE_DIGEST: '' })).exitCode).toBe(1);
    expect((await open(file, 'x2', { EXPECTED_PLAN_DIGESTS: '' })).exitCode).toBe(1);
    const nokey = await open(file, 'x3', { PLAN_AGE_IDENTITY: '' });
    expect(nokey.exitCode).toBe(1);
    expect(nokey.stderr).toMatch(/PLAN_AGE_IDENTITY is not set[\s\S]*gh secret set PLAN_AGE_IDENTITY --env/);
    const r = await sh('seal-plans.sh', ['seal', path.join(work, 'nokey.tar.age'), '', ...STACKS]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/not an age public key[\s\S]*planRecipient/);
    expect(existsSync(path.join(work, 'nokey.tar.age'))).toBe(false);
  });
});
