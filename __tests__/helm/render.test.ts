/**
 * The chart lints and renders for every CI values file, and what it renders hangs together:
 * labels and selectors, name lengths, probes on real service routes, the `helm test` pod and the
 * config checksum.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IService } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { LIVENESS_PATHS, READINESS_PATHS, STARTUP_PATH } from '../../src/routes/health.js';
import type { K8sObject } from '../../scripts/lib/helm.js';
import {
  CHART,
  CI_VALUES_FILES,
  KUBE_VERSION,
  appContainer,
  configData,
  isHelmTest,
  label,
  nameOf,
  ofKind,
  only,
  render,
  selects,
  settingsConfigMap,
  tryLint,
  tryRender,
  workloads,
} from './chart.js';
import type { LabelSelector, RenderInput } from './chart.js';
import { platformConfig } from '../../stacks/config/environments.js';

const STANDARD_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by', 'helm.sh/chart'];

describe('CI values files', () => {
  describe.each(CI_VALUES_FILES.map((file) => ({ file, name: label(file) })))('$name', ({ file }) => {
    it('passes helm lint --strict', async () => {
      const result = await tryLint({ valuesFiles: [file] });
      expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    it(`renders with helm template --kube-version ${KUBE_VERSION} (production's minor)`, async () => {
      const result = await tryRender({ valuesFiles: [file] });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.command).toEqual(expect.arrayContaining(['template', '--kube-version', KUBE_VERSION]));
      const { objects } = await render({ valuesFiles: [file] });
      expect(ofKind(objects, 'Deployment')).toHaveLength(1);
      expect(ofKind(objects, 'Service')).toHaveLength(1);
      expect(() => settingsConfigMap(objects)).not.toThrow();
    });
  });
});

/** Pod labels of the application (the Deployment's template) and of the helm test pod. */
function podLabels(objects: readonly K8sObject[]): { app: Record<string, string>; test: Record<string, string> } {
  const all = workloads(objects);
  const app = all.find((w) => w.isApp);
  const test = all.find((w) => !w.isApp);
  if (!app || !test) throw new Error('expected the application pods and the helm test pod');
  return { app: app.podLabels, test: test.podLabels };
}

describe.each(CI_VALUES_FILES.map((file) => ({ file, name: label(file) })))('labels and selectors: $name', ({ file }) => {
  const rendered = () => render({ valuesFiles: [file] });

  it('the Deployment selector matches its pod template labels', async () => {
    const deployment = only<IDeployment>((await rendered()).objects, 'Deployment');
    expect(selects(deployment.spec!.selector as LabelSelector, deployment.spec!.template.metadata!.labels!)).toBe(true);
  });

  it('the Service, PDB and NetworkPolicy select the application pods', async () => {
    const { objects } = await rendered();
    const { app } = podLabels(objects);
    expect(selects(only<IService>(objects, 'Service').spec!.selector, app)).toBe(true);
    for (const pdb of ofKind<{ spec: { selector: LabelSelector } }>(objects, 'PodDisruptionBudget')) expect(selects(pdb.spec.selector, app)).toBe(true);
    for (const policy of ofKind<{ spec: { podSelector: LabelSelector } }>(objects.filter((o) => !isHelmTest(o)), 'NetworkPolicy')) expect(selects(policy.spec.podSelector, app)).toBe(true);
  });

  // The helm test pod is no replica: selected by the Service it would receive traffic, by the PDB it
  // would count as an unmanaged pod, and by the NetworkPolicy its own egress (the curl to the
  // Service) would be denied, failing `helm test` on any cluster that enforces policies (kind too).
  it('no selector of the application selects the helm test pod', async () => {
    const { objects } = await rendered();
    const { test } = podLabels(objects);
    expect(selects(only<IDeployment>(objects, 'Deployment').spec!.selector as LabelSelector, test)).toBe(false);
    expect(selects(only<IService>(objects, 'Service').spec!.selector, test)).toBe(false);
    for (const pdb of ofKind<{ spec: { selector: LabelSelector } }>(objects, 'PodDisruptionBudget')) expect(selects(pdb.spec.selector, test)).toBe(false);
    for (const policy of ofKind<{ spec: { podSelector: LabelSelector } }>(objects.filter((o) => !isHelmTest(o)), 'NetworkPolicy')) expect(selects(policy.spec.podSelector, test)).toBe(false);
  });

  it('every ServiceMonitor selects the Service (and with it the pod labels) on its named port', async () => {
    const { objects } = await rendered();
    const service = only<IService>(objects, 'Service');
    const { app } = podLabels(objects);
    for (const monitor of ofKind<{ spec: { selector: LabelSelector; endpoints: { port: string }[] } }>(objects, 'ServiceMonitor')) {
      expect(selects(monitor.spec.selector, service.metadata!.labels!)).toBe(true);
      expect(selects(monitor.spec.selector, app)).toBe(true);
      for (const endpoint of monitor.spec.endpoints) expect(service.spec!.ports!.map((p) => p.name)).toContain(endpoint.port);
    }
  });

  it('every object and pod template carries the standard labels', async () => {
    const { objects } = await rendered();
    const labelSets: [string, Record<string, string> | undefined][] = [
      ...objects.map((o): [string, Record<string, string> | undefined] => [`${o.kind} ${nameOf(o)}`, o.metadata?.labels]),
      ...workloads(objects).map((w): [string, Record<string, string>] => [`${w.id} pod template`, w.podLabels]),
    ];
    for (const [id, labels] of labelSets) {
      for (const key of STANDARD_LABELS) expect(labels?.[key], `${id} label ${key}`).toBeTruthy();
      expect(labels?.['app.kubernetes.io/version'], id).toBe(CHART.appVersion);
      expect(labels?.['app.kubernetes.io/managed-by'], id).toBe('Helm');
      expect(labels?.['helm.sh/chart'], id).toBe(`${CHART.name}-${CHART.version}`);
    }
  });
});

describe('name lengths', () => {
  const RELEASE_53 = 'r'.repeat(53); // Helm's own maximum for a release name
  const LONG_OVERRIDES: { name: string; input: RenderInput }[] = [
    { name: `a 53-character release`, input: { release: RELEASE_53 } },
    { name: 'a 53-character release and a 60-character nameOverride', input: { release: RELEASE_53, set: { nameOverride: 'n'.repeat(60) } } },
    { name: 'a 63-character fullnameOverride', input: { release: RELEASE_53, set: { fullnameOverride: 'f'.repeat(63) } } },
  ];

  it('Helm itself refuses a 60-character release name (naming the 53-character limit)', async () => {
    const result = await tryRender({ release: 'r'.repeat(60) });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/\b53\b/);
  });

  it.each(LONG_OVERRIDES)('names and label values stay within 63 characters with $name', async ({ input }) => {
    for (const file of CI_VALUES_FILES) {
      const { objects } = await render({ ...input, valuesFiles: [file] });
      for (const object of objects) {
        expect(nameOf(object).length, `${object.kind} ${nameOf(object)}`).toBeLessThanOrEqual(63);
        expect(nameOf(object), `${object.kind} name is a DNS label`).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        for (const [key, value] of Object.entries(object.metadata?.labels ?? {})) expect(value.length, `${object.kind} label ${key}`).toBeLessThanOrEqual(63);
      }
    }
  });

  it('distinct objects of one kind keep distinct names when truncated', async () => {
    const { objects } = await render({ release: RELEASE_53, set: { nameOverride: 'n'.repeat(60) } });
    const ids = objects.map((o) => `${o.kind}/${nameOf(o)}`);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe.each(CI_VALUES_FILES.map((file) => ({ file, name: label(file) })))('probes and the helm test: $name', ({ file }) => {
  const rendered = () => render({ valuesFiles: [file] });

  it('probes call the service routes on the named port http, which is the containerPort', async () => {
    const { objects } = await rendered();
    const container = appContainer(only<IDeployment>(objects, 'Deployment').spec!.template.spec!);
    const http = container.ports?.find((p) => p.name === 'http');
    expect(http?.containerPort).toBe(Number(configData(objects).PORT));
    expect(container.startupProbe?.httpGet).toEqual({ path: STARTUP_PATH, port: 'http' });
    expect(LIVENESS_PATHS as readonly string[]).toContain(container.livenessProbe?.httpGet?.path);
    expect(READINESS_PATHS as readonly string[]).toContain(container.readinessProbe?.httpGet?.path);
    expect(container.livenessProbe?.httpGet?.path).toBe('/livez');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    for (const probe of [container.livenessProbe, container.readinessProbe]) expect(probe?.httpGet?.port).toBe('http');
  });

  it('the Service targets the named ports http and, for the ServiceMonitor, metrics', async () => {
    const service = only<IService>((await rendered()).objects, 'Service');
    expect(service.spec!.ports).toEqual([
      expect.objectContaining({ name: 'http', targetPort: 'http', protocol: 'TCP' }),
      expect.objectContaining({ name: 'metrics', targetPort: 'metrics', protocol: 'TCP' }),
    ]);
  });

  it('the helm test pod calls /readyz and / through the Service name and port', async () => {
    const { objects } = await rendered();
    const service = only<IService>(objects, 'Service');
    const tests = objects.filter((o) => isHelmTest(o) && o.kind === 'Pod') as unknown as IPod[];
    expect(tests).toHaveLength(1);
    const pod = tests[0]!;
    expect(pod.spec!.restartPolicy).toBe('Never');
    const base = `http://${service.metadata!.name}:${service.spec!.ports![0]!.port}`;
    const command = [...(pod.spec!.containers[0]!.command ?? []), ...(pod.spec!.containers[0]!.args ?? [])];
    // The paths the test calls are routes the service serves (its readiness route, and /).
    const paths = command.filter((c) => c.startsWith(base)).map((c) => c.slice(base.length));
    expect(paths.sort()).toEqual(['/', '/readyz']);
    expect(READINESS_PATHS as readonly string[]).toContain(paths[1]);
    expect(command).toContain('--fail-with-body');
  });
});

describe('config checksum', () => {
  const checksum = async (input: Parameters<typeof render>[0]) =>
    only<IDeployment>((await render(input)).objects, 'Deployment').spec!.template.metadata!.annotations!['checksum/config'];

  it('changes when the config changes', async () => {
    const before = await checksum({ set: { 'config.rootMessage': 'Hello one' } });
    const after = await checksum({ set: { 'config.rootMessage': 'Hello two' } });
    expect(before).toMatch(/^[a-f0-9]{64}$/);
    expect(after).toMatch(/^[a-f0-9]{64}$/);
    expect(after).not.toBe(before);
  });

  it('ignores values outside the config, so scaling does not roll the pods', async () => {
    expect(await checksum({ set: { replicaCount: 3 } })).toBe(await checksum({ set: { replicaCount: 4 } }));
  });
});

describe('versions in step', () => {
  it("the chart's appVersion, package.json's version and the default image tag are one version", async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { platformConfig } = await import('../../stacks/config/environments.js');
    expect(CHART.appVersion).toBe(pkg.version);
    for (const env of Object.values(platformConfig.environments)) expect(env.app.imageTag, env.name).toBe(pkg.version);
  });

  // Helm judges Chart.yaml's kubeVersion: the oldest minor EKS still supports renders, one below
  // it is refused, and so is nothing the production clusters run.
  it.each([
    ['1.28.0', false],
    ['1.29.0', true],
    [`${platformConfig.environments.prod.cluster.version}.0`, true],
  ])('Kubernetes %s: renders = %s (kubeVersion floor)', async (kubeVersion, renders) => {
    const result = await tryRender({ kubeVersion });
    expect(result.exitCode === 0, result.stderr).toBe(renders);
    if (!renders) expect(result.stderr).toMatch(/kubeVersion|Kubernetes version/i);
  });
});

describe('the metrics port: /metrics and /config are never public', () => {
  const WITH_TOKEN = { externalSecret: { enabled: true, data: [{ secretKey: 'METRICS_AUTH_TOKEN', remoteRef: { key: 'dev/hono-api', property: 'metricsAuthToken' } }] } };
  const ALB = { ingress: { enabled: true }, networkPolicy: { ingress: { cidrs: ['10.0.0.0/16'] } } };

  it('the ServiceMonitor scrapes the metrics port; the Ingress and the HTTPRoute route only the http port', async () => {
    const { objects } = await render({ values: { ...ALB, metrics: { serviceMonitor: { enabled: true } } } });
    const monitor = only<{ spec: { endpoints: { port: string; path: string }[] } }>(objects, 'ServiceMonitor');
    expect(monitor.spec.endpoints.map((e) => [e.port, e.path])).toEqual([['metrics', '/metrics']]);
    const ingress = only<{ spec: { rules: { http: { paths: { backend: { service: { port: Record<string, unknown> } } }[] } }[] } }>(objects, 'Ingress');
    for (const p of ingress.spec.rules.flatMap((r) => r.http.paths)) expect(p.backend.service.port).toEqual({ name: 'http' });
    const route = only<{ spec: { rules: { backendRefs: { port: number }[] }[] } }>(
      (await render({ values: { httpRoute: { enabled: true, parentRefs: [{ name: 'gw' }] }, networkPolicy: { ingress: { namespaces: ['gw'] } } } })).objects,
      'HTTPRoute',
    );
    for (const ref of route.spec.rules.flatMap((r) => r.backendRefs)) expect(ref.port).toBe(80);
  });

  it('with the token in the Secret: mounted as a directory (so rotations reach the file) and read through METRICS_AUTH_TOKEN_FILE', async () => {
    const { objects } = await render({ values: WITH_TOKEN });
    const spec = only<IDeployment>(objects, 'Deployment').spec!.template.spec!;
    const volume = spec.volumes!.find((v) => v.name === 'metrics-token')!;
    expect(volume.secret).toMatchObject({ items: [{ key: 'METRICS_AUTH_TOKEN', path: 'METRICS_AUTH_TOKEN' }] });
    const mount = spec.containers[0]!.volumeMounts!.find((m) => m.name === 'metrics-token')!;
    expect(mount).toMatchObject({ mountPath: '/var/run/secrets/hono-api', readOnly: true });
    expect(mount.subPath).toBeUndefined();
    const data = only<{ data: Record<string, string> }>(objects, 'ConfigMap').data;
    expect(data.METRICS_AUTH_TOKEN_FILE).toBe('/var/run/secrets/hono-api/METRICS_AUTH_TOKEN');
    expect(data.METRICS_PORT).toBe('9464');
  });

  it('without a token in a Secret: no mount and no METRICS_AUTH_TOKEN_FILE', async () => {
    const { objects } = await render({});
    expect(only<IDeployment>(objects, 'Deployment').spec!.template.spec!.volumes!.map((v) => v.name)).toEqual(['tmp']);
    expect(only<{ data: Record<string, string> }>(objects, 'ConfigMap').data).not.toHaveProperty('METRICS_AUTH_TOKEN_FILE');
  });

  it('an NLB (Service type LoadBalancer) holds a deregistering pod as long as its shutdown lasts, like the ALB', async () => {
    const key = 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes';
    const { objects } = await render({ set: { 'service.type': 'LoadBalancer' }, values: { networkPolicy: { ingress: { cidrs: ['10.0.0.0/16'] } }, service: { annotations: { [key]: 'preserve_client_ip.enabled=false' } } } });
    const service = only<IService>(objects, 'Service');
    const grace = only<IDeployment>(objects, 'Deployment').spec!.template.spec!.terminationGracePeriodSeconds!;
    const attributes = service.metadata!.annotations![key]!;
    expect(attributes).toMatch(/^preserve_client_ip\.enabled=false,deregistration_delay\.timeout_seconds=\d+$/);
    const delay = Number(/deregistration_delay\.timeout_seconds=(\d+)/.exec(attributes)![1]);
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(grace);
  });
});
