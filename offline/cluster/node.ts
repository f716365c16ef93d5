/**
 * A real node for the local control plane: containerd, a kubelet, kube-proxy and CoreDNS on this
 * machine, so pods really run (probes, signals, traffic), next to kwok's fake nodes. Root only.
 *
 *   const node = await startNode({ dir, chain, out, controlPlane });
 *   await importImage(node, 'app.tar');               // docker-archive tars, e.g. from `podman save`
 *   // pods that tolerate REAL_NODE_TAINT and select REAL_NODE_LABEL run here
 *   const leftovers = await stopNode(dir);           // [] when everything was undone
 *
 * The host changes are the ones ../shared/real-node/RECIPE.md measured, each undone by stopNode:
 * a bridge of its own (its address is the node IP, as the kubelet refuses loopback), a cgroup
 * root in every v1 hierarchy (or under cgroup2), mounts under `dir`, kube-proxy's iptables
 * chains, and the kernel settings the kubelet rewrites at start (put back once it is Ready).
 * No traffic leaves the machine: pods get routes to the pod and Service ranges only, no masquerade,
 * and CoreDNS answers cluster names only.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kubectl } from '../../scripts/lib/kubectl.js';
import { type Run, mustRun, runCommand } from '../../scripts/lib/run.js';
import type { Toolchain } from '../../tools/toolchain.js';
import { type Pki, signClientCert } from './certs.js';
import { ComponentFailedError, type ClusterState, SERVICE_CIDR, waitFor } from './control-plane.js';

export const NODE_NAME = 'real-node';
/** Pods run on the real node only when they tolerate this taint (kwok's nodes keep the others). */
export const REAL_NODE_TAINT = { key: 'hono-api.dev/real-node', value: 'true', effect: 'NoSchedule' } as const;
export const REAL_NODE_LABEL = { key: 'hono-api.dev/real-node', value: 'true' } as const;
const BRIDGE = 'honoapi0';
const NODE_IP = '10.98.0.1';
const POD_CIDR = '10.98.0.0/24';
const CGROUP_ROOT = 'hono-api-node';
/** The sandbox image every pod starts with, built from upstream's pause.c (images.ts). */
export const PAUSE_IMAGE = 'localhost/hono-api-node/pause:3.10.1';
/** What the kubelet rewrites at start (protectKernelDefaults would make it refuse instead). */
const KUBELET_SYSCTLS = ['vm.overcommit_memory', 'vm.panic_on_oom', 'kernel.panic', 'kernel.panic_on_oops', 'kernel.keys.root_maxkeys', 'kernel.keys.root_maxbytes'];

export interface NodeState {
  readonly dir: string;
  readonly containerdSocket: string;
  readonly nodeIp: string;
  readonly components: readonly { readonly name: string; readonly pid: number; readonly log: string }[];
  /** Kernel settings as they were before the node started. */
  readonly sysctls: Readonly<Record<string, string>>;
  /** Paths outside `dir` that did not exist before (removed again by stopNode). */
  readonly created: readonly string[];
}

export interface NodeOptions {
  /** The node's own directory: state, sockets, logs. Emptied first. */
  readonly dir: string;
  readonly chain: Toolchain;
  readonly out: (line: string) => void;
  readonly controlPlane: ClusterState & { readonly pki: Pki };
  readonly run?: Run;
}

const statePath = (dir: string) => path.join(dir, 'node-state.json');
export const readNodeState = (dir: string): NodeState | undefined => {
  try {
    return JSON.parse(readFileSync(statePath(dir), 'utf8')) as NodeState;
  } catch {
    return undefined;
  }
};

/** Why this machine cannot run the node, or undefined when it can. */
export function realNodeBlocker(): string | undefined {
  if (process.getuid?.() !== 0) return 'the real node needs root (it creates a bridge, cgroups and mounts)';
  if (!existsSync('/sys/fs/cgroup')) return 'no /sys/fs/cgroup';
  if (!existsSync('/usr/lib/cni/bridge') && !existsSync('/opt/cni/bin/bridge')) return 'no CNI plugins: `npm run tools` installs containernetworking-plugins';
  if (!existsSync('/usr/sbin/runc') && !existsSync('/usr/bin/runc')) return 'no runc: `npm run tools` installs it';
  return undefined;
}

const cniDir = () => (existsSync('/usr/lib/cni/bridge') ? '/usr/lib/cni' : '/opt/cni/bin');
const runcPath = () => (existsSync('/usr/sbin/runc') ? '/usr/sbin/runc' : '/usr/bin/runc');

/**
 * Every cgroup hierarchy the kubelet checks: the v1 controllers (name=systemd included) or the one
 * cgroup2 tree. With `andUnified`, also a hybrid host's cgroup2 mount, where runc creates the
 * pods' cgroups too (to remove them).
 */
function cgroupHierarchies(andUnified = false): string[] {
  const unified = existsSync('/sys/fs/cgroup/cgroup.controllers');
  if (unified) return ['/sys/fs/cgroup'];
  return readdirSync('/sys/fs/cgroup')
    .map((d) => path.join('/sys/fs/cgroup', d))
    .filter((d) => statSync(d).isDirectory() && (andUnified || !d.endsWith('/unified')));
}

/** KUBE-* chains already on this machine (another kubelet or kube-proxy): the node would not be able to tell its own from theirs. */
async function kubeChains(run: Run): Promise<string[]> {
  const chains: string[] = [];
  for (const tool of ['iptables-save', 'ip6tables-save']) {
    const out = (await run(tool, [])).stdout;
    chains.push(...out.split('\n').filter((l) => /^:KUBE-/.test(l)).map((l) => `${tool.replace('-save', '')} ${l.slice(1).split(' ')[0]}`));
  }
  return chains;
}

const containerdConfig = (dir: string) => `version = 3
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.erofs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "${dir}/run/containerd.sock"
[ttrpc]
  address = "${dir}/run/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/containerd/opt"
[plugins."io.containerd.cri.v1.runtime"]
  enable_selinux = false
  disable_apparmor = true
  # Pod network namespaces under our state directory, not /run/netns: stopNode unmounts them.
  netns_mounts_under_state_dir = true
  # Where CAP_SYS_RESOURCE is not in the capability bounding set (as on the machines this is tested
  # on) no process may lower its oom_score_adj, and runc fails every sandbox the kubelet asks for
  # at -998: clamp to containerd's own value instead (RECIPE.md, blocker 1).
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
      BinaryName = "${runcPath()}"
      Root = "${dir}/runc"
      SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["${cniDir()}"]
    conf_dir = "${dir}/cni"
[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "${PAUSE_IMAGE}"
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;

const cniConfig = (dir: string) =>
  JSON.stringify({
    cniVersion: '1.0.0',
    name: 'hono-api-node',
    plugins: [
      {
        type: 'bridge',
        bridge: BRIDGE,
        isGateway: true,
        // Nothing leaves the machine: no masquerade, and routes to the pod and Service ranges only.
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', dataDir: `${dir}/cni-ipam`, ranges: [[{ subnet: POD_CIDR, rangeStart: '10.98.0.10', gateway: NODE_IP }]], routes: [{ dst: SERVICE_CIDR }] },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });

const kubeletConfig = (dir: string, pki: { caCert: string }, ports: { kubelet: number; healthz: number }) =>
  JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: NODE_IP,
    port: ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ports.healthz,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.caCert } },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${dir}/run/containerd.sock`,
    imageServiceEndpoint: `unix://${dir}/run/containerd.sock`,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: `/${CGROUP_ROOT}`,
    // cgroup v1 is deprecated (the kubelet refuses it from 1.35 unless told otherwise); the machines
    // this is tested on have v1 only.
    failCgroupV1: false,
    failSwapOn: false,
    podLogsDir: `${dir}/pod-logs`,
    // Nothing of the kubelet's outside `dir`: flexvolume plugins (default /usr/libexec/kubernetes/…).
    volumePluginDir: `${dir}/volume-plugins`,
    resolvConf: '/etc/resolv.conf',
    clusterDomain: 'cluster.local',
    clusterDNS: [NODE_IP],
    // No KUBE-IPTABLES-HINT or KUBE-KUBELET-CANARY chains: less to undo.
    makeIPTablesUtilChains: false,
    serializeImagePulls: false,
    evictionHard: { 'memory.available': '200Mi', 'nodefs.available': '5%', 'imagefs.available': '5%' },
    imageGCHighThresholdPercent: 99,
    imageGCLowThresholdPercent: 98,
    nodeStatusUpdateFrequency: '4s',
    syncFrequency: '10s',
    fileCheckFrequency: '10s',
    maxPods: 50,
    registerWithTaints: [REAL_NODE_TAINT],
  });

const kubeProxyConfig = (kubeconfigFile: string, ports: { healthz: number; metrics: number }) =>
  JSON.stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    // iptables mode: nftables mode needs the nft binary.
    mode: 'iptables',
    clientConnection: { kubeconfig: kubeconfigFile },
    hostnameOverride: NODE_NAME,
    bindAddress: '127.0.0.1',
    healthzBindAddress: `127.0.0.1:${ports.healthz}`,
    metricsBindAddress: `127.0.0.1:${ports.metrics}`,
    clusterCIDR: POD_CIDR,
    nodePortAddresses: [`${NODE_IP}/32`],
    // Leave the machine's conntrack table, timeouts and route_localnet alone.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    iptables: { masqueradeAll: false, localhostNodePorts: false, syncPeriod: '10s', minSyncPeriod: '1s' },
  });

const corefile = (kubeconfigFile: string, ports: { health: number; ready: number }) => `.:53 {
    bind ${NODE_IP}
    errors
    health 127.0.0.1:${ports.health}
    ready 127.0.0.1:${ports.ready}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfigFile}
        pods insecure
        ttl 5
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 5
    loadbalance
}
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sysctl = async (run: Run, key: string) => (await mustRun(run, 'sysctl', ['-n', key])).stdout.trim();
const ports = (base: number) => ({ kubelet: base, kubeletHealthz: base + 1, proxyHealthz: base + 2, proxyMetrics: base + 3, dnsHealth: base + 4, dnsReady: base + 5 });

export async function startNode(options: NodeOptions): Promise<NodeState> {
  const { dir, chain, out, controlPlane } = options;
  const run = options.run ?? runCommand;
  const blocker = realNodeBlocker();
  if (blocker) throw new ComponentFailedError(`cannot start the real node: ${blocker}`);
  if (readNodeState(dir)?.components.some((c) => alive(c.pid))) throw new Error(`a node is already running from ${dir}: stop it first`);
  if ((await run('ip', ['link', 'show', BRIDGE])).exitCode === 0) throw new ComponentFailedError(`the bridge ${BRIDGE} exists: another node is running, or one was not stopped (\`npm run cluster -- down\`)`);
  if (existsSync(statePath(dir))) throw new ComponentFailedError(`${statePath(dir)} exists: a node stopped with leftovers (stopNode lists them); undo them, then remove the file`);
  const foreign = await kubeChains(run);
  if (foreign.length > 0) throw new ComponentFailedError(`this machine already has kube-proxy's chains (${foreign.slice(0, 3).join(', ')}…): another kubelet or kube-proxy runs here, and stopping this node would remove its rules`);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['logs', 'run', 'cni', 'pki']) mkdirSync(path.join(dir, sub), { recursive: true });
  // Fixed ports below the ephemeral range the control plane's freePort() hands out.
  const p = ports(26250);

  const sysctls = Object.fromEntries(await Promise.all(['net.ipv4.ip_forward', ...KUBELET_SYSCTLS].map(async (k) => [k, await sysctl(run, k)] as const)));
  const created = ['/var/log/containers', '/run/containerd', '/var/lib/kubelet'].filter((d) => !existsSync(d));
  const components: { name: string; pid: number; log: string }[] = [];
  const save = () => writeFileSync(statePath(dir), JSON.stringify({ dir, containerdSocket: path.join(dir, 'run', 'containerd.sock'), nodeIp: NODE_IP, components, sysctls, created } satisfies NodeState, null, 2));
  save();
  const launch = (name: string, binary: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) => {
    const log = path.join(dir, 'logs', `${name}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env });
    closeSync(fd);
    child.unref();
    components.push({ name, pid: child.pid!, log });
    save();
    return { child, log };
  };

  try {
    // Certificates: the kubelet (the Node authorizer's system:node:<name>) and kube-proxy.
    const kubeletCert = await signClientCert(run, controlPlane.pki, path.join(dir, 'pki'), 'kubelet', `/O=system:nodes/CN=system:node:${NODE_NAME}`);
    const proxyCert = await signClientCert(run, controlPlane.pki, path.join(dir, 'pki'), 'kube-proxy', '/CN=system:kube-proxy');
    const kubeconfigFor = (name: string, cert: { cert: string; key: string }) => {
      const file = path.join(dir, `${name}.kubeconfig`);
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'local', cluster: { server: controlPlane.server, 'certificate-authority': controlPlane.pki.caCert } }],
          users: [{ name, user: { 'client-certificate': cert.cert, 'client-key': cert.key } }],
          contexts: [{ name: 'local', context: { cluster: 'local', user: name } }],
          'current-context': 'local',
        }),
        { mode: 0o600 },
      );
      return file;
    };
    const kubeletKubeconfig = kubeconfigFor('kubelet', kubeletCert);
    const proxyKubeconfig = kubeconfigFor('kube-proxy', proxyCert);

    // The network: a bridge whose address is the node IP; the CNI bridge plugin attaches pods to it.
    await mustRun(run, 'ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    await mustRun(run, 'ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', BRIDGE]);
    await mustRun(run, 'ip', ['link', 'set', BRIDGE, 'up']);
    writeFileSync(path.join(dir, 'cni', '10-hono-api-node.conflist'), cniConfig(dir));

    // The kubelet's cgroup root must exist in every hierarchy (RECIPE.md, blocker 2); cpuset needs its cpus and mems.
    for (const h of cgroupHierarchies()) mkdirSync(path.join(h, CGROUP_ROOT), { recursive: true });
    if (existsSync('/sys/fs/cgroup/cpuset/cpuset.cpus')) {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(path.join('/sys/fs/cgroup/cpuset', CGROUP_ROOT, f), readFileSync(path.join('/sys/fs/cgroup/cpuset', f)));
    }

    out(`node: containerd ${chain.goTool('containerd').version} starting…`);
    writeFileSync(path.join(dir, 'containerd.toml'), containerdConfig(dir));
    const containerdBin = path.dirname(chain.bin('containerd'));
    const containerd = launch('containerd', chain.bin('containerd'), ['--config', path.join(dir, 'containerd.toml')], { ...process.env, PATH: `${containerdBin}:${process.env.PATH}` });
    const ctr = (args: string[]) => run(chain.bin('ctr'), ['--address', path.join(dir, 'run', 'containerd.sock'), '--namespace', 'k8s.io', ...args], { timeoutMs: 120_000 });
    await waitFor('containerd', async () => (await ctr(['version'])).exitCode === 0, containerd.child, containerd.log, 30_000);

    out(`node: containerd ready (${elapsed()}); CoreDNS, kubelet and kube-proxy ${chain.goTool('kubernetes').version} starting…`);
    writeFileSync(path.join(dir, 'Corefile'), corefile(controlPlane.kubeconfig, { health: p.dnsHealth, ready: p.dnsReady }));
    const dns = launch('coredns', chain.bin('coredns'), ['-conf', path.join(dir, 'Corefile')]);
    writeFileSync(path.join(dir, 'kubelet.json'), kubeletConfig(dir, controlPlane.pki, { kubelet: p.kubelet, healthz: p.kubeletHealthz }));
    const kubelet = launch('kubelet', chain.bin('kubelet'), [
      `--config=${path.join(dir, 'kubelet.json')}`,
      `--kubeconfig=${kubeletKubeconfig}`,
      `--root-dir=${path.join(dir, 'kubelet')}`,
      // Its serving certificate too (default /var/lib/kubelet/pki).
      `--cert-dir=${path.join(dir, 'kubelet', 'pki')}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
      `--node-labels=${REAL_NODE_LABEL.key}=${REAL_NODE_LABEL.value},topology.kubernetes.io/zone=local-real`,
      '--v=1',
    ]);
    writeFileSync(path.join(dir, 'kube-proxy.json'), kubeProxyConfig(proxyKubeconfig, { healthz: p.proxyHealthz, metrics: p.proxyMetrics }));
    const proxy = launch('kube-proxy', chain.bin('kube-proxy'), [`--config=${path.join(dir, 'kube-proxy.json')}`, '--v=1']);

    const admin = controlPlane.kubeconfig;
    await waitFor('kubelet (node Ready)', async () => (await kubectl(chain, admin, ['wait', '--for=condition=Ready', `node/${NODE_NAME}`, '--timeout=1s'])).exitCode === 0, kubelet.child, kubelet.log, 120_000);
    // The kubelet sets these once, at start: put the machine's values back (kernel.panic_on_oops=1
    // would turn any oops into a reboot). ip_forward stays: the bridge plugin needs it.
    for (const k of KUBELET_SYSCTLS) await run('sysctl', ['-qw', `${k}=${sysctls[k]}`]);
    const httpOk = async (url: string) => (await run('curl', ['-fsS', '-o', '/dev/null', '--max-time', '2', url])).exitCode === 0;
    await waitFor('kube-proxy', () => httpOk(`http://127.0.0.1:${p.proxyHealthz}/healthz`), proxy.child, proxy.log, 60_000);
    await waitFor('CoreDNS', () => httpOk(`http://127.0.0.1:${p.dnsReady}/ready`), dns.child, dns.log, 60_000);
    out(`node: ${NODE_NAME} Ready in ${elapsed()} (pods tolerate ${REAL_NODE_TAINT.key}=${REAL_NODE_TAINT.value}:${REAL_NODE_TAINT.effect})`);
    return readNodeState(dir)!;
  } catch (err) {
    const left = await stopNode(dir, run);
    if (left.length > 0) out(`node: after the failed start, left behind: ${left.join('; ')}`);
    throw err;
  }
}

/** Imports docker-archive or OCI tars into the node's containerd (the images pods run). */
export async function importImage(node: NodeState, chain: Toolchain, tar: string, run: Run = runCommand): Promise<void> {
  await mustRun(run, chain.bin('ctr'), ['--address', node.containerdSocket, '--namespace', 'k8s.io', 'images', 'import', '--no-unpack=false', tar], { timeoutMs: 300_000 });
}

/** Processes whose command line mentions `needle` (the shims name our containerd's socket). */
function processesMentioning(needle: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

/**
 * Resident memory of the node's own processes in MiB (containerd, kubelet, kube-proxy, CoreDNS, and
 * the containerd shims together), read from /proc; the pods' own memory is not included.
 */
export function nodeMemory(state: NodeState): Record<string, number> {
  const rssMiB = (pid: number) => {
    try {
      const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return kib ? Number(kib) / 1024 : 0;
    } catch {
      return 0; // gone meanwhile
    }
  };
  const memory: Record<string, number> = Object.fromEntries(state.components.map((c) => [c.name, rssMiB(c.pid)]));
  const componentPids = new Set(state.components.map((c) => c.pid));
  memory.shims = processesMentioning(state.containerdSocket).filter((pid) => !componentPids.has(pid)).reduce((sum, pid) => sum + rssMiB(pid), 0);
  return memory;
}

/**
 * Stops the node and undoes every host change; returns what could not be undone ([] when clean).
 * Safe to call twice, and after a failed start.
 */
export async function stopNode(dir: string, run: Run = runCommand): Promise<string[]> {
  const state = readNodeState(dir);
  if (!state) return [];
  const left: string[] = [];
  // A recorded process id is ours only while its command line still names our directory or binary (ids are reused).
  const ours = (pid: number, name: string) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes(dir) || cmdline.includes(name);
    } catch {
      return false;
    }
  };
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  // The kubelet first, so it does not restart what containerd stops; then everything else.
  const order = ['kubelet', 'kube-proxy', 'coredns', 'containerd'];
  const running = [...state.components].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)).filter((c) => alive(c.pid) && ours(c.pid, c.name));
  for (const c of running) signal(c.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (running.some((c) => alive(c.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const c of running.filter((c) => alive(c.pid) && ours(c.pid, c.name))) signal(c.pid, 'SIGKILL');
  // The shims outlive containerd (they are reparented), and with them the containers.
  for (const pid of processesMentioning(state.containerdSocket)) signal(pid, 'SIGKILL');
  // Whatever still runs in our cgroups (the containers' processes), until none is left.
  const inOurCgroups = async () => {
    const pids: number[] = [];
    for (const h of cgroupHierarchies(true)) {
      const root = path.join(h, CGROUP_ROOT);
      if (!existsSync(root)) continue;
      for (const procs of (await run('find', [root, '-name', 'cgroup.procs'])).stdout.split('\n').filter(Boolean)) {
        try {
          pids.push(...readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number));
        } catch {
          // removed meanwhile
        }
      }
    }
    return pids;
  };
  for (let tries = 0; tries < 50; tries++) {
    const pids = await inOurCgroups();
    if (pids.length === 0) break;
    for (const pid of pids) signal(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }

  // Mounts under the node's directory (rootfs overlays, shm, netns, the kubelet's bind of its root), deepest first.
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) if ((await run('umount', ['-l', m])).exitCode !== 0) left.push(`mount ${m}`);

  // cgroups, deepest first (the hybrid host's cgroup2 mount included).
  for (const h of cgroupHierarchies(true)) {
    const root = path.join(h, CGROUP_ROOT);
    if (!existsSync(root)) continue;
    const dirs = (await run('find', [root, '-depth', '-type', 'd'])).stdout.split('\n').filter(Boolean);
    for (const d of dirs) await run('rmdir', [d]);
    if (existsSync(root)) left.push(`cgroup ${root}`);
  }

  if ((await run('ip', ['link', 'show', BRIDGE])).exitCode === 0 && (await run('ip', ['link', 'delete', BRIDGE])).exitCode !== 0) left.push(`bridge ${BRIDGE}`);
  // kube-proxy's chains and rules (iptables and ip6tables), and the KUBE-FIREWALL chain its cleanup
  // leaves (blocker 5): ours, as startNode refused to start beside anyone else's.
  for (const tool of state.components.some((c) => c.name === 'kube-proxy') ? ['iptables', 'ip6tables'] : []) {
    for (const table of ['filter', 'nat', 'mangle']) {
      const rules = (await run(`${tool}-save`, ['-t', table])).stdout.split('\n');
      for (const rule of rules.filter((r) => r.startsWith('-A ') && /KUBE-/.test(r))) await run(tool, ['-t', table, ...splitRule(rule.replace(/^-A /, '-D '))]);
      for (const chain of rules.filter((r) => /^:KUBE-/.test(r)).map((r) => r.slice(1).split(' ')[0]!)) {
        await run(tool, ['-t', table, '-F', chain]);
      }
      for (const chain of rules.filter((r) => /^:KUBE-/.test(r)).map((r) => r.slice(1).split(' ')[0]!)) {
        if ((await run(tool, ['-t', table, '-X', chain])).exitCode !== 0) left.push(`${tool} ${table} chain ${chain}`);
      }
    }
  }
  // Every kernel setting as it was, IP forwarding included (the bridge plugin turns it on).
  for (const [k, v] of Object.entries(state.sysctls)) {
    if ((await run('sysctl', ['-qw', `${k}=${v}`])).exitCode !== 0) left.push(`sysctl ${k}`);
  }
  // The kubelet's log links into our directory, wherever /var/log/containers came from.
  if (existsSync('/var/log/containers')) {
    for (const link of readdirSync('/var/log/containers')) {
      const file = path.join('/var/log/containers', link);
      try {
        if (readlinkSync(file).startsWith(`${dir}/`)) rmSync(file, { force: true });
      } catch {
        // not a link
      }
    }
  }
  // Directories the node created outside `dir`: removed when nothing but ours is in them.
  for (const p of state.created) {
    if (!existsSync(p)) continue;
    if (p === '/run/containerd') rmSync(path.join(p, 's'), { recursive: true, force: true }); // our shims' sockets
    // The kubelet's fixed paths (device-plugins, pod-resources, plugins_registry are not under --root-dir).
    if (p === '/var/lib/kubelet') for (const sub of ['device-plugins', 'pod-resources', 'plugins', 'plugins_registry', 'pki']) rmSync(path.join(p, sub), { recursive: true, force: true });
    if ((await run('rmdir', [p])).exitCode !== 0) left.push(`${p} (not empty: something else uses it now)`);
  }
  for (const c of state.components) if (alive(c.pid)) left.push(`process ${c.name} (${c.pid})`);
  if (left.length === 0) rmSync(statePath(dir), { force: true });
  return left;
}

/** An iptables-save rule as arguments (quoted strings kept whole). */
function splitRule(rule: string): string[] {
  return [...rule.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/**
 * Gives an imported image a digest reference as well (`<repository>@sha256:…`), so a pod may name
 * it as `<repository>:<tag>@sha256:…`, the form the chart's schema insists on; returns that form.
 */
export async function pinByDigest(node: NodeState, chain: Toolchain, name: string, run: Run = runCommand): Promise<string> {
  const ctr = (args: string[]) => mustRun(run, chain.bin('ctr'), ['--address', node.containerdSocket, '--namespace', 'k8s.io', ...args]);
  const listed = (await ctr(['images', 'ls', `name==${name}`])).stdout.split('\n')[1]?.split(/\s+/) ?? [];
  const digest = listed.find((f) => /^sha256:[0-9a-f]{64}$/.test(f));
  if (!digest) throw new Error(`${name} is not in the node's containerd`);
  const repository = name.replace(/:[^/:]+$/, '');
  await run(chain.bin('ctr'), ['--address', node.containerdSocket, '--namespace', 'k8s.io', 'images', 'tag', '--force', name, `${repository}@${digest}`]);
  return `${name}@${digest}`;
}
