/**
 * The app stack through the real Terraform Helm provider, into the suite's Kubernetes API
 * (__tests__/support/cluster-setup.ts). The first apply is `npm run kind -- deploy`'s own command,
 * with only the kind CLI answered by the test (the cluster is this API server, its kubeconfig context
 * renamed kind-hono-api): the real synth of app-local (scripts/lib/app-local.ts) and the toolchain's
 * terraform init and apply. Then it applies again with a changed message (as `ops set-message` does,
 * through the rootMessage context), shows that a rollout that cannot finish is rolled back by
 * `atomic`, and destroys it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { kubectl } from '../../scripts/lib/kubectl.js';
import { runCommand as runKindCommand } from '../../scripts/kind/commands.js';
import { DEPLOY_DIR, DEPLOY_KUBECONFIG, IMAGE_REPOSITORY, IMAGE_TAG, KUBE_CONTEXT } from '../../scripts/kind/config.js';
import { TERRAFORM_FLAGS, appLocalSynth } from '../../scripts/lib/app-local.js';
import { runHelm } from '../../scripts/lib/helm.js';
import { runCommand } from '../../scripts/lib/run.js';
import { createToolDeps } from '../../scripts/lib/tools.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { REPO_ROOT, toolchain } from '../../tools/toolchain.js';

const kubeconfig = inject('kubeconfig');
const chain = toolchain();
const { binary: terraform } = chain.terraform();
const { namespace, releaseName } = platformConfig.environments.dev.app;

// A checkout of our own (links to the repository's files) so the kind deploy's state directory is not the user's .cache/kind.
const root = mkdtempSync(path.join(os.tmpdir(), 'hono-api-app-local-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const entry of readdirSync(REPO_ROOT)) if (entry !== '.cache' && entry !== '.git') symlinkSync(path.join(REPO_ROOT, entry), path.join(root, entry));
const outdir = path.join(root, DEPLOY_DIR);
const kindKubeconfig = path.join(root, DEPLOY_KUBECONFIG);
const work = path.join(outdir, 'stacks', 'app-local');

/** The suite's cluster as kind would export it: the same kubeconfig, its context named kind-hono-api. */
async function exportAsKind(file: string): Promise<number> {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, readFileSync(kubeconfig));
  const current = (await kubectl(chain, file, ['config', 'current-context'])).stdout.trim();
  return current === KUBE_CONTEXT ? 0 : (await kubectl(chain, file, ['config', 'rename-context', current, KUBE_CONTEXT])).exitCode;
}

/** `npm run kind -- deploy`, with kind and the container engine answered here and everything else real. */
async function kindDeploy(): Promise<{ code: number; output: string }> {
  const real = createToolDeps('hono-api-kind-');
  const lines: string[] = [];
  const code = await runKindCommand('deploy', {
    ...real,
    repoRoot: root,
    out: (line) => void lines.push(line),
    err: (line) => void lines.push(line),
    lookPath: (name) => (name === 'kind' || name === 'docker' ? `/fake/${name}` : real.lookPath(name)),
    run: async (command, args, options) => {
      if (command === '/fake/docker') return { exitCode: 0, stdout: '27.3.1\n', stderr: '' };
      if (command === '/fake/kind' && args[0] === 'get') return { exitCode: 0, stdout: 'hono-api\n', stderr: '' };
      if (command === '/fake/kind' && args[0] === 'export') return { exitCode: await exportAsKind(args[args.indexOf('--kubeconfig') + 1]!), stdout: '', stderr: '' };
      return real.run(command, args, { ...options, capture: true });
    },
  });
  return { code, output: lines.join('\n') };
}

/** The app-local synth `deploy` runs, again, with a CDKTF context: into the same directory, next to its state. */
function synth(cdktfContext: Record<string, string> = {}) {
  const run = appLocalSynth({ outdir, kubeconfig: kindKubeconfig, context: KUBE_CONTEXT, imageRepository: IMAGE_REPOSITORY, imageTag: IMAGE_TAG, cdktfContext });
  execFileSync(run.command, run.args, { cwd: root, env: { ...process.env, ...run.env }, stdio: 'pipe' });
}

const tf = (args: readonly string[]) => runCommand(terraform, [...args, ...TERRAFORM_FLAGS], { cwd: work, env: chain.terraformEnv(), timeoutMs: 300_000 });
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
  it('`npm run kind -- deploy` applies: a Pod Security restricted namespace and revision 1 of the release, rolled out', async () => {
    const deployed = await kindDeploy();
    expect(deployed.code, deployed.output).toBe(0);
    expect(deployed.output).toMatch(/terraform apply -auto-approve/);
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

  it('a pull-request plan (-refresh=false) needs no Kubernetes access at all: it succeeds as an identity with no rights, which a refreshing plan does not', async () => {
    // The pr-plan role has no access entry on any cluster (stacks/ci-identity-stack.ts): this is
    // that situation, judged by the real providers. A ServiceAccount with no binding stands in.
    await must(kube(['create', 'serviceaccount', 'nobody', '-n', 'default']));
    const token = (await must(kube(['create', 'token', 'nobody', '-n', 'default']))).trim();
    const original = readFileSync(kindKubeconfig);
    try {
      await must(kubectl(chain, kindKubeconfig, ['config', 'set-credentials', 'nobody', `--token=${token}`]));
      await must(kubectl(chain, kindKubeconfig, ['config', 'set-context', KUBE_CONTEXT, '--user=nobody']));
      expect((await kubectl(chain, kindKubeconfig, ['get', 'secrets', '-n', namespace])).stderr).toMatch(/forbidden/);
      const same = await tf(['plan', '-refresh=false', '-lock=false', '-detailed-exitcode']);
      expect(same.exitCode, `${same.stderr}\n${same.stdout}`).toBe(0);
      synth({ rootMessage: 'Planned without cluster access' });
      const changed = await tf(['plan', '-refresh=false', '-lock=false', '-detailed-exitcode']);
      expect(changed.exitCode, `${changed.stderr}\n${changed.stdout}`).toBe(2);
      expect(changed.stdout).toMatch(/helm_release\.release will be updated in-place/);
      const refreshing = await tf(['plan', '-lock=false']);
      expect(refreshing.exitCode).toBe(1);
      expect(refreshing.stderr + refreshing.stdout).toMatch(/forbidden/);
    } finally {
      writeFileSync(kindKubeconfig, original);
      synth();
    }
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
