/**
 * Every rendered object is a valid Kubernetes object: built-in kinds against the OpenAPI schemas
 * (kubernetes-models), the CRDs against their required structure. The matrix of renders covers
 * every template, so no object kind escapes validation.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../scripts/lib/helm.js';
import { CHART, CHART_DIR, CI_VALUES_FILES, label, render } from './chart.js';
import type { RenderInput } from './chart.js';
import { CRD_RULES, UnknownKindError, validateObject } from './k8s-validate.js';

/** The CI/kind values files, plus variants that switch on the templates no values file renders. */
const MATRIX: { name: string; input: RenderInput }[] = [
  ...CI_VALUES_FILES.map((file) => ({ name: label(file), input: { valuesFiles: [file] } })),
  { name: 'defaults on Kubernetes 1.29 (drain in the app)', input: { kubeVersion: '1.29.0' } },
  { name: 'secrets.create', input: { values: { secrets: { create: true, values: { METRICS_AUTH_TOKEN: 'token' } } } } },
  { name: 'ingress without hosts, NodePort service', input: { values: { ingress: { enabled: true }, service: { type: 'NodePort' }, networkPolicy: { ingress: { cidrs: ['10.0.0.0/16'] } } } } },
  { name: 'existing secret, no service account, pull secret', input: { values: { secrets: { existingSecret: 'hono-api-env' }, serviceAccount: { create: false }, imagePullSecrets: [{ name: 'regcred' }] } } },
];

describe.each(MATRIX)('rendered objects are valid: $name', ({ input }) => {
  it('validates every object against its schema', async () => {
    const { objects } = await render(input);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) await expect(validateObject(object), `${object.kind} ${object.metadata?.name}`).resolves.toBeDefined();
  });
});

describe('API versions', () => {
  // kubernetes-models still ships removed versions (extensions/v1beta1, policy/v1beta1, ...): a
  // beta API would validate here and then be refused by a current cluster.
  it('uses only GA API versions, which Kubernetes does not remove', async () => {
    const versions = new Set<string>();
    for (const { input } of MATRIX) for (const o of (await render(input)).objects) versions.add(`${o.apiVersion} ${o.kind}`);
    expect([...versions].filter((v) => /\/v[0-9]+(alpha|beta)[0-9]+ /.test(v) || /^v[0-9]+(alpha|beta)/.test(v))).toEqual([]);
  });
});

describe('coverage of the validation matrix', () => {
  it('renders every template in at least one variant', async () => {
    const templates = readdirSync(path.join(CHART_DIR, 'templates'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => `${CHART.name}/templates/${file.split(path.sep).join('/')}`);
    const rendered = new Set<string>();
    for (const { input } of MATRIX) for (const doc of (await render(input)).documents) if (doc.source) rendered.add(doc.source);
    expect([...templates].filter((t) => !rendered.has(t))).toEqual([]);
  });

  it('has a CI values file for every optional feature the CRD rules cover', async () => {
    const kinds = new Set<string>();
    for (const file of CI_VALUES_FILES) for (const o of (await render({ valuesFiles: [file] })).objects) kinds.add(`${o.apiVersion} ${o.kind}`);
    for (const [crd, rule] of Object.entries(CRD_RULES)) if (rule.chart === 'hono-api') expect(kinds, `${crd} is rendered by some ci/*-values.yaml`).toContain(crd);
  });
});

describe('validateObject', () => {
  const deployment = (): K8sObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } },
  });

  it('accepts a valid built-in object through kubernetes-models', async () => {
    await expect(validateObject(deployment())).resolves.toEqual({ validatedBy: 'kubernetes-models' });
  });

  it('rejects a built-in object that breaks the OpenAPI schema, naming the field', async () => {
    const bad = deployment();
    (bad.spec as { template: { spec: { containers: { ports?: unknown }[] } } }).template.spec.containers[0]!.ports = [{ containerPort: 'http' }];
    await expect(validateObject(bad)).rejects.toThrow(/containerPort must be integer/);
  });

  it('rejects an object without a name', async () => {
    await expect(validateObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })).rejects.toThrow(/metadata\.name is required/);
  });

  it.each([
    ['an unknown group', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }],
    ['an unknown core kind', { apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } }],
    ['a known kind under a version that does not exist', { apiVersion: 'apps/v2', kind: 'Deployment', metadata: { name: 'w' } }],
    ['a CRD version the rules do not cover', { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ServiceMonitor', metadata: { name: 'w' } }],
  ])('fails loudly for %s', async (_, object) => {
    await expect(validateObject(object)).rejects.toThrow(UnknownKindError);
  });

  it.each([
    ['ServiceMonitor without endpoints', { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 's' }, spec: { selector: {} } }, /spec\.endpoints/],
    ['ServiceMonitor without selector', { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 's' }, spec: { endpoints: [{ port: 'http' }] } }, /spec\.selector is required/],
    ['PrometheusRule rule without expr', { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'p' }, spec: { groups: [{ name: 'g', rules: [{ alert: 'A' }] }] } }, /expr is required/],
    ['ExternalSecret without store', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'e' }, spec: { data: [{ secretKey: 'K', remoteRef: { key: 'k' } }] } }, /secretStoreRef\.name/],
    ['ExternalSecret entry without remote key', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'e' }, spec: { secretStoreRef: { name: 's', kind: 'ClusterSecretStore' }, data: [{ secretKey: 'K', remoteRef: {} }] } }, /remoteRef\.key/],
    ['HTTPRoute Service backend without port', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'h' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc' }] }] } }, /port is required/],
    ['HTTPRoute parentRef without name', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'h' }, spec: { parentRefs: [{ namespace: 'x' }] } }, /parentRefs\[0\]\.name/],
  ])('the CRD structure check rejects a %s', async (_, object, message) => {
    await expect(validateObject(object as K8sObject)).rejects.toThrow(message);
  });
});
