/**
 * Availability and network policies: the PodDisruptionBudget never blocks a drain or a
 * single-replica rollout, and the NetworkPolicy is default-deny with no rule that allows everything.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../scripts/lib/helm.js';
import { CI_VALUES_FILES, effectiveValue, isHelmTest, label, ofKind, only, readValues, render, selects } from './chart.js';
import type { LabelSelector, RenderInput } from './chart.js';

const pdbs = async (input: RenderInput) => ofKind<IPodDisruptionBudget>((await render(input)).objects, 'PodDisruptionBudget');

/** The most pods that can exist: the HPA maximum when autoscaling, else the Deployment's replicas. */
function mostReplicas(objects: readonly K8sObject[]): number {
  const hpa = ofKind<{ spec: { maxReplicas: number } }>(objects, 'HorizontalPodAutoscaler')[0];
  return hpa ? hpa.spec.maxReplicas : (only<IDeployment>(objects, 'Deployment').spec!.replicas ?? 1);
}

describe('PodDisruptionBudget', () => {
  it.each(CI_VALUES_FILES.map((file) => ({ file, name: label(file) })))('exists whenever more than one pod can, as maxUnavailable >= 1 with unhealthy pods always evictable: $name', async ({ file }) => {
    const { objects } = await render({ valuesFiles: [file] });
    const budgets = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
    if (mostReplicas(objects) <= 1) expect(budgets).toEqual([]);
    else {
      expect(budgets).toHaveLength(1);
      expect(budgets[0]!.spec!.minAvailable).toBeUndefined();
      expect(Number(budgets[0]!.spec!.maxUnavailable)).toBeGreaterThanOrEqual(1);
      expect(budgets[0]!.spec!.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    }
  });

  it('is not rendered with replicaCount 1', async () => {
    expect(await pdbs({ set: { replicaCount: 1 } })).toEqual([]);
  });

  it('is rendered with autoscaling from minReplicas 1: after a scale-out several pods exist', async () => {
    expect(await pdbs({ set: { replicaCount: 1, 'autoscaling.enabled': true, 'autoscaling.minReplicas': 1, 'autoscaling.maxReplicas': 4 } })).toHaveLength(1);
    expect(await pdbs({ set: { replicaCount: 3, 'autoscaling.enabled': true, 'autoscaling.minReplicas': 1, 'autoscaling.maxReplicas': 1 } })).toEqual([]);
  });

  it('lets a crash-looping pod be evicted (unhealthyPodEvictionPolicy AlwaysAllow, not the IfHealthyBudget default)', async () => {
    const [budget] = await pdbs({ set: { replicaCount: 3 } });
    expect(budget!.spec!.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  it.each([2, 3, 5])('uses maxUnavailable >= 1 (never minAvailable = replicas) with %i replicas', async (replicas) => {
    const [budget, ...rest] = await pdbs({ set: { replicaCount: replicas } });
    expect(rest).toEqual([]);
    expect(budget!.spec!.minAvailable).toBeUndefined();
    expect(Number(budget!.spec!.maxUnavailable)).toBeGreaterThanOrEqual(1);
  });

  it('is not rendered when disabled', async () => {
    expect(await pdbs({ set: { replicaCount: 3, 'podDisruptionBudget.enabled': false } })).toEqual([]);
  });
});

type Rule = { from?: Record<string, unknown>[]; to?: Record<string, unknown>[]; ports?: { port?: unknown; protocol?: string }[] };
const policyOf = async (input: RenderInput) => only<INetworkPolicy>((await render(input)).objects, 'NetworkPolicy');
const peersOf = (rule: Rule) => rule.from ?? rule.to ?? [];

describe.each(CI_VALUES_FILES.map((file) => ({ file, name: label(file) })))('NetworkPolicy: $name', ({ file }) => {
  const values = readValues(file);

  it('governs both directions', async () => {
    expect((await policyOf({ valuesFiles: [file] })).spec!.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
  });

  it('has no rule with an empty or missing from/to, and no empty peer', async () => {
    const spec = (await policyOf({ valuesFiles: [file] })).spec!;
    for (const [direction, rules, key] of [['ingress', spec.ingress ?? [], 'from'], ['egress', spec.egress ?? [], 'to']] as const) {
      (rules as Rule[]).forEach((rule, i) => {
        expect(rule[key], `${direction}[${i}].${key}`).toBeDefined();
        expect(peersOf(rule).length, `${direction}[${i}].${key} is not empty`).toBeGreaterThan(0);
        for (const peer of peersOf(rule)) expect(Object.keys(peer).length, `${direction}[${i}] peer is not {}`).toBeGreaterThan(0);
      });
    }
  });

  it('opens the http port to callers and the metrics port to the metrics sources only', async () => {
    const values = readValues(file);
    const metricsSources = (effectiveValue(values, 'networkPolicy.metrics.namespaces') as string[]).map((name) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } }));
    for (const rule of ((await policyOf({ valuesFiles: [file] })).spec!.ingress ?? []) as Rule[]) {
      const toMetrics = JSON.stringify(rule.from) === JSON.stringify(metricsSources);
      expect(rule.ports).toEqual([{ port: toMetrics ? 'metrics' : 'http', protocol: 'TCP' }]);
    }
  });

  it('lets the helm test pod reach the application', async () => {
    const { objects } = await render({ valuesFiles: [file] });
    const test = objects.find((o) => isHelmTest(o) && o.kind === 'Pod')!;
    const rules = (only<INetworkPolicy>(objects, 'NetworkPolicy').spec!.ingress ?? []) as Rule[];
    const admits = rules.some((rule) => peersOf(rule).some((peer) => !peer.namespaceSelector && selects(peer.podSelector as LabelSelector, test.metadata!.labels!)));
    expect(admits).toBe(true);
  });

  it("the helm test pod's own policy: created before the pod, egress only to the application's http port and DNS, no ingress", async () => {
    const { objects } = await render({ valuesFiles: [file] });
    const pod = objects.find((o) => isHelmTest(o) && o.kind === 'Pod')!;
    const policy = objects.find((o) => isHelmTest(o) && o.kind === 'NetworkPolicy') as INetworkPolicy | undefined;
    expect(policy, 'no NetworkPolicy for the helm test pod').toBeDefined();
    expect(selects(policy!.spec!.podSelector as LabelSelector, pod.metadata!.labels!)).toBe(true);
    expect(Number(policy!.metadata!.annotations!['helm.sh/hook-weight'])).toBeLessThan(Number(pod.metadata!.annotations!['helm.sh/hook-weight'] ?? 0));
    expect(policy!.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy!.spec!.ingress ?? []).toEqual([]);
    const app = only<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(objects, 'Deployment').spec.template.metadata.labels;
    const egress = (policy!.spec!.egress ?? []) as Rule[];
    expect(egress.some((rule) => peersOf(rule).some((peer) => selects(peer.podSelector as LabelSelector, app)) && JSON.stringify(rule.ports) === JSON.stringify([{ port: 'http', protocol: 'TCP' }]))).toBe(true);
    for (const rule of egress) expect(peersOf(rule).length, 'an egress rule without peers allows everything').toBeGreaterThan(0);
  });

  it('allows the metrics namespaces to scrape', async () => {
    const namespaces = effectiveValue(values, 'networkPolicy.metrics.namespaces') as string[];
    const rules = ((await policyOf({ valuesFiles: [file] })).spec!.ingress ?? []) as Rule[];
    const allowed = rules.flatMap((rule) => peersOf(rule)).map((peer) => (peer.namespaceSelector as LabelSelector | undefined)?.matchLabels?.['kubernetes.io/metadata.name']);
    for (const namespace of namespaces) expect(allowed).toContain(namespace);
  });
});

describe('NetworkPolicy defaults', () => {
  it('allows egress only to DNS in kube-system', async () => {
    const egress = ((await policyOf({})).spec!.egress ?? []) as Rule[];
    expect(egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('allows the monitoring namespace to scrape the metrics port, and nothing else there', async () => {
    const ingress = ((await policyOf({})).spec!.ingress ?? []) as Rule[];
    expect(ingress).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 'metrics', protocol: 'TCP' }] });
    expect(ingress.filter((r) => r.ports?.some((p) => p.port === 'metrics'))).toHaveLength(1);
  });

  it('keeps Egress in policyTypes, denying all egress, when DNS is switched off', async () => {
    const spec = (await policyOf({ set: { 'networkPolicy.egress.dns': false } })).spec!;
    expect(spec.policyTypes).toContain('Egress');
    expect(spec.egress ?? []).toEqual([]);
  });

  it('renders no metrics rule without metrics namespaces', async () => {
    const ingress = ((await policyOf({ values: { networkPolicy: { metrics: { namespaces: [] } } } })).spec!.ingress ?? []) as Rule[];
    expect(ingress).toHaveLength(1);
  });

  it('adds a podSelector: {} peer only with sameNamespace', async () => {
    const emptyPodPeers = async (input: RenderInput) =>
      (((await policyOf(input)).spec!.ingress ?? []) as Rule[]).flatMap(peersOf).filter((peer) => Object.keys(peer).length === 1 && JSON.stringify(peer.podSelector) === '{}');
    expect(await emptyPodPeers({})).toEqual([]);
    expect(await emptyPodPeers({ set: { 'networkPolicy.ingress.sameNamespace': true } })).toHaveLength(1);
  });
});

describe('HorizontalPodAutoscaler', () => {
  type Hpa = { spec: { metrics: { resource: { name: string } }[] } };
  const metricsOf = async (input: RenderInput) => only<Hpa>((await render(input)).objects, 'HorizontalPodAutoscaler').spec.metrics.map((m) => m.resource.name);

  it('scales on CPU only by default: V8 rarely returns memory, so a memory target only ratchets up', async () => {
    expect(await metricsOf({ set: { 'autoscaling.enabled': true } })).toEqual(['cpu']);
  });

  it('adds memory when a target is given', async () => {
    expect(await metricsOf({ set: { 'autoscaling.enabled': true, 'autoscaling.targetMemoryUtilizationPercentage': 90 } })).toEqual(['cpu', 'memory']);
  });
});
