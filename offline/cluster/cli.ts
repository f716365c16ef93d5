/**
 * `npm run cluster -- up|down|status|kubeconfig`: a Kubernetes API on loopback for the chart and
 * app-stack tests and for trying the chart by hand.
 *
 *   - KUBECONFIG pointing at a reachable cluster (kind, a real one): `up` uses it and starts nothing.
 *   - Otherwise `up` starts the local control plane (control-plane.ts) from the pinned toolchain;
 *     `down` stops it. Its kubeconfig is printed by `kubeconfig`.
 */
import path from 'node:path';
import { REPO_ROOT, Toolchain } from '../../tools/toolchain.js';
import { ComponentFailedError, startControlPlane, status, stopControlPlane } from './control-plane.js';
import { reachableKubeconfig } from '../../scripts/lib/kubectl.js';

export const CLUSTER_DIR = process.env.CLUSTER_DIR || path.join(REPO_ROOT, '.cache', 'cluster');
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
    await startControlPlane({ dir: CLUSTER_DIR, chain: new Toolchain(), out: (line) => console.log(line) });
    return 0;
  }
  if (command === 'down') {
    const stopped = await stopControlPlane(CLUSTER_DIR);
    console.log(`cluster: ${stopped === 0 ? 'nothing was running' : `stopped ${stopped} components`}`);
    return 0;
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
  return s.running || external ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ComponentFailedError ? `cluster: ${err.message}` : err);
    process.exit(1);
  },
);
