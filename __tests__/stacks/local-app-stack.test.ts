/**
 * The app stack through the real Terraform Helm provider, into the suite's Kubernetes API
 * (__tests__/support/cluster-setup.ts): `ENVIRONMENTS=local` synthesises app-local exactly as
 * `npm run synth` does, then the toolchain's terraform applies it, applies it again with a changed
 * message (as `ops set-message` does, through the rootMessage context), shows that a rollout that
 * cannot finish is rolled back by `atomic`, and destroys it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { kubectl } from '../../offline/cluster/control-plane.js';
import { runHelm } from '../../scripts/lib/helm.js';
import { runCommand } from '../../scripts/lib/run.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { REPO_ROOT, toolchain } from '../../tools/toolchain.js';

const kubeconfig = inject('kubeconfig');
const chain = toolchain();
const { binary: terraform } = chain.terraform();
const work = mkdtempSync(path.join(os.tmpdir(), 'hono-api-app-local-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const { namespace, releaseName } = platformConfig.environments.dev.app;

/** `ENVIRONMENTS=local` synth (main.ts, as `npm run synth` runs it); the stack is copied into the working directory, next to its state. */
function synth(context: Record<string, string> = {}) {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-app-local-synth-'));
  execFileSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ENVIRONMENTS: 'local', LOCAL_KUBECONFIG: kubeconfig, CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: JSON.stringify(context) },
    stdio: 'pipe',
  });
  cpSync(path.join(outdir, 'stacks', 'app-local'), work, { recursive: true });
  rmSync(outdir, { recursive: true, force: true });
}

const tf = (args: readonly string[]) => runCommand(terraform, [...args, '-input=false', '-no-color'], { cwd: work, env: chain.terraformEnv(), timeoutMs: 300_000 });
const must = async (result: Promise<{ exitCode: number; stdout: string; stderr: string }>) => {
  const r = await result;
  expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
};
const kube = (args: readonly string[]) => kubectl(chain, kubeconfig, args);
const history = async () =>
  JSON.parse(await must(runHelm(['history', releaseName, '-n', namespace, '-o', 'json'], { env: { ...process.env, KUBECONFIG: kubeconfig } }))) as { revision: number; status: string; description: string }[];
const configData = async () => must(kube(['get', 'configmap', '-n', namespace, '-l', `app.kubernetes.io/instance=${releaseName}`, '-o', 'jsonpath={.items[0].data}']));

describe('app-local through the Terraform Helm provider', () => {
  it('applies: a Pod Security restricted namespace and revision 1 of the release, rolled out', async () => {
    synth();
    await must(tf(['init']));
    await must(tf(['apply', '-auto-approve']));
    const labels = JSON.parse(await must(kube(['get', 'namespace', namespace, '-o', 'jsonpath={.metadata.labels}']))) as Record<string, string>;
    expect(labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' });
    expect((await history()).map((h) => [h.revision, h.status])).toEqual([[1, 'deployed']]);
    await must(kube(['wait', '--for=condition=Available', 'deployment', '-n', namespace, '-l', `app.kubernetes.io/instance=${releaseName}`, '--timeout=60s']));
    expect(await configData()).toContain(platformConfig.environments.dev.app.rootMessage);
  }, 300_000);

  it('a second apply with nothing changed plans no change', async () => {
    const plan = await tf(['plan', '-detailed-exitcode']);
    expect(plan.exitCode, plan.stdout).toBe(0);
  }, 300_000);

  it('applies a changed message (the rootMessage context, as ops set-message sets it) as revision 2', async () => {
    synth({ rootMessage: 'Changed through the app stack' });
    await must(tf(['apply', '-auto-approve']));
    expect((await history()).map((h) => [h.revision, h.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
    expect(await configData()).toContain('Changed through the app stack');
  }, 300_000);

  it('a rollout that cannot finish fails the apply and `atomic` rolls it back', async () => {
    // A release whose pods fit no node, with a short timeout: the rollout never completes.
    const file = path.join(work, 'cdk.tf.json');
    const good = readFileSync(file, 'utf8');
    const json = JSON.parse(good) as { resource: { helm_release: Record<string, { values: string[]; timeout: number }> } };
    const release = Object.values(json.resource.helm_release)[0]!;
    release.values.push(JSON.stringify({ nodeSelector: { 'example.com/no-such-node': 'true' } }));
    release.timeout = 20;
    writeFileSync(file, JSON.stringify(json));
    const failed = await tf(['apply', '-auto-approve']);
    writeFileSync(file, good);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toMatch(/rolled back|atomic/i);
    const after = await history();
    expect(after.at(-1)).toMatchObject({ status: 'deployed', description: expect.stringMatching(/Rollback to 2/) });
    expect(await configData()).toContain('Changed through the app stack');
  }, 300_000);

  it('destroys: no release and no namespace left', async () => {
    await must(tf(['apply', '-auto-approve']));
    await must(tf(['destroy', '-auto-approve']));
    const releases = await runHelm(['list', '-A', '-q'], { env: { ...process.env, KUBECONFIG: kubeconfig } });
    expect(releases.stdout.split('\n')).not.toContain(releaseName);
    let gone = false;
    for (let i = 0; i < 60 && !gone; i++) {
      gone = (await kube(['get', 'namespace', namespace])).exitCode !== 0;
      if (!gone) await new Promise((r) => setTimeout(r, 500));
    }
    expect(gone, `namespace ${namespace} is still there`).toBe(true);
  }, 300_000);
});
