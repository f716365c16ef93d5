/**
 * The chart on a real node (offline/cluster/node.ts: containerd, kubelet, kube-proxy and CoreDNS
 * beside the suite's local control plane): what only a kubelet proves. The service's own image
 * (built as the image test builds it) starts under its securityContext in a namespace that enforces
 * Pod Security `restricted`, its probes pass, `helm test` passes with curl really running, and a
 * rolling update under a constant request rate through the Service (kube-proxy) loses no request.
 *
 * The node runs only as root on a machine with cgroups, runc and the CNI plugins (`npm run tools`);
 * with CI=true a machine that cannot start it fails here instead of skipping. With a KUBECONFIG of
 * its own (kind, a real cluster) this file has nothing to add: chart.yml's kind job runs helm test.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kubectl } from '../../scripts/lib/kubectl.js';
import { runHelm } from '../../scripts/lib/helm.js';
import { mustRun, runCommand } from '../../scripts/lib/run.js';
import { CACHE_DIR, REPO_ROOT } from '../../scripts/image/lib/paths.js';
import { buildTestImage, findEngine } from '../../scripts/image/lib/setup.js';
import { readState } from '../../offline/cluster/control-plane.js';
import { CURL_IMAGE, buildCurlImage, buildPauseImage } from '../../offline/cluster/images.js';
import { type NodeState, REAL_NODE_LABEL, REAL_NODE_TAINT, importImage, nodeMemory, pinByDigest, realNodeBlocker, startNode, stopNode } from '../../offline/cluster/node.js';
import { EKS_SHUTDOWN } from '../../stacks/app-stack.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { TERRAFORM_FLAGS, appLocalSynth } from '../../scripts/lib/app-local.js';
import { toolchain } from '../../tools/toolchain.js';
import { startLaggingProxy } from '../helpers/lagging-proxy.js';
import { CHART_DIR, CI_VALUES_FILES, KUBE_VERSION, effectiveValue, label, readValues } from './chart.js';
import { helmTemplate, parseManifestDocuments } from '../../scripts/lib/helm.js';

const kubeconfig = inject('kubeconfig');
const controlPlaneDir = inject('controlPlaneDir');
const chain = toolchain();
const blocker = controlPlaneDir === '' ? undefined : realNodeBlocker();
const runs = controlPlaneDir !== '' && blocker === undefined;
const log = (line: string) => console.log(`[real node] ${line}`);
const figures: [string, string][] = [];
const note = (name: string, value: string) => {
  figures.push([name, value]);
  log(`${name}: ${value}`);
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// REAL_NODE_ELSEWHERE names where else the chart runs on real nodes, for machines that cannot start
// this one (GitHub's runners are not root: ci.yml points at chart.yml's kind job). Without it, CI=true
// and a machine that cannot run the node fail here.
describe('real node', () => {
  it.runIf(process.env.CI === 'true' && !process.env.REAL_NODE_ELSEWHERE)('CI=true: this machine runs the real node (root, cgroups, runc, CNI plugins) beside the local control plane', () => {
    expect(controlPlaneDir === '' ? 'a KUBECONFIG of its own is in use: no local control plane to add the node to (set REAL_NODE_ELSEWHERE to say where the chart runs on real nodes)' : (blocker ?? 'ok')).toBe('ok');
  });
});

const NAMESPACE = 'real-node';
const RELEASE = 'real';
const IMAGE_REPOSITORY = 'localhost/hono-api';
const IMAGE_TAG = 'real-node';
/** One namespace per ci/*-values.yaml file: `real-ci-full`. */
const APP_LOCAL_NAMESPACE = 'real-app-local';
const ciNamespace = (file: string) => `real-ci-${path.basename(file, '-values.yaml')}`;

describe.skipIf(!runs)('the chart on a real node', () => {
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const kube = (args: readonly string[], input?: string) => kubectl(chain, kubeconfig, args, input);
  const helm = (args: readonly string[]) => runHelm(args, { env, timeoutMs: 300_000 });
  let node: NodeState;
  let nodeDir: string;
  let curlImage: string;
  let work = '';

  /** Values placing the release on the real node, with the image the node holds. */
  const placement = () => [
    '--set', `image.repository=${IMAGE_REPOSITORY}`,
    '--set', `image.tag=${IMAGE_TAG}`,
    '--set', 'image.pullPolicy=Never',
    '--set', `tests.image=${curlImage}`,
    '--set-json', `tolerations=${JSON.stringify([{ key: REAL_NODE_TAINT.key, operator: 'Equal', value: REAL_NODE_TAINT.value, effect: REAL_NODE_TAINT.effect }])}`,
    '--set-json', `nodeSelector=${JSON.stringify({ [REAL_NODE_LABEL.key]: REAL_NODE_LABEL.value })}`,
  ];

  beforeAll(async () => {
    const started = performance.now();
    work = mkdtempSync(path.join(os.tmpdir(), 'hono-api-real-node-'));
    const cluster = readState(controlPlaneDir);
    if (!cluster) throw new Error(`no local control plane in ${controlPlaneDir}`);
    nodeDir = path.join(work, 'node');
    node = await startNode({ dir: nodeDir, chain, out: log, controlPlane: cluster });
    note('node start (containerd, kubelet, kube-proxy, CoreDNS) to Ready', seconds(performance.now() - started));

    const images = performance.now();
    await importImage(node, chain, await buildPauseImage(chain, work));
    await importImage(node, chain, await buildCurlImage(work));
    curlImage = await pinByDigest(node, chain, CURL_IMAGE);
    // The service's own image, built as the image test builds it (stand-in bases here).
    const detection = await findEngine();
    if (!detection.found) throw new Error(`no container engine to build the service's image: ${detection.reason}`);
    const engine = detection.engine;
    const standIns = process.env.IMAGE_BASES === 'public' ? undefined : await (await import('../../offline/stand-in-images/stand-ins.js')).ensureStandInBases({ engine, run: runCommand, dockerfile: path.join(REPO_ROOT, 'Dockerfile'), cacheDir: CACHE_DIR, log });
    await buildTestImage({ engine, tag: `${IMAGE_REPOSITORY.replace(/^localhost\//, '')}:${IMAGE_TAG}`, ...(standIns ? { bases: standIns } : {}), log });
    const archive = path.join(work, 'app.tar');
    await mustRun(runCommand, engine.program, ['save', '--format', 'docker-archive', '-o', archive, `${IMAGE_REPOSITORY}:${IMAGE_TAG}`], { env: engine.env, timeoutMs: 300_000 });
    await importImage(node, chain, archive);
    note('images (pause, curl, the service) built and imported', seconds(performance.now() - images));

    await restrictedNamespace(NAMESPACE);
  }, 20 * 60_000);

  /** A fresh namespace that enforces Pod Security `restricted`, as the app stacks create theirs. */
  async function restrictedNamespace(name: string) {
    await kube(['delete', 'namespace', name, '--ignore-not-found', '--wait=true']);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } };
    expect((await kube(['apply', '-f', '-'], JSON.stringify(ns))).exitCode).toBe(0);
  }

  afterAll(async () => {
    if (nodeDir) {
      for (const ns of [NAMESPACE, APP_LOCAL_NAMESPACE, ...CI_VALUES_FILES.map(ciNamespace)]) await kube(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']);
      const left = await stopNode(nodeDir);
      note('node stopped; left behind', left.length === 0 ? 'nothing' : left.join('; '));
      expect(left).toEqual([]);
    }
    if (work) rmSync(work, { recursive: true, force: true });
    if (figures.length > 0) console.log(`\nreal node figures:\n${figures.map(([k, v]) => `  ${k.padEnd(56)} ${v}`).join('\n')}\n`);
  }, 120_000);

  it('the service\'s pods start under restricted Pod Security with the real image, and their probes pass (helm install --wait)', async () => {
    const started = performance.now();
    const r = await helm(['install', RELEASE, CHART_DIR, '-n', NAMESPACE, '--wait', '--timeout', '180s', ...placement()]);
    expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
    note('helm install --wait', seconds(performance.now() - started));
    const memory = nodeMemory(node);
    const total = Object.values(memory).reduce((a, b) => a + b, 0);
    note('node memory (resident, MiB) with the release running', `${total.toFixed(0)} in all: ${Object.entries(memory).map(([name, mib]) => `${name} ${mib.toFixed(0)}`).join(', ')}`);
    const pods = JSON.parse((await kube(['get', 'pods', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'json'])).stdout) as { items: { spec: { nodeName: string }; status: { containerStatuses: { ready: boolean; restartCount: number }[] } }[] };
    expect(pods.items.length).toBe(2);
    for (const pod of pods.items) {
      expect(pod.spec.nodeName).toBe('real-node');
      expect(pod.status.containerStatuses.every((c) => c.ready && c.restartCount === 0)).toBe(true);
    }
  }, 240_000);

  it('helm test passes: curl really runs in the cluster and reaches the Service by name', async () => {
    const started = performance.now();
    const r = await helm(['test', RELEASE, '-n', NAMESPACE, '--timeout', '120s']);
    expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
    expect(r.stdout).toMatch(/Phase:\s+Succeeded/);
    note('helm test', seconds(performance.now() - started));
  }, 180_000);

  /** Until the release runs exactly its two pods, both ready, none terminating: each round starts from a finished rollout. */
  async function settled() {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const pods = JSON.parse((await kube(['get', 'pods', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component!=helm-test`, '-o', 'json'])).stdout) as {
        items: { metadata: { deletionTimestamp?: string }; status: { conditions?: { type: string; status: string }[] } }[];
      };
      const ready = pods.items.filter((p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (pods.items.length === 2 && ready.length === 2) return;
      if (Date.now() > deadline) throw new Error(`the release did not settle: ${pods.items.length} pods, ${ready.length} ready`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /**
   * Every pod's termination as the API server records it (a watch, so the final status is seen
   * before the kubelet deletes the pod): when it was deleted, its container's exit code and end.
   */
  function watchTerminations() {
    const seen = new Map<string, { deletedAt?: string; exitCode?: number; finishedAt?: string }>();
    const watch = spawn(chain.bin('kubectl'), ['get', 'pods', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component!=helm-test`, '--watch', '-o',
      'jsonpath={.metadata.name} {.metadata.deletionTimestamp} {.status.containerStatuses[0].state.terminated.exitCode} {.status.containerStatuses[0].state.terminated.finishedAt}{"\\n"}'], { env });
    let buffer = '';
    watch.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [name, deletedAt, exitCode, finishedAt] = line.split(' ');
        if (!name) continue;
        const pod = seen.get(name) ?? {};
        // The first deletionTimestamp is the deadline (deletion + grace period); the kubelet's final
        // delete moves it to the moment the pod is gone.
        if (deletedAt) pod.deletedAt ??= deletedAt;
        if (exitCode) pod.exitCode = Number(exitCode);
        if (finishedAt) pod.finishedAt = finishedAt;
        seen.set(name, pod);
      }
    });
    return { stop: () => (watch.kill(), [...seen].filter(([, p]) => p.deletedAt).map(([name, p]) => ({ name, ...p }))) };
  }

  /** `helm upgrade --wait` to a new root message (the pods roll) while 200 requests/s go through the Service. */
  async function rollUnderLoad(from: string, to: string, keepAlive = false) {
    const service = (field: string) => kube(['get', 'service', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', `jsonpath={.items[0].spec.${field}}`]);
    const ip = (await service('clusterIP')).stdout.trim();
    const port = Number((await service('ports[0].port')).stdout.trim());
    expect(ip).toMatch(/^10\.0\.0\.\d+$/);
    const load = constantRate({ host: ip, port, path: '/', rps: 200, keepAlive });
    const terminations = watchTerminations();
    await new Promise((r) => setTimeout(r, 2000));
    const started = performance.now();
    const upgrade = await helm(['upgrade', RELEASE, CHART_DIR, '-n', NAMESPACE, '--wait', '--timeout', '180s', ...placement(), '--set', `config.rootMessage=${to}`]);
    expect(upgrade.exitCode, upgrade.stderr).toBe(0);
    const rolled = performance.now() - started;
    // Keep the load on until the old pods have finished their drain and exited.
    await settled();
    const result = await load.stop();
    const grace = Number((await kube(['get', 'deployment', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'jsonpath={.items[0].spec.template.spec.terminationGracePeriodSeconds}'])).stdout);
    return { ...result, rolled, old: result.bodies.get(from) ?? 0, new: result.bodies.get(to) ?? 0, terminated: terminations.stop(), grace };
  }

  it('a rolling update under 200 requests/s through the Service loses no request, and old and new pods both answer', async () => {
    const r = await rollUnderLoad('Hello from hono-api', 'Hello from the new pods');
    note('rolling update (helm upgrade --wait)', seconds(r.rolled));
    note('requests during the rollout (drain 10 s)', `${r.total} sent, ${r.failed.length} failed; old pods answered ${r.old}, new pods ${r.new}`);
    expect(r.failed, JSON.stringify(r.failed.slice(0, 5))).toEqual([]);
    expect(r.total).toBeGreaterThan(200 * 10);
    expect(r.old).toBeGreaterThan(0);
    expect(r.new).toBeGreaterThan(0);
    // Each old pod drained, then stopped on its own with exit code 0 before the kubelet would have
    // killed it: seconds from the deletion (its deadline minus the grace period) to the exit.
    const exitAfter = (p: (typeof r.terminated)[number]) => (Date.parse(p.finishedAt!) - (Date.parse(p.deletedAt!) - r.grace * 1000)) / 1000;
    note('old pods: exit code, seconds from deletion to exit (grace)', `${r.terminated.map((p) => `${p.exitCode} after ${exitAfter(p).toFixed(0)} s`).join(', ')} (grace ${r.grace} s)`);
    expect(r.terminated).toHaveLength(2);
    for (const pod of r.terminated) {
      expect(pod.exitCode, pod.name).toBe(0);
      expect(exitAfter(pod), pod.name).toBeGreaterThanOrEqual(10 - 1); // the drain (timestamps have 1 s resolution)
      expect(exitAfter(pod), pod.name).toBeLessThan(r.grace);
    }
  }, 300_000);

  it('the same with keep-alive clients: the draining pods answer `Connection: close` and the clients reconnect elsewhere, losing nothing', async () => {
    const r = await rollUnderLoad('Hello from the new pods', 'Hello over keep-alive', true);
    note('requests during the rollout (keep-alive, drain 10 s)', `${r.total} sent, ${r.failed.length} failed; old pods answered ${r.old}, new pods ${r.new}`);
    expect(r.failed, JSON.stringify(r.failed.slice(0, 5))).toEqual([]);
    expect(r.old).toBeGreaterThan(0);
    expect(r.new).toBeGreaterThan(0);
  }, 300_000);

  it('a saturated pod stays Ready: its readiness probe answers well within the probe timeout while the pods serve as fast as they can', async () => {
    const pods = JSON.parse((await kube(['get', 'pods', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component!=helm-test`, '-o', 'json'])).stdout) as { items: { metadata: { name: string }; status: { podIP: string } }[] };
    const service = (field: string) => kube(['get', 'service', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', `jsonpath={.items[0].spec.${field}}`]);
    const ip = (await service('clusterIP')).stdout.trim();
    const port = Number((await service('ports[0].port')).stdout.trim());
    const timeoutS = Number((await kube(['get', 'deployment', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'jsonpath={.items[0].spec.template.spec.containers[0].readinessProbe.timeoutSeconds}'])).stdout);
    const since = new Date().toISOString();
    // A closed loop of 64 keep-alive clients through the Service, each sending its next request as soon as the last is answered.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const deadline = performance.now() + 20_000;
    let served = 0;
    const client = async () => {
      while (performance.now() < deadline)
        await new Promise<void>((resolve) => {
          http.get({ host: ip, port, path: '/', agent }, (res) => (res.resume(), res.on('end', () => ((served += 1), resolve())))).on('error', () => resolve());
        });
    };
    // Meanwhile the kubelet's view: /readyz on each pod's own address every 250 ms, on a new connection as the kubelet probes.
    const latencies: number[] = [];
    const probe = async (podIP: string) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await new Promise<void>((resolve) => {
          http.get({ host: podIP, port: 8080, path: '/readyz', agent: false, timeout: timeoutS * 1000 }, (res) => (res.resume(), res.on('end', () => (latencies.push(performance.now() - t), resolve()))))
            .on('timeout', function (this: http.ClientRequest) { this.destroy(new Error('timeout')); })
            .on('error', () => (latencies.push(Infinity), resolve()));
        });
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await Promise.all([...Array.from({ length: 64 }, client), ...pods.items.map((p) => probe(p.status.podIP))]);
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    note('saturated (64 keep-alive clients, 20 s): requests served, /readyz p50 / p99 / max', `${served} (${(served / 20).toFixed(0)}/s); ${at(0.5).toFixed(0)} / ${at(0.99).toFixed(0)} / ${at(1).toFixed(0)} ms against a ${timeoutS} s timeout`);
    expect(served).toBeGreaterThan(1000);
    expect(at(1)).toBeLessThan((timeoutS * 1000) / 2);
    // And the kubelet agrees: no readiness probe failed on any pod.
    const events = JSON.parse((await kube(['get', 'events', '-n', NAMESPACE, '-o', 'json'])).stdout) as { items: { reason: string; message: string; lastTimestamp?: string; eventTime?: string }[] };
    expect(events.items.filter((e) => e.reason === 'Unhealthy' && (e.lastTimestamp ?? e.eventTime ?? '') >= since).map((e) => e.message)).toEqual([]);
  }, 120_000);

  it('the negative control: a readiness probe on a wrong path keeps the new pod out of service, and the old pods serve on', async () => {
    const deployment = (await kube(['get', 'deployment', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'jsonpath={.items[0].metadata.name}'])).stdout.trim();
    const patch = [{ op: 'replace', path: '/spec/template/spec/containers/0/readinessProbe/httpGet/path', value: '/no-such-path' }];
    expect((await kube(['patch', 'deployment', deployment, '-n', NAMESPACE, '--type=json', '-p', JSON.stringify(patch)])).exitCode).toBe(0);
    const stuck = await kube(['rollout', 'status', 'deployment', deployment, '-n', NAMESPACE, '--timeout=20s']);
    expect(stuck.exitCode).not.toBe(0);
    const ready = (await kube(['get', 'deployment', deployment, '-n', NAMESPACE, '-o', 'jsonpath={.status.readyReplicas}/{.status.updatedReplicas}'])).stdout;
    note('with a wrong readiness path after 20 s, ready/updated replicas', ready);
    // maxUnavailable 0: the two old pods are still the ready ones; the one new pod never became ready.
    expect(ready).toBe('2/1');
    expect((await kube(['rollout', 'undo', 'deployment', deployment, '-n', NAMESPACE])).exitCode).toBe(0);
  }, 120_000);

  describe('behind a load balancer that deregisters late (a proxy that removes terminating pods L seconds after they leave the endpoints)', () => {
    const eks = (values: Record<string, number | null>) => Object.entries(values).flatMap(([k, v]) => ['--set', `shutdown.${k}=${v ?? 'null'}`]);
    let round = 0;
    /** Rolls the release under 200 requests/s through a proxy lagging `lagS` seconds, until the old pods are gone. */
    async function rollBehindLag(lagS: number, shutdown: Record<string, number | null>) {
      const service = (await kube(['get', 'service', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'jsonpath={.items[0].metadata.name}'])).stdout.trim();
      const proxy = await startLaggingProxy({ kube, namespace: NAMESPACE, service, lagMs: lagS * 1000 });
      const load = constantRate({ host: '127.0.0.1', port: proxy.port, path: '/', rps: 200 });
      await new Promise((r) => setTimeout(r, 2000));
      round += 1;
      const upgrade = await helm(['upgrade', RELEASE, CHART_DIR, '-n', NAMESPACE, '--wait', '--timeout', '240s', ...placement(), ...eks(shutdown), '--set', `config.rootMessage=round ${round}`]);
      expect(upgrade.exitCode, upgrade.stderr).toBe(0);
      // Until the proxy has let go of the last old pod, and a little after.
      await new Promise((r) => setTimeout(r, (lagS + (shutdown.quietSeconds ?? 0) + 5) * 1000));
      const result = await load.stop();
      await proxy.stop();
      if (result.failed.length > 0) log(`proxy: pool changes ${proxy.changes().join(', ')}; failed connections ${JSON.stringify(proxy.failures().slice(0, 8))}`);
      return result;
    }

    /** `helm upgrade` to `shutdown` without load, then wait until it has settled. */
    async function switchTo(shutdown: Record<string, number | null>, message: string) {
      const r = await helm(['upgrade', RELEASE, CHART_DIR, '-n', NAMESPACE, '--wait', '--timeout', '240s', ...placement(), ...eks(shutdown), '--set', `config.rootMessage=${message}`]);
      expect(r.exitCode, r.stderr).toBe(0);
      await settled();
    }

    beforeAll(() => switchTo(EKS_SHUTDOWN, 'round 0'), 300_000);

    it.each([0, 5, 15, 30])('the EKS values (drain 15 s, quiet 5 s, at most 60 s) lose no request at L = %i s', async (lagS) => {
      await settled();
      const r = await rollBehindLag(lagS, EKS_SHUTDOWN);
      // The load ran through the whole lag: at least 200 requests/s for the rollout and L seconds more.
      expect(r.total).toBeGreaterThan(200 * (10 + lagS));
      note(`behind a ${lagS} s lag, EKS values`, `${r.total} sent, ${r.failed.length} failed${r.failed.length ? ` (${[...new Set(r.failed.map((f) => f.error))].join(', ')})` : ''}`);
      expect(r.failed, JSON.stringify(r.failed.slice(0, 5))).toEqual([]);
    }, 300_000);

    it('the broken twin: the fixed 15 s drain (no quiet period) loses requests at L = 30 s', async () => {
      const fixed = { drainSeconds: 15, quietSeconds: 0, maxDrainSeconds: null };
      // Pods with the fixed drain first (no load); then roll them behind the lag.
      await switchTo(fixed, 'fixed drain');
      const r = await rollBehindLag(30, fixed);
      note('behind a 30 s lag, fixed 15 s drain', `${r.total} sent, ${r.failed.length} failed (${[...new Set(r.failed.map((f) => f.error))].join(', ')})`);
      expect(r.failed.length).toBeGreaterThan(0);
    }, 300_000);

    it('the negative control: without a drain (shutdown.drainSeconds 0) the rollout loses requests at L = 5 s', async () => {
      const none = { drainSeconds: 0, quietSeconds: 0, maxDrainSeconds: null };
      await switchTo(none, 'no drain');
      const r = await rollBehindLag(5, none);
      note('behind a 5 s lag, no drain', `${r.total} sent, ${r.failed.length} failed (${[...new Set(r.failed.map((f) => f.error))].join(', ')})`);
      expect(r.failed.length).toBeGreaterThan(0);
    }, 300_000);
  });

  // Every ci/*-values.yaml (what chart-testing installs) on the node, with the real image: each
  // file's pods start under restricted Pod Security and its `helm test` passes. What needs a cloud
  // or an operator stands in: the Secret an ExternalSecret would sync is created first, a
  // LoadBalancer Service gets no address (nobody provisions one here) and is judged by its
  // ClusterIP, an Ingress or HTTPRoute has no controller to serve it.
  describe.each(CI_VALUES_FILES.map((f) => [label(f), f]))('%s on the real node', (_label, file) => {
    const namespace = ciNamespace(file);
    const release = 'ci';
    const values = readValues(file);
    const fileArgs = () => [
      '-f', file, ...placement(),
      // The file may pin a registry's digest; the node holds the image by tag.
      '--set', 'image.digest=',
      // A cluster-wide PriorityClass of its own, so the kwok lifecycle test's copy is not touched.
      ...(effectiveValue(values, 'priorityClass.create') === true ? ['--set', `priorityClass.name=real-node-${path.basename(file, '-values.yaml')}`] : []),
    ];

    beforeAll(async () => {
      await restrictedNamespace(namespace);
      const rendered = await helmTemplate({ chart: CHART_DIR, release, namespace, kubeVersion: KUBE_VERSION, valuesFiles: [file] });
      expect(rendered.exitCode, rendered.stderr).toBe(0);
      // The Secret the External Secrets operator would sync from Secrets Manager, with a value per key.
      for (const { object } of parseManifestDocuments(rendered.stdout).filter((d) => d.object.kind === 'ExternalSecret')) {
        const spec = (object as unknown as { spec: { target: { name: string }; data: { secretKey: string }[] } }).spec;
        const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: spec.target.name, namespace }, stringData: Object.fromEntries(spec.data.map((d) => [d.secretKey, `stand-in-${d.secretKey.toLowerCase()}`])) };
        expect((await kube(['apply', '-f', '-'], JSON.stringify(secret))).exitCode).toBe(0);
      }
    }, 120_000);

    it('installs and rolls out: every pod Ready on the real node, none restarted', async () => {
      const started = performance.now();
      const install = await helm(['install', release, CHART_DIR, '-n', namespace, ...fileArgs()]);
      expect(install.exitCode, `${install.stderr}\n${install.stdout}`).toBe(0);
      const deployment = (await kube(['get', 'deployment', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'jsonpath={.items[0].metadata.name}'])).stdout.trim();
      const rolled = await kube(['rollout', 'status', 'deployment', deployment, '-n', namespace, '--timeout=180s']);
      expect(rolled.exitCode, `${rolled.stderr}\n${(await kube(['get', 'events', '-n', namespace])).stdout}`).toBe(0);
      const pods = JSON.parse((await kube(['get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/instance=${release},app.kubernetes.io/component!=helm-test`, '-o', 'json'])).stdout) as { items: { spec: { nodeName: string }; status: { containerStatuses: { ready: boolean; restartCount: number }[] } }[] };
      expect(pods.items.length).toBeGreaterThan(0);
      for (const pod of pods.items) {
        expect(pod.spec.nodeName).toBe('real-node');
        expect(pod.status.containerStatuses.every((c) => c.ready && c.restartCount === 0)).toBe(true);
      }
      note(`${label(file)}: installed and rolled out`, `${pods.items.length} pods in ${seconds(performance.now() - started)}`);
    }, 240_000);

    it('helm test passes', async () => {
      const r = await helm(['test', release, '-n', namespace, '--timeout', '120s']);
      expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
    }, 180_000);

    it('uninstalls', async () => {
      const r = await helm(['uninstall', release, '-n', namespace, '--wait', '--timeout', '120s']);
      expect(r.exitCode, r.stderr).toBe(0);
      await kube(['delete', 'namespace', namespace, '--wait=false']);
    }, 180_000);
  });

  // The app-local stack (the dev environment's app through the Terraform Helm provider, as
  // `npm run kind -- deploy` applies it) onto this node: LOCAL_NODE_POOL places the pods here.
  describe('app-local through the Terraform Helm provider, on the real node', () => {
    const namespace = APP_LOCAL_NAMESPACE;
    const { releaseName } = platformConfig.environments.dev.app;
    let stackDir = '';
    const tf = (args: readonly string[]) => runCommand(chain.terraform().binary, [...args, ...TERRAFORM_FLAGS], { cwd: stackDir, env: chain.terraformEnv(), timeoutMs: 300_000 });

    it('synthesises and applies: the release\'s pods run on the real node, Ready, and answer through the Service with the dev message', async () => {
      const started = performance.now();
      const synth = appLocalSynth({ outdir: path.join(work, 'app-local'), kubeconfig, imageRepository: IMAGE_REPOSITORY, imageTag: IMAGE_TAG, nodePool: REAL_NODE_LABEL, namespace });
      stackDir = synth.stackDir;
      const synthesised = await runCommand(synth.command, synth.args, { cwd: REPO_ROOT, env: { ...process.env, ...synth.env }, timeoutMs: 300_000 });
      expect(synthesised.exitCode, synthesised.stderr).toBe(0);
      for (const step of [['init'], ['apply', '-auto-approve']]) {
        const r = await tf(step);
        expect(r.exitCode, `terraform ${step[0]}: ${r.stderr}\n${r.stdout}`).toBe(0);
      }
      note('app-local: synth, terraform init and apply', seconds(performance.now() - started));
      const pods = JSON.parse((await kube(['get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/instance=${releaseName},app.kubernetes.io/component!=helm-test`, '-o', 'json'])).stdout) as { items: { spec: { nodeName: string }; status: { containerStatuses: { ready: boolean }[] } }[] };
      expect(pods.items.length).toBe(platformConfig.environments.dev.app.replicas);
      for (const pod of pods.items) {
        expect(pod.spec.nodeName).toBe('real-node');
        expect(pod.status.containerStatuses.every((c) => c.ready)).toBe(true);
      }
      // Through kube-proxy from the host, as the rollout's load goes (the release's test hook would
      // need the chart's public curl image, which this node cannot pull).
      const service = (field: string) => kube(['get', 'service', '-n', namespace, '-l', `app.kubernetes.io/instance=${releaseName}`, '-o', `jsonpath={.items[0].spec.${field}}`]);
      const url = `http://${(await service('clusterIP')).stdout.trim()}:${(await service('ports[0].port')).stdout.trim()}/`;
      const answer = (await (await fetch(url)).json()) as { message: string };
      expect(answer.message).toBe(platformConfig.environments.dev.app.rootMessage);
    }, 600_000);

    it('destroys: no release and no namespace left', async () => {
      const r = await tf(['destroy', '-auto-approve']);
      expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
      expect((await helm(['list', '-n', namespace, '-q'])).stdout.trim()).toBe('');
    }, 300_000);
  });
});

interface LoadResult {
  total: number;
  failed: { at: number; error: string }[];
  /** How many 2xx responses carried each body (the root message tells old pods from new). */
  bodies: Map<string, number>;
}

/**
 * A bounded open-loop client: `rps` GETs per second, each on a new TCP connection (so every request
 * goes through kube-proxy's choice of endpoint) or, with keepAlive, over a pool of kept-alive ones;
 * none retried. A failure is any non-2xx answer or a connection error.
 */
function constantRate(target: { host: string; port: number; path: string; rps: number; keepAlive?: boolean }): { stop: () => Promise<LoadResult> } {
  const result: LoadResult = { total: 0, failed: [], bodies: new Map() };
  const agent = target.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 32 }) : false;
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  const one = () =>
    new Promise<void>((resolve) => {
      result.total += 1;
      const at = performance.now() - t0;
      const req = http.get({ host: target.host, port: target.port, path: target.path, agent, timeout: 10_000, headers: target.keepAlive ? {} : { connection: 'close' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) {
            let message = body;
            try {
              message = (JSON.parse(body) as { message?: string }).message ?? body;
            } catch {
              // not JSON: counted by its body
            }
            result.bodies.set(message, (result.bodies.get(message) ?? 0) + 1);
          } else result.failed.push({ at, error: `HTTP ${res.statusCode}` });
          resolve();
        });
        res.on('error', (err) => {
          result.failed.push({ at, error: `mid-response ${err.message}` });
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        result.failed.push({ at, error: err.code ?? err.message });
        resolve();
      });
    });
  const timer = setInterval(() => {
    const p = one();
    pending.add(p);
    void p.then(() => pending.delete(p));
  }, 1000 / target.rps);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(pending);
      if (agent) agent.destroy();
      return result;
    },
  };
}
