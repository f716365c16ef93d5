/**
 * The charts against a real Kubernetes API server (__tests__/support/cluster-setup.ts: a reachable
 * KUBECONFIG, else the local control plane): every rendered object accepted by server-side dry-run
 * with strict field validation; the whole Helm lifecycle in a namespace that enforces Pod Security
 * `restricted`; and Pod Security admission refusing what the schema would refuse too.
 *
 * On the local control plane kwok marks pods Running and Ready without running them, so `helm
 * test` passing (curl really running) is asserted only on kind or a real cluster; locally the
 * test pod's admission and scheduling are.
 */
import { parseAllDocuments, stringify } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { kubectl } from '../../scripts/lib/kubectl.js';
import { helmTemplate, runHelm } from '../../scripts/lib/helm.js';
import { PLATFORM_CONFIG_CHART_DIR } from '../../stacks/platform-stack.js';
import { toolchain } from '../../tools/toolchain.js';
import { CHART_DIR, CI_VALUES_FILES, label } from './chart.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests, edited field by field to make them hostile
type Loose = Record<string, any>;

const kubeconfig = inject('kubeconfig');
const clusterKind = inject('clusterKind');
const chain = toolchain();
/** The API server's version: what `helm template` is told and what it checks kubeVersion against. */
const KUBE_VERSION = `${chain.goTool('kubernetes').version}`;
const env = { ...process.env, KUBECONFIG: kubeconfig };
const kube = (args: readonly string[], input?: string) => kubectl(chain, kubeconfig, args, input);
const helm = (args: readonly string[]) => runHelm(args, { env, timeoutMs: 240_000 });
const slug = (file: string) => label(file).replace(/^ci\//, '').replace(/-values\.yaml$|\.yaml$/, '').replace(/[^a-z0-9-]/g, '-');

async function restrictedNamespace(name: string) {
  await kube(['delete', 'namespace', name, '--ignore-not-found', '--wait=true']);
  const manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } };
  const result = await kube(['apply', '-f', '-'], JSON.stringify(manifest));
  expect(result.exitCode, result.stderr).toBe(0);
}

const must = async (result: Promise<{ exitCode: number; stdout: string; stderr: string }>) => {
  const r = await result;
  expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
};

/**
 * Helm's own --wait also waits for a LoadBalancer Service to get an address, which only a cloud
 * (the AWS Load Balancer Controller) gives; the rollout is what these tests wait for.
 */
const rolledOut = (namespace: string, release: string) => must(kube(['rollout', 'status', 'deployment', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '--timeout=120s']));

const templateChecksum = async (namespace: string, release: string) =>
  (await must(kube(['get', 'deployment', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'jsonpath={.items[0].spec.template.metadata.annotations.checksum/config}']))).trim();

describe(`server-side dry-run with strict field validation (Kubernetes ${KUBE_VERSION}, ${clusterKind} cluster)`, () => {
  beforeAll(() => restrictedNamespace('dry-run'), 120_000);

  it.each(CI_VALUES_FILES.map((f) => [label(f), f]))('hono-api with %s: every object is accepted as rendered', async (_label, file) => {
    const rendered = await helmTemplate({ chart: CHART_DIR, release: 'dry', namespace: 'dry-run', kubeVersion: KUBE_VERSION, valuesFiles: [file] });
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    const result = await kube(['apply', '--dry-run=server', '--validate=strict', '-n', 'dry-run', '-f', '-'], rendered.stdout);
    expect(result.exitCode, result.stderr).toBe(0);
  });

  // Every value the schema accepts must render objects the API accepts: its bounds included.
  it.each([
    ['the smallest shutdown settings', { 'shutdown.drainSeconds': 0, 'shutdown.marginSeconds': 3, 'config.requestTimeoutMs': 1, replicaCount: 1 }],
    ['the largest shutdown settings', { 'shutdown.drainSeconds': 120, 'shutdown.marginSeconds': 60, 'config.requestTimeoutMs': 300000 }],
  ])('hono-api with %s: every object is accepted as rendered', async (_label, set) => {
    const rendered = await helmTemplate({ chart: CHART_DIR, release: 'dry', namespace: 'dry-run', kubeVersion: KUBE_VERSION, set });
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    const result = await kube(['apply', '--dry-run=server', '--validate=strict', '-n', 'dry-run', '-f', '-'], rendered.stdout);
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('rejects an unknown field, so the check has teeth', async () => {
    const rendered = await helmTemplate({ chart: CHART_DIR, release: 'dry', namespace: 'dry-run', kubeVersion: KUBE_VERSION });
    const deployment = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as Loose).find((d) => d?.kind === 'Deployment')!;
    deployment.spec.replicaz = 2;
    const result = await kube(['apply', '--dry-run=server', '--validate=strict', '-n', 'dry-run', '-f', '-'], stringify(deployment));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/unknown field "spec.replicaz"/);
  });
});

describe('Pod Security admission by default (kind/pod-security.yaml): a namespace that says nothing is restricted', () => {
  const name = `unlabelled-${process.pid}`;
  beforeAll(async () => {
    await kube(['delete', 'namespace', name, '--ignore-not-found', '--wait=true']);
    await must(kube(['create', 'namespace', name]));
  }, 120_000);

  it('refuses a pod that only Pod Security would refuse (no securityContext: root allowed, escalation, capabilities, no seccomp) in a namespace without labels, where ct install and the kind deploy land', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain', namespace: name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const result = await kube(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
  });

  it('admits the chart there as rendered', async () => {
    const rendered = await helmTemplate({ chart: CHART_DIR, release: 'dry', namespace: name, kubeVersion: KUBE_VERSION });
    const result = await kube(['apply', '--dry-run=server', '--validate=strict', '-n', name, '-f', '-'], rendered.stdout);
    expect(result.exitCode, result.stderr).toBe(0);
  });
});

describe('Pod Security admission: what the schema refuses, the namespace refuses too', () => {
  beforeAll(() => restrictedNamespace('psa'), 120_000);

  const hostile: readonly { name: string; set: Record<string, unknown>; mutate: (pod: Loose) => void; admission: RegExp }[] = [
    { name: 'a privileged container', set: { 'securityContext.privileged': true }, mutate: (p) => (p.containers[0].securityContext.privileged = true), admission: /privileged|Forbidden: disallowed by cluster policy/ },
    { name: 'the root user', set: { 'podSecurityContext.runAsUser': 0 }, mutate: (p) => ((p.securityContext.runAsUser = 0), (p.containers[0].securityContext.runAsUser = 0)), admission: /violates PodSecurity "restricted:latest".*runAsUser=0/ },
    { name: 'an added capability', set: { 'securityContext.capabilities.add[0]': 'NET_ADMIN' }, mutate: (p) => (p.containers[0].securityContext.capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] }), admission: /violates PodSecurity "restricted:latest".*NET_ADMIN/ },
    { name: 'the host network', set: { hostNetwork: true }, mutate: (p) => (p.hostNetwork = true), admission: /violates PodSecurity "restricted:latest".*host namespaces/ },
  ];

  it.each(hostile.map((h) => [h.name, h]))('%s: refused by the chart schema and by admission', async (_name, h) => {
    const schema = await helmTemplate({ chart: CHART_DIR, release: 'psa', namespace: 'psa', kubeVersion: KUBE_VERSION, set: h.set as Record<string, string | number | boolean> });
    expect(schema.exitCode, `the schema let ${h.name} through`).not.toBe(0);

    // Past the schema (a hand-edited manifest): the namespace's admission refuses it.
    const rendered = await helmTemplate({ chart: CHART_DIR, release: 'psa', namespace: 'psa', kubeVersion: KUBE_VERSION });
    const deployment = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as Loose).find((d) => d?.kind === 'Deployment')!;
    h.mutate(deployment.spec.template.spec);
    // The release's service account does not exist here (nothing was installed): the namespace's default.
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hostile', namespace: 'psa' }, spec: { ...deployment.spec.template.spec, serviceAccountName: 'default' } };
    const result = await kube(['apply', '--dry-run=server', '-n', 'psa', '-f', '-'], JSON.stringify(pod));
    expect(result.exitCode, `admission let ${h.name} through`).not.toBe(0);
    expect(result.stderr).toMatch(h.admission);
  });

  it('admits the chart as rendered (the same pod without the change)', async () => {
    const rendered = await helmTemplate({ chart: CHART_DIR, release: 'psa', namespace: 'psa', kubeVersion: KUBE_VERSION });
    const deployment = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as Loose).find((d) => d?.kind === 'Deployment')!;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hardened', namespace: 'psa' }, spec: { ...deployment.spec.template.spec, serviceAccountName: 'default' } };
    await must(kube(['apply', '--dry-run=server', '-n', 'psa', '-f', '-'], JSON.stringify(pod)));
  });
});

describe.each(CI_VALUES_FILES.map((f) => [label(f), f]))('hono-api lifecycle with %s (Pod Security restricted)', (_label, file) => {
  const release = `lc-${slug(file)}`;
  const namespace = release;
  let firstChecksum = '';

  beforeAll(() => restrictedNamespace(namespace), 120_000);

  it('installs, and the Deployment becomes available', async () => {
    await must(helm(['install', release, CHART_DIR, '-n', namespace, '-f', file]));
    await rolledOut(namespace, release);
    await must(kube(['wait', '--for=condition=Available', 'deployment', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '--timeout=60s']));
    firstChecksum = await templateChecksum(namespace, release);
    expect(firstChecksum).toMatch(/^[a-f0-9]{64}$/);
  }, 240_000);

  it('upgrades with a changed setting: a new config checksum and a new ReplicaSet', async () => {
    await must(helm(['upgrade', release, CHART_DIR, '-n', namespace, '-f', file, '--set', 'config.rootMessage=Changed by the lifecycle test']));
    await rolledOut(namespace, release);
    const configMap = await must(kube(['get', 'configmap', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'json']));
    expect(configMap).toContain('Changed by the lifecycle test');
    expect(await templateChecksum(namespace, release)).not.toBe(firstChecksum);
    const replicaSets = await must(kube(['get', 'replicasets', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']));
    expect(replicaSets.trim().split('\n')).toHaveLength(2);
  }, 240_000);

  it('rolls back to revision 1, restoring its settings', async () => {
    await must(helm(['rollback', release, '1', '-n', namespace]));
    await rolledOut(namespace, release);
    expect(await templateChecksum(namespace, release)).toBe(firstChecksum);
    const history = JSON.parse(await must(helm(['history', release, '-n', namespace, '-o', 'json']))) as { revision: number; status: string; description: string }[];
    expect(history.map((h) => h.revision)).toEqual([1, 2, 3]);
    expect(history.at(-1)).toMatchObject({ status: 'deployed', description: 'Rollback to 1' });
  }, 240_000);

  // kind or a real cluster runs the test pod's curl, so `helm test` must pass. kwok runs no
  // containers: there the test runs too, and checks what the API server can judge, that helm
  // creates the hook pod and the restricted namespace admits and schedules it; only the wait for
  // curl to finish times out.
  it(`helm test: ${clusterKind === 'external' ? 'passes (the test pod really runs curl)' : 'its pod is admitted under Pod Security restricted and scheduled (kwok runs no containers, so curl never finishes)'}`, async () => {
    if (clusterKind === 'external') {
      await must(helm(['test', release, '-n', namespace, '--timeout', '120s']));
      return;
    }
    const r = await helm(['test', release, '-n', namespace, '--timeout', '5s']);
    expect(r.exitCode).not.toBe(0);
    expect(`${r.stderr}\n${r.stdout}`).not.toMatch(/forbidden|violates PodSecurity|invalid/i);
    expect(`${r.stderr}\n${r.stdout}`).toMatch(/timed out|deadline exceeded/i);
    const pods = JSON.parse(await must(kube(['get', 'pods', '-n', namespace, '-o', 'json']))) as {
      items: { metadata: { name: string; annotations?: Record<string, string> }; spec: { nodeName?: string }; status: { phase: string } }[];
    };
    const hooks = pods.items.filter((p) => p.metadata.annotations?.['helm.sh/hook'] === 'test');
    expect(hooks.length).toBeGreaterThan(0);
    for (const pod of hooks) expect([pod.metadata.name, Boolean(pod.spec.nodeName), pod.status.phase]).toEqual([pod.metadata.name, true, 'Running']);
    await must(kube(['delete', 'pods', '-n', namespace, ...hooks.map((p) => p.metadata.name), '--wait=true']));
  }, 240_000);

  it('uninstalls, leaving nothing of the release behind', async () => {
    await must(helm(['uninstall', release, '-n', namespace, '--wait', '--timeout', '120s']));
    const kinds = 'deployments,replicasets,pods,services,configmaps,secrets,serviceaccounts,networkpolicies,poddisruptionbudgets,horizontalpodautoscalers,ingresses,servicemonitors,prometheusrules,externalsecrets,httproutes';
    // The garbage collector removes the ReplicaSets and pods after their Deployment: give it a moment.
    let left = '';
    for (let i = 0; i < 60; i++) {
      left = (await must(kube(['get', kinds, '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']))).trim();
      if (!left) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(left).toBe('');
    expect((await must(kube(['get', 'priorityclasses', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']))).trim()).toBe('');
    await kube(['delete', 'namespace', namespace, '--wait=false']);
  }, 240_000);
});

describe('platform-config lifecycle (ClusterIssuer and ClusterSecretStore against the upstream CRDs)', () => {
  const values = `${PLATFORM_CONFIG_CHART_DIR}/ci/all-values.yaml`;
  const release = 'platform-config';

  it('installs, upgrades, rolls back and uninstalls', async () => {
    await helm(['uninstall', release, '-n', 'kube-system']);
    await must(helm(['install', release, PLATFORM_CONFIG_CHART_DIR, '-n', 'kube-system', '-f', values, '--wait', '--timeout', '120s']));
    const objects = await must(kube(['get', 'clusterissuers,clustersecretstores', '-o', 'name']));
    expect(objects).toMatch(/clusterissuer\.cert-manager\.io\//);
    expect(objects).toMatch(/clustersecretstore\.external-secrets\.io\//);
    await must(helm(['upgrade', release, PLATFORM_CONFIG_CHART_DIR, '-n', 'kube-system', '-f', values, '--set', 'clusterSecretStore.region=eu-central-1', '--wait']));
    expect(await must(kube(['get', 'clustersecretstores', '-o', 'jsonpath={.items[0].spec.provider.aws.region}']))).toBe('eu-central-1');
    await must(helm(['rollback', release, '1', '-n', 'kube-system', '--wait']));
    expect(await must(kube(['get', 'clustersecretstores', '-o', 'jsonpath={.items[0].spec.provider.aws.region}']))).not.toBe('eu-central-1');
    await must(helm(['uninstall', release, '-n', 'kube-system', '--wait']));
    expect((await must(kube(['get', 'clusterissuers,clustersecretstores', '-o', 'name']))).trim()).toBe('');
  }, 300_000);
});
