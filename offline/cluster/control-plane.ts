/**
 * A local Kubernetes control plane from the upstream components the toolchain builds (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler) plus kwok, which plays the kubelet: pods
 * scheduled to its fake nodes become Running and Ready, though nothing runs (no probes, no traffic).
 * Everything listens on 127.0.0.1; the PKI and the service-account key are made per cluster.
 *
 *   const cluster = await startControlPlane({ dir, chain, out: console.log });
 *   // … KUBECONFIG=cluster.kubeconfig …
 *   await stopControlPlane(dir);
 *
 * The processes are detached and recorded by process id in `<dir>/state.json`, so `npm run cluster
 * -- down` from another shell stops exactly them. A component that fails to start stops the others
 * and is reported with its name and the end of its log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { kubectl } from '../../scripts/lib/kubectl.js';
import { freePort } from '../../scripts/lib/net.js';
import { runCommand, tail } from '../../scripts/lib/run.js';
import { REPO_ROOT, type Toolchain } from '../../tools/toolchain.js';
import { type Pki, kubeconfig, makePki } from './certs.js';

/** The Pod Security admission configuration the kind cluster mounts too (restricted by default). */
export const POD_SECURITY_CONFIG = path.join(REPO_ROOT, 'kind', 'pod-security.yaml');

/** The Service range of the local control plane (the kubernetes Service is 10.0.0.1). */
export const SERVICE_CIDR = '10.0.0.0/24';

export interface ClusterState {
  readonly kubeconfig: string;
  readonly server: string;
  /** The cluster's certificates and keys (a real node signs its own client certificates with the CA). */
  readonly pki: Pki;
  readonly startedAt: string;
  readonly components: readonly { readonly name: string; readonly pid: number; readonly log: string }[];
}

export class ComponentFailedError extends Error {
  override name = 'ComponentFailedError';
}

export interface StartOptions {
  /** Working directory: certificates, etcd data, logs, kubeconfig and state.json. Emptied first. */
  readonly dir: string;
  readonly chain: Toolchain;
  readonly out: (line: string) => void;
  /** Fake nodes kwok manages, one per zone (default 3, so zone and host spreading can be met). */
  readonly nodes?: number;
}

const statePath = (dir: string) => path.join(dir, 'state.json');

export function readState(dir: string): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dir), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** GET, over HTTPS with the admin's client certificate when given; resolves the status code (0 when unreachable). */
function probe(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer } | undefined, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    get(url, { ...(tls ?? {}), timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', () => resolve(0))
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy();
        resolve(0);
      });
  });
}

function probeInsecure(url: string): Promise<number> {
  return new Promise((resolve) => {
    https
      .get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', () => resolve(0));
  });
}

/** Polls `check` until it holds; a component that exits first, or the deadline, fails naming it with the end of its log. */
export async function waitFor(name: string, check: () => Promise<boolean>, child: ChildProcess, log: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const logTail = () => tail(existsSync(log) ? readFileSync(log, 'utf8') : '', 20);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new ComponentFailedError(`${name} exited (${child.exitCode ?? child.signalCode}) while starting; the end of ${log}:\n${logTail()}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new ComponentFailedError(`${name} was not ready within ${timeoutMs / 1000} s; the end of ${log}:\n${logTail()}`);
}

export async function startControlPlane(options: StartOptions): Promise<ClusterState> {
  const { dir, chain, out } = options;
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (readState(dir)?.components.some((c) => alive(c.pid))) throw new Error(`a cluster is already running from ${dir}: \`npm run cluster -- down\` first`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'logs'), { recursive: true });

  const pki = await makePki(runCommand, dir);
  const tls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
  const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfigFile = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfigFile, kubeconfig(server, pki, (f) => readFileSync(f, 'utf8')), { mode: 0o600 });

  const components: { name: string; pid: number; log: string }[] = [];
  const save = () => writeFileSync(statePath(dir), JSON.stringify({ kubeconfig: kubeconfigFile, server, pki, startedAt: new Date().toISOString(), components } satisfies ClusterState, null, 2));
  const launch = (name: string, args: readonly string[]): { child: ChildProcess; log: string } => {
    const log = path.join(dir, 'logs', `${name}.log`);
    const fd = openSync(log, 'a');
    // Detached, in a process group of its own: it outlives `npm run cluster -- up`, and `down` stops it by id.
    const child = spawn(chain.bin(name), args, { detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    components.push({ name, pid: child.pid!, log });
    save();
    return { child, log };
  };

  try {
    out(`cluster: etcd ${chain.goTool('etcd').version} starting…`);
    const etcd = launch('etcd', [
      '--name=local',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=local=http://127.0.0.1:${etcdPeer}`,
      '--log-level=warn',
      // A throwaway store: no fsync, so a test run does not wait on the disk.
      '--unsafe-no-fsync',
    ]);
    await waitFor('etcd', async () => (await probe(`http://127.0.0.1:${etcdClient}/health`, undefined)) === 200, etcd.child, etcd.log, 30_000);
    out(`cluster: etcd ready (${elapsed()}); kube-apiserver ${chain.goTool('kubernetes').version} starting…`);

    const api = launch('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      // A real node (node.ts): the API server reaches its kubelet (logs, exec) by the node's IP, as
      // a client the kubelet's webhook authorizer admits.
      `--kubelet-client-certificate=${pki.kubeletClientCert}`,
      `--kubelet-client-key=${pki.kubeletClientKey}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--authorization-mode=Node,RBAC',
      // The default admission plugins, PodSecurity among them, enforcing `restricted` in every
      // namespace by default exactly as the kind cluster does (the same file); privileged
      // containers refused outright.
      `--admission-control-config-file=${POD_SECURITY_CONFIG}`,
      '--allow-privileged=false',
      '--profiling=false',
    ]);
    await waitFor('kube-apiserver', async () => (await probe(`${server}/readyz`, tls)) === 200, api.child, api.log, 60_000);
    out(`cluster: kube-apiserver ready (${elapsed()}); controller manager, scheduler and kwok starting…`);

    const admin = kubeconfigFile;
    // The controller manager and the scheduler talk to the API server, and check their own callers, as the admin.
    const asAdmin = [`--kubeconfig=${admin}`, `--authentication-kubeconfig=${admin}`, `--authorization-kubeconfig=${admin}`, '--bind-address=127.0.0.1', '--leader-elect=false'];
    const kcm = launch('kube-controller-manager', [
      ...asAdmin,
      `--secure-port=${kcmPort}`,
      `--service-account-private-key-file=${pki.saKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      '--use-service-account-credentials=true',
      // One process runs every controller of a busy test cluster: the default 20 requests/s throttle it.
      '--kube-api-qps=200',
      '--kube-api-burst=400',
    ]);
    const scheduler = launch('kube-scheduler', [...asAdmin, `--secure-port=${schedPort}`]);
    // kwok plays pod stages 4 at a time by default; a rollout that deletes and creates several pods
    // then waits on retries of deletions the garbage collector already made. More workers keep up.
    const kwokConfig = path.join(dir, 'kwok.yaml');
    writeFileSync(kwokConfig, ['apiVersion: config.kwok.x-k8s.io/v1alpha1', 'kind: KwokConfiguration', 'options:', '  podPlayStageParallelism: 64', '  nodePlayStageParallelism: 8', ''].join('\n'));
    const kwok = launch('kwok', [
      `--config=${kwokConfig}`,
      `--kubeconfig=${admin}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      // Renew node leases every few seconds. Without them the nodes' only heartbeat is a status patch
      // about once a minute, past the node lifecycle controller's grace period: it then marks every
      // pod NotReady, stalling rollouts until kwok sets them Ready again.
      '--node-lease-duration-seconds=40',
      '--node-ip=127.0.0.1',
      `--node-port=${kwokPort}`,
      '--cidr=10.244.0.0/16',
    ]);
    // Their serving certificates are self-signed; any HTTP answer on /healthz means they are up.
    const healthy = (port: number) => async () => (await probeInsecure(`https://127.0.0.1:${port}/healthz`)) === 200;
    await waitFor('kube-controller-manager', healthy(kcmPort), kcm.child, kcm.log, 60_000);
    await waitFor('kube-scheduler', healthy(schedPort), scheduler.child, scheduler.log, 60_000);

    await addFakeNodes(chain, admin, options.nodes ?? 3);
    // The default service account comes from the controller manager; pods cannot be admitted before it.
    await waitFor('kube-controller-manager (default service account)', async () => (await kubectl(chain, admin, ['get', 'serviceaccount', 'default', '-n', 'default'])).exitCode === 0, kcm.child, kcm.log, 60_000);
    await waitFor('kwok (nodes Ready)', async () => (await kubectl(chain, admin, ['wait', '--for=condition=Ready', 'node', '--all', '--timeout=1s'])).exitCode === 0, kwok.child, kwok.log, 60_000);
    out(`cluster: ready in ${elapsed()} (${server}, KUBECONFIG=${kubeconfigFile})`);
    return readState(dir)!;
  } catch (err) {
    await stopControlPlane(dir);
    throw err;
  }
}


async function addFakeNodes(chain: Toolchain, admin: string, count: number) {
  const nodes = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: `kwok-node-${i}`,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': `kwok-node-${i}`, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/zone': `local-${String.fromCharCode(97 + i)}`, type: 'kwok' },
    },
    // As a real node reports them, ephemeral storage included: pods that request it (the chart's do) fit.
    status: { allocatable: { cpu: '32', memory: '256Gi', 'ephemeral-storage': '100Gi', pods: '110' }, capacity: { cpu: '32', memory: '256Gi', 'ephemeral-storage': '100Gi', pods: '110' } },
  }));
  const result = await kubectl(chain, admin, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodes }));
  if (result.exitCode !== 0) throw new ComponentFailedError(`could not create the fake nodes: ${result.stderr}`);
}

/** Stops every recorded component (SIGTERM to its process group, SIGKILL after 10 s). */
export async function stopControlPlane(dir: string): Promise<number> {
  const state = readState(dir);
  if (!state) return 0;
  const running = state.components.filter((c) => alive(c.pid)).reverse();
  for (const c of running) {
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (running.some((c) => alive(c.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const c of running.filter((c) => alive(c.pid))) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (existsSync(statePath(dir))) rmSync(statePath(dir));
  return running.length;
}

export function status(dir: string): { running: boolean; components: { name: string; pid: number; alive: boolean }[]; kubeconfig?: string } {
  const state = readState(dir);
  const components = (state?.components ?? []).map((c) => ({ name: c.name, pid: c.pid, alive: alive(c.pid) }));
  return { running: components.length > 0 && components.every((c) => c.alive), components, ...(state ? { kubeconfig: state.kubeconfig } : {}) };
}
