/**
 * Hardening of every workload (the application Deployment and the `helm test` pod) for every CI
 * values file and the kind values, plus the rollout and shutdown contract of the Deployment.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import {
  CI_VALUES_FILES,
  appContainer,
  configData,
  containersOf,
  effectiveValue,
  label,
  ofKind,
  only,
  readValues,
  render,
  workloads,
} from './chart.js';
import type { RenderInput, Workload } from './chart.js';
import { parseConfig } from '../../src/config.js';
import { TRACE_FLUSH_MS } from '../../src/tracing.js';

const APP_UID = 65532;
const DIGEST = /@sha256:[a-f0-9]{64}$/;

/** The security settings that apply to a container: its own, else the pod's. */
function effective(spec: IPodSpec, container: IContainer) {
  const pod = spec.securityContext ?? {};
  const own = container.securityContext ?? {};
  return {
    runAsNonRoot: own.runAsNonRoot ?? pod.runAsNonRoot,
    runAsUser: own.runAsUser ?? pod.runAsUser,
    runAsGroup: own.runAsGroup ?? pod.runAsGroup,
    seccomp: (own.seccompProfile ?? pod.seccompProfile)?.type,
    readOnlyRootFilesystem: own.readOnlyRootFilesystem,
    allowPrivilegeEscalation: own.allowPrivilegeEscalation,
    privileged: own.privileged,
    capabilities: own.capabilities,
  };
}

/** The image tag of a reference (undefined for a digest-only reference or no tag). */
function tagOf(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}

const FILES = CI_VALUES_FILES.map((file) => ({ file, name: label(file) }));

describe.each(FILES)('workload hardening: $name', ({ file }) => {
  const all = async (): Promise<Workload[]> => {
    const found = workloads((await render({ valuesFiles: [file] })).objects);
    expect(found.map((w) => w.isApp).sort()).toEqual([false, true]);
    return found;
  };
  const each = async (check: (w: Workload, c: IContainer) => void) => {
    for (const w of await all()) for (const c of containersOf(w.spec)) check(w, c);
  };

  it('runs every container as non-root, the app as uid/gid 65532', async () => {
    await each((w, c) => {
      const sc = effective(w.spec, c);
      expect(sc.runAsNonRoot, `${w.id}/${c.name}`).toBe(true);
      expect(sc.runAsUser, `${w.id}/${c.name}`).toBeGreaterThan(0);
      if (w.isApp) {
        expect(sc.runAsUser).toBe(APP_UID);
        expect(sc.runAsGroup).toBe(APP_UID);
        expect(w.spec.securityContext?.runAsNonRoot).toBe(true);
      }
    });
  });

  it('uses a read-only root filesystem with an emptyDir at /tmp', async () => {
    await each((w, c) => {
      expect(effective(w.spec, c).readOnlyRootFilesystem, `${w.id}/${c.name}`).toBe(true);
      const mount = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(mount, `${w.id}/${c.name} mounts /tmp`).toBeDefined();
      const volume = w.spec.volumes?.find((v) => v.name === mount?.name);
      expect(volume?.emptyDir, `${w.id} /tmp volume is an emptyDir`).toBeDefined();
      expect(volume?.emptyDir?.sizeLimit, `${w.id} /tmp has a size limit`).toBeDefined();
    });
  });

  it('allows no privilege: no escalation, not privileged, all capabilities dropped, none added', async () => {
    await each((w, c) => {
      const sc = effective(w.spec, c);
      expect(sc.allowPrivilegeEscalation, `${w.id}/${c.name}`).toBe(false);
      expect(sc.privileged, `${w.id}/${c.name}`).toBe(false);
      expect(sc.capabilities?.drop, `${w.id}/${c.name}`).toContain('ALL');
      expect(sc.capabilities?.add ?? [], `${w.id}/${c.name}`).toEqual([]);
      expect(w.spec.hostNetwork ?? false).toBe(false);
      expect(w.spec.hostPID ?? false).toBe(false);
      expect(w.spec.hostIPC ?? false).toBe(false);
    });
  });

  it('applies the RuntimeDefault seccomp profile', async () => {
    await each((w, c) => expect(effective(w.spec, c).seccomp, `${w.id}/${c.name}`).toBe('RuntimeDefault'));
  });

  it('mounts no service account token, in the pods or by the ServiceAccount', async () => {
    const { objects } = await render({ valuesFiles: [file] });
    for (const w of workloads(objects)) expect(w.spec.automountServiceAccountToken, w.id).toBe(false);
    for (const account of ofKind<IServiceAccount>(objects, 'ServiceAccount')) expect(account.automountServiceAccountToken).toBe(false);
  });

  it('sets resource requests and limits for cpu, memory and ephemeral storage (container logs count there) on every container', async () => {
    await each((w, c) => {
      for (const kind of ['requests', 'limits'] as const)
        for (const resource of ['cpu', 'memory', 'ephemeral-storage']) expect(c.resources?.[kind]?.[resource], `${w.id}/${c.name} ${kind}.${resource}`).toBeDefined();
    });
  });

  it('never runs a latest image, and pins the test image by digest', async () => {
    await each((w, c) => {
      expect(c.image, `${w.id}/${c.name}`).toBeTruthy();
      expect(tagOf(c.image!), `${w.id}/${c.name} ${c.image}`).not.toBe('latest');
      if (!DIGEST.test(c.image!)) expect(tagOf(c.image!), `${w.id}/${c.name} ${c.image} has a tag or a digest`).toBeTruthy();
      if (!w.isApp) expect(c.image).toMatch(DIGEST);
    });
  });
});

describe.each(FILES)('rollout and shutdown: $name', ({ file }) => {
  const values = readValues(file);
  const rendered = () => render({ valuesFiles: [file] });
  const deployment = async () => only<IDeployment>((await rendered()).objects, 'Deployment');

  it('rolls out with RollingUpdate and maxUnavailable 0', async () => {
    const { strategy } = (await deployment()).spec!;
    expect(strategy?.type).toBe('RollingUpdate');
    expect(strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });

  it('drains in the service (DRAIN_DELAY_MS), with no preStop hook, and a grace period longer than its shutdown timeout', async () => {
    const { objects } = await rendered();
    const spec = only<IDeployment>(objects, 'Deployment').spec!.template.spec!;
    const container = appContainer(spec);
    expect(container.lifecycle?.preStop).toBeUndefined();
    expect(container.lifecycle?.postStart).toBeUndefined();
    expect(configData(objects).DRAIN_DELAY_MS).toBe(String((effectiveValue(values, 'shutdown.drainSeconds') as number) * 1000));
    const shutdownSeconds = Number(configData(objects).SHUTDOWN_TIMEOUT_MS) / 1000;
    expect(shutdownSeconds).toBeGreaterThan(0);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(shutdownSeconds);
  });

  it('spreads pods across zones and hosts', async () => {
    const spec = (await deployment()).spec!.template.spec!;
    const keys = (spec.topologySpreadConstraints ?? []).map((t) => t.topologyKey);
    expect(keys).toEqual(expect.arrayContaining(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']));
  });

  it('annotates the pods with the config checksum', async () => {
    expect((await deployment()).spec!.template.metadata!.annotations!['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
  });
});

/** An ALB Ingress with the NetworkPolicy source it needs (the load balancer's subnets). */
const ALB_INGRESS = { ingress: { enabled: true }, networkPolicy: { ingress: { cidrs: ['10.0.0.0/16'] } } };

describe('the shutdown timeline: one setting, every deadline derived from it (templates/_helpers.tpl)', () => {
  const timelineOf = async (input: RenderInput) => {
    const { objects } = await render({ ...input, values: ALB_INGRESS, set: { ...input.set } });
    const spec = only<IDeployment>(objects, 'Deployment').spec!.template.spec!;
    const data = configData(objects);
    const ingress = only<{ metadata: { annotations: Record<string, string> } }>(objects, 'Ingress');
    const attributes = ingress.metadata.annotations['alb.ingress.kubernetes.io/target-group-attributes'] ?? '';
    return {
      // What the service itself makes of the rendered settings: it refuses to start on what it cannot accept.
      serviceConfig: () => parseConfig({ ...data, PORT: '8080' } as Record<string, string>),
      preStop: appContainer(spec).lifecycle?.preStop,
      drainSeconds: Number(data.DRAIN_DELAY_MS) / 1000,
      quietSeconds: Number(data.DRAIN_QUIET_MS) / 1000,
      maxDrainSeconds: Number(data.DRAIN_MAX_MS) / 1000,
      shutdownSeconds: Number(data.SHUTDOWN_TIMEOUT_MS) / 1000,
      deregistrationDelay: Number(/deregistration_delay\.timeout_seconds=(\d+)/.exec(attributes)?.[1]),
      grace: spec.terminationGracePeriodSeconds!,
    };
  };

  // From the smallest to the largest values the schema accepts, with the defaults between.
  // (A drain of 0 behind an Ingress is refused: schema.test.ts.)
  it.each([
    [1, 1000, 3, 0, null],
    [10, 10000, 5, 0, null],
    [15, 10000, 5, 5, 60],
    [120, 300000, 3, 0, null],
    [120, 300000, 60, 60, 200],
    [15, 10000, 5, 5, null],
  ])('drainSeconds %i, requestTimeoutMs %i, marginSeconds %i, quietSeconds %i, maxDrainSeconds %s: the longest drain ≤ ALB deregistration ≤ grace, and every request gets its full timeout', async (drain, timeoutMs, margin, quiet, max) => {
    const t = await timelineOf({ set: { 'shutdown.drainSeconds': drain, 'config.requestTimeoutMs': timeoutMs, 'shutdown.marginSeconds': margin, 'shutdown.quietSeconds': quiet, 'shutdown.maxDrainSeconds': max } });
    expect(t.preStop).toBeUndefined();
    expect(t.serviceConfig).not.toThrow();
    expect(t.drainSeconds).toBe(drain);
    const longest = max === null ? drain + quiet : Math.max(drain, max);
    expect(t.maxDrainSeconds).toBe(longest);
    expect(t.quietSeconds).toBe(quiet);
    // A request accepted at the last moment of the longest drain can run its whole timeout before the hard stop.
    expect(t.shutdownSeconds).toBeGreaterThanOrEqual(longest + timeoutMs / 1000);
    // The ALB holds a deregistering target as long as the pod may still answer on it, and no longer
    // than the pod lives (its default, 300 s, outlives every pod).
    expect(t.deregistrationDelay).toBeGreaterThanOrEqual(t.shutdownSeconds);
    expect(t.deregistrationDelay).toBeLessThanOrEqual(t.grace);
    // The kubelet never SIGKILLs before the service's own timeout, nor while it flushes its traces after it.
    expect(t.grace).toBeGreaterThan(t.shutdownSeconds);
    expect((t.grace - t.shutdownSeconds) * 1000).toBeGreaterThan(TRACE_FLUSH_MS);
  });

  it('keeps other target group attributes given in the annotations, and refuses a deregistration delay set by hand', async () => {
    const key = 'alb.ingress.kubernetes.io/target-group-attributes';
    const { objects } = await render({ values: { ...ALB_INGRESS, ingress: { enabled: true, annotations: { [key]: 'stickiness.enabled=false' } } } });
    expect(only<{ metadata: { annotations: Record<string, string> } }>(objects, 'Ingress').metadata.annotations[key]).toMatch(/^stickiness\.enabled=false,deregistration_delay\.timeout_seconds=\d+$/);
    await expect(render({ values: { ...ALB_INGRESS, ingress: { enabled: true, annotations: { [key]: 'deregistration_delay.timeout_seconds=300' } } } })).rejects.toThrow(/deregistration_delay[\s\S]*shutdown\.drainSeconds[\s\S]*Fix:/);
  });

  it('sets no ALB attribute on another ingress class', async () => {
    const { objects } = await render({ values: { ...ALB_INGRESS, ingress: { enabled: true, className: 'nginx' } } });
    expect(Object.keys(only<{ metadata: { annotations?: Record<string, string> } }>(objects, 'Ingress').metadata.annotations ?? {})).not.toContain('alb.ingress.kubernetes.io/target-group-attributes');
  });
});
