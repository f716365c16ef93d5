/**
 * `npm run cluster -- up|down|status|kubeconfig`: a Kubernetes API on loopback for the chart and
 * app-stack tests and for trying the chart by hand.
 *
 *   - KUBECONFIG pointing at a reachable cluster (kind, a real one): `up` uses it and starts nothing.
 *   - Otherwise `up` starts the local control plane (control-plane.ts) from the pinned toolchain,
 *     with kwok's fake nodes and, when this machine can run one (root, cgroups, runc, the CNI
 *     plugins), a real node (node.ts) with the pause and curl images imported: pods that tolerate
 *     hono-api.dev/real-node run there for real. `down` stops both and says what, if anything, it
 *     left behind. Its kubeconfig is printed by `kubeconfig`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, Toolchain } from '../../tools/toolchain.js';
import { ComponentFailedError, startControlPlane, status, stopControlPlane } from './control-plane.js';
import { buildCurlImage, buildPauseImage, CURL_IMAGE } from './images.js';
import { REAL_NODE_TAINT, importImage, pinByDigest, readNodeState, realNodeBlocker, startNode, stopNode } from './node.js';
import { reachableKubeconfig } from '../../scripts/lib/kubectl.js';

export const CLUSTER_DIR = process.env.CLUSTER_DIR || path.join(REPO_ROOT, '.cache', 'cluster');
/** The real node's directory: beside the control plane's, which startControlPlane empties. */
const NODE_DIR = `${CLUSTER_DIR}-node`;
const USAGE = 'usage: npm run cluster -- up|down|status|kubeconfig';

async function main([command, ...rest]: readonly string[]): Promise<number> {
  if (!command || rest.length > 0 || !['up', 'down', 'status', 'kubeconfig'].includes(command)) {
    console.error(`cluster: ${command ? `unknown argument "${[command, ...rest].join(' ')}"` : 'no command'}\n${USAGE}`);
    return 2;
  }
  const external = await reachableKubeconfig(process.env);
  if (command === 'up') {
    if (external) {
      console.log(`cluster: using the reachable cluster in KUBECONFIG=${external} (nothing started)`);
      return 0;
    }
    if (status(CLUSTER_DIR).running) {
      console.log(`cluster: already running (KUBECONFIG=${status(CLUSTER_DIR).kubeconfig})`);
      return 0;
    }
    const chain = new Toolchain();
    const controlPlane = await startControlPlane({ dir: CLUSTER_DIR, chain, out: (line) => console.log(line) });
    const blocker = realNodeBlocker();
    if (blocker) {
      console.log(`cluster: no real node (${blocker}); kwok's nodes only, which run nothing`);
      return 0;
    }
    const node = await startNode({ dir: NODE_DIR, chain, out: (line) => console.log(line), controlPlane });
    const images = path.join(NODE_DIR, 'images');
    mkdirSync(images, { recursive: true });
    await importImage(node, chain, await buildPauseImage(chain, images));
    await importImage(node, chain, await buildCurlImage(images));
    console.log(`cluster: the real node runs pods that tolerate ${REAL_NODE_TAINT.key}=${REAL_NODE_TAINT.value}:${REAL_NODE_TAINT.effect}; helm test's image there: ${await pinByDigest(node, chain, CURL_IMAGE)}`);
    console.log('cluster: import an image with `ctr --address <node dir>/run/containerd.sock --namespace k8s.io images import <docker-archive.tar>`');
    return 0;
  }
  if (command === 'down') {
    const left = await stopNode(NODE_DIR);
    const stopped = await stopControlPlane(CLUSTER_DIR);
    console.log(`cluster: ${stopped === 0 ? 'no control plane was running' : `stopped ${stopped} control-plane components`}; ${left.length === 0 ? 'nothing left behind' : `left behind: ${left.join('; ')}`}`);
    return left.length === 0 ? 0 : 1;
  }
  const s = status(CLUSTER_DIR);
  if (command === 'kubeconfig') {
    const file = external ?? (s.running ? s.kubeconfig : undefined);
    if (!file) {
      console.error('cluster: no cluster is running: `npm run cluster -- up`');
      return 1;
    }
    console.log(file);
    return 0;
  }
  if (external) console.log(`cluster: the reachable cluster in KUBECONFIG=${external}`);
  else console.log(s.components.length === 0 ? 'cluster: not running' : s.components.map((c) => `${c.name.padEnd(24)} pid ${c.pid} ${c.alive ? 'running' : 'STOPPED'}`).join('\n'));
  const node = readNodeState(NODE_DIR);
  if (node) console.log(node.components.map((c) => `${`node: ${c.name}`.padEnd(24)} pid ${c.pid}`).join('\n'));
  return s.running || external ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ComponentFailedError ? `cluster: ${err.message}` : err);
    process.exit(1);
  },
);
