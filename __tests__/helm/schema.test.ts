/**
 * Values the chart must refuse, each with a readable message that names the field: the JSON
 * schema (misspelt keys, wrong types, weakened hardening, unpinned images) and the cross-field
 * checks in templates/_validate.tpl and _helpers.tpl.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { describe, expect, it } from 'vitest';
import { appContainer, only, render, tryLint, tryRender } from './chart.js';
import type { RenderInput } from './chart.js';
import { TRACE_FLUSH_MS } from '../../src/tracing.js';

/**
 * The part of Helm's error meant for a person: the schema's field lines, or the chart's own `fail`
 * message without Go's template call chain (Helm 3.6 prints the whole chain; newer Helm trims it).
 */
function userMessage(stderr: string): string {
  if (/values don't meet the specifications of the schema/.test(stderr)) {
    return stderr
      .split('\n')
      .filter((line) => line.startsWith('- '))
      .join('\n');
  }
  const failed = stderr.lastIndexOf('error calling fail: ');
  if (failed !== -1) return (stderr.slice(failed + 'error calling fail: '.length).split('\n')[0] ?? '').trim();
  const execution = /execution error at \([^)]*\): (.*)/.exec(stderr);
  if (execution) return execution[1]!.trim();
  return stderr.replace(/^Error: /, '').split('\n')[0]!.trim();
}

async function rejection(input: RenderInput): Promise<string> {
  const result = await tryRender(input);
  expect(result.exitCode, `helm template should fail for ${JSON.stringify(input)}`).not.toBe(0);
  const message = userMessage(result.stderr);
  expect(message.length).toBeGreaterThan(0);
  expect(message.length, message).toBeLessThan(400);
  expect(message).not.toMatch(/executing "|<include|error calling include/);
  return message;
}

describe('schema: misspelt or unknown keys', () => {
  it('rejects image.tga, naming image and tga', async () => {
    const message = await rejection({ set: { 'image.tga': '1.0.0' } });
    expect(message).toMatch(/image/);
    expect(message).toMatch(/tga/);
    expect(message).toMatch(/[Aa]dditional propert/);
  });

  it('rejects a top-level replicas (the key is replicaCount)', async () => {
    const message = await rejection({ set: { replicas: 2 } });
    expect(message).toMatch(/replicas\b/);
    expect(message).toMatch(/[Aa]dditional propert/);
  });

  it('rejects a misspelt nested key in a values file', async () => {
    expect(await rejection({ values: { networkPolicy: { ingres: { cidrs: ['10.0.0.0/8'] } } } })).toMatch(/networkPolicy[\s\S]*ingres\b/);
  });

  it('makes helm lint --strict fail too', async () => {
    const result = await tryLint({ set: { 'image.tga': '1.0.0' } });
    expect(result.exitCode).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/tga/);
  });
});

describe('schema: types and formats', () => {
  it('rejects replicaCount=two, naming the field and the expected type', async () => {
    const message = await rejection({ set: { replicaCount: 'two' } });
    expect(message).toMatch(/replicaCount/);
    expect(message).toMatch(/integer/);
  });

  it.each([
    ['image.digest', 'sha256:abc', /image\.digest|digest/],
    ['image.digest', 'md5:0123456789abcdef0123456789abcdef', /digest/],
    ['tests.image', 'curlimages/curl:8.5.0', /tests\.image|image/],
    ['image.pullPolicy', 'Sometimes', /pullPolicy/],
    ['containerPort', 80, /containerPort/],
    ['config.logLevel', 'verbose', /logLevel/],
  ])('rejects %s=%s', async (key, value, field) => {
    expect(await rejection({ set: { [key]: value } })).toMatch(field);
  });
});

describe('the latest tag', () => {
  it('is rejected while image.allowLatest is off, naming image.tag and the way out', async () => {
    const message = await rejection({ set: { 'image.tag': 'latest' } });
    expect(message).toMatch(/image\.tag/);
    expect(message).toMatch(/latest/);
    expect(message).toMatch(/allowLatest/);
  });

  it('is accepted with image.allowLatest=true', async () => {
    const { objects } = await render({ set: { 'image.tag': 'latest', 'image.allowLatest': true } });
    expect(appContainer(only<IDeployment>(objects, 'Deployment').spec!.template.spec!).image).toBe('hono-api:latest');
  });

  it('is irrelevant when a digest is set: the digest is what runs', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const { objects } = await render({ set: { 'image.tag': 'latest', 'image.digest': digest } });
    expect(appContainer(only<IDeployment>(objects, 'Deployment').spec!.template.spec!).image).toBe(`hono-api@${digest}`);
  });
});

describe('schema: hardening cannot be weakened', () => {
  it.each([
    ['securityContext.runAsNonRoot', false],
    ['podSecurityContext.runAsNonRoot', false],
    ['securityContext.allowPrivilegeEscalation', true],
    ['securityContext.privileged', true],
    ['securityContext.readOnlyRootFilesystem', false],
    ['securityContext.runAsUser', 0],
    ['securityContext.runAsGroup', 0],
    ['podSecurityContext.runAsUser', 0],
    ['podSecurityContext.runAsGroup', 0],
    ['securityContext.seccompProfile.type', 'Unconfined'],
    ['podSecurityContext.seccompProfile.type', 'Unconfined'],
  ])('rejects %s=%s, naming the field', async (key, value) => {
    const message = await rejection({ set: { [key]: value } });
    expect(message).toMatch(new RegExp(key.split('.').at(-1)!));
    expect(message).toMatch(new RegExp(key.split('.')[0]!));
  });

  it('rejects an added capability', async () => {
    expect(await rejection({ values: { securityContext: { capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } } })).toMatch(/capabilities\.add|add/);
  });

  it('rejects capabilities that do not drop ALL', async () => {
    expect(await rejection({ values: { securityContext: { capabilities: { drop: ['NET_RAW'] } } } })).toMatch(/capabilities\.drop|drop/);
  });

  it('rejects a shutdown margin no longer than the service\'s trace flush (the kubelet would SIGKILL it mid-flush)', async () => {
    expect(await rejection({ set: { 'shutdown.marginSeconds': Math.ceil(TRACE_FLUSH_MS / 1000) } })).toMatch(/marginSeconds/);
    expect((await tryRender({ set: { 'shutdown.marginSeconds': Math.floor(TRACE_FLUSH_MS / 1000) + 1 } })).exitCode).toBe(0);
  });

  it.each([0, '0%'])('rejects a PodDisruptionBudget maxUnavailable of %s, which would block every node drain', async (value) => {
    expect(await rejection({ values: { podDisruptionBudget: { maxUnavailable: value } } })).toMatch(/maxUnavailable/);
  });
});

describe('cross-field checks (templates/_validate.tpl)', () => {
  it.each<[string, RenderInput, RegExp[]]>([
    ['autoscaling min > max', { set: { 'autoscaling.enabled': true, 'autoscaling.minReplicas': 5, 'autoscaling.maxReplicas': 2 } }, [/autoscaling\.minReplicas \(5\)/, /autoscaling\.maxReplicas \(2\)/]],
    [
      'autoscaling without any utilisation target',
      { values: { autoscaling: { enabled: true, targetCPUUtilizationPercentage: null, targetMemoryUtilizationPercentage: null } } },
      [/targetCPUUtilizationPercentage/, /targetMemoryUtilizationPercentage/],
    ],
    ['secrets.create with externalSecret.enabled', { values: { secrets: { create: true }, externalSecret: { enabled: true, data: [{ secretKey: 'METRICS_AUTH_TOKEN', remoteRef: { key: 'k' } }] } } }, [/secrets\.create/, /externalSecret\.enabled/]],
    ['secrets.existingSecret with secrets.create', { set: { 'secrets.existingSecret': 'mine', 'secrets.create': true } }, [/secrets\.existingSecret/]],
    // The real node measured it: without a drain, what the load balancer still sends after SIGTERM fails.
    ['no drain behind an Ingress', { set: { 'ingress.enabled': true, 'shutdown.drainSeconds': 0 }, values: { networkPolicy: { ingress: { cidrs: ['10.0.0.0/16'] } } } }, [/shutdown\.drainSeconds is 0 with ingress\.enabled true/, /Fix: set shutdown\.drainSeconds/]],
    ['a shutdown longer than the service accepts (600 s)', { set: { 'shutdown.maxDrainSeconds': 300, 'config.requestTimeoutMs': 300000, 'shutdown.marginSeconds': 60 } }, [/the shutdown would take 660 s/, /Fix: lower shutdown\.maxDrainSeconds/]],
    ['a longest drain the quiet period cannot fit in', { set: { 'shutdown.quietSeconds': 5, 'shutdown.maxDrainSeconds': 12 } }, [/shutdown\.maxDrainSeconds \(12\) is below shutdown\.drainSeconds \(10\) \+ shutdown\.quietSeconds \(5\)/]],
    ['metricsPort equal to containerPort (/metrics would be where the load balancer sends)', { set: { metricsPort: 8080 } }, [/metricsPort and containerPort are both 8080/, /Fix: give metricsPort another port/]],
    ['a LoadBalancer Service with the default NetworkPolicy (the NLB and its health checks are blocked)', { set: { 'service.type': 'LoadBalancer' } }, [/service\.type is LoadBalancer but networkPolicy\.ingress\.cidrs is empty/, /Fix: set networkPolicy\.ingress\.cidrs to the VPC/]],
    ['a LoadBalancer Service admitting only namespaces (the NLB comes from subnet addresses)', { set: { 'service.type': 'LoadBalancer' }, values: { networkPolicy: { ingress: { namespaces: ['gateway-system'] } } } }, [/networkPolicy\.ingress\.cidrs is empty/]],
    ['a hand-set NLB deregistration delay', { set: { 'service.type': 'LoadBalancer' }, values: { networkPolicy: { ingress: { cidrs: ['10.0.0.0/16'] } }, service: { annotations: { 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'deregistration_delay.timeout_seconds=300' } } } }, [/service\.annotations\["service\.beta\.kubernetes\.io\/aws-load-balancer-target-group-attributes"\] sets deregistration_delay/]],
    ['externalSecret without data', { set: { 'externalSecret.enabled': true } }, [/externalSecret\.data/]],
    ['ingress and httpRoute together', { values: { ingress: { enabled: true }, httpRoute: { enabled: true, parentRefs: [{ name: 'gw' }] } } }, [/ingress\.enabled/, /httpRoute\.enabled/]],
    ['httpRoute without parentRefs', { set: { 'httpRoute.enabled': true } }, [/httpRoute\.parentRefs/]],
    ['priorityClass.create with priorityClassName', { set: { 'priorityClass.create': true, 'priorityClass.name': 'mine', priorityClassName: 'high' } }, [/priorityClass\.create/, /priorityClassName/]],
    ['priorityClass.create without a name (cluster-wide: a release-derived name collides across namespaces)', { set: { 'priorityClass.create': true } }, [/priorityClass\.create/, /priorityClass\.name/]],
    ['an Ingress with the default NetworkPolicy (nothing admitted: the load balancer is blocked)', { set: { 'ingress.enabled': true } }, [/ingress\.enabled/, /networkPolicy\.ingress/]],
    ['an HTTPRoute with the default NetworkPolicy', { values: { httpRoute: { enabled: true, parentRefs: [{ name: 'gw' }] } } }, [/httpRoute\.enabled/, /networkPolicy\.ingress/]],
    ['a ServiceMonitor while the service exports no metrics (HonoApiDown would fire)', { set: { 'config.metricsEnabled': false, 'metrics.serviceMonitor.enabled': true } }, [/config\.metricsEnabled/, /serviceMonitor/]],
    ['a PrometheusRule while the service exports no metrics', { set: { 'config.metricsEnabled': false, 'metrics.prometheusRule.enabled': true } }, [/config\.metricsEnabled/, /prometheusRule/]],
  ])('rejects %s with a message naming the fields and the fix', async (_, input, fields) => {
    const message = await rejection(input);
    for (const field of fields) expect(message).toMatch(field);
    expect(message).toMatch(/Fix: /);
  });

  it.each<[string, RenderInput]>([
    ['Kubernetes 1.29 (the drain needs no preStop sleep action)', { kubeVersion: '1.29.0' }],
    ['autoscaling with only a CPU target', { values: { autoscaling: { enabled: true, targetMemoryUtilizationPercentage: null } } }],
    ['an existing secret alone', { set: { 'secrets.existingSecret': 'mine' } }],
  ])('accepts %s', async (_, input) => {
    const result = await tryRender(input);
    expect(result.exitCode, result.stderr).toBe(0);
  });
});

describe('userMessage', () => {
  it('keeps the field lines of a schema error', () => {
    const stderr = "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nhono-api:\n- image: Additional property tga is not allowed\n";
    expect(userMessage(stderr)).toBe('- image: Additional property tga is not allowed');
  });

  it('strips the template call chain from a fail', () => {
    const stderr = 'Error: template: c/templates/a.yaml:1:4: executing "c/templates/a.yaml" at <include "x" .>: error calling include: template: c/templates/_v.tpl:3:4: executing "x" at <fail "m">: error calling fail: x.y is wrong. Fix: z\n\nUse --debug flag to render out invalid YAML\n';
    expect(userMessage(stderr)).toBe('x.y is wrong. Fix: z');
  });

  it("reads newer Helm's execution error format", () => {
    expect(userMessage('Error: execution error at (c/templates/a.yaml:1:4): x.y is wrong. Fix: z\n')).toBe('x.y is wrong. Fix: z');
  });
});
