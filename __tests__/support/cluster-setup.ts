/**
 * vitest globalSetup: one Kubernetes API for the whole run. A reachable cluster in KUBECONFIG (kind,
 * a real one) is used as it is; otherwise the local control plane (offline/cluster) is started in a
 * temporary directory and stopped when the run ends, pass or fail. Either way the upstream CRDs the
 * charts need are applied, and the tests read the kubeconfig with `inject('kubeconfig')`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { kubectl, reachableKubeconfig } from '../../scripts/lib/kubectl.js';
import { Toolchain } from '../../tools/toolchain.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** "local": the control plane with kwok (pods are Ready, nothing runs); "external": kind or a real cluster. */
    clusterKind: 'local' | 'external';
    /** The local control plane's directory (its state.json holds the PKI a real node joins with); '' for an external cluster. */
    controlPlaneDir: string;
  }
}

export default async function setup(project: TestProject) {
  const chain = new Toolchain();
  const external = await reachableKubeconfig(process.env);
  let dir: string | undefined;
  let kubeconfigFile = external;
  if (!kubeconfigFile) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-cluster-'));
    // Only without a reachable cluster: the local control plane is the offline harness's.
    const { startControlPlane } = await import('../../offline/cluster/control-plane.js');
    kubeconfigFile = (await startControlPlane({ dir, chain, out: (line) => console.log(line) })).kubeconfig;
  }
  const crds = await kubectl(chain, kubeconfigFile, ['apply', '--server-side', '--force-conflicts', ...chain.crdFiles().flatMap((f) => ['-f', f])]);
  if (crds.exitCode !== 0) throw new Error(`applying the upstream CRDs failed: ${crds.stderr}`);
  await kubectl(chain, kubeconfigFile, ['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
  project.provide('kubeconfig', kubeconfigFile);
  project.provide('controlPlaneDir', dir ?? '');
  // A cluster whose every node is one of kwok's (this control plane, or one started with `npm run
  // cluster -- up` and passed in KUBECONFIG) runs no container: `helm test` cannot pass there.
  const nodes = await kubectl(chain, kubeconfigFile, ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.annotations.kwok\\.x-k8s\\.io/node}{"\\n"}{end}']);
  const allKwok = nodes.stdout.trim().split('\n').every((a) => a === 'fake');
  project.provide('clusterKind', allKwok ? 'local' : 'external');
  return async () => {
    if (dir) {
      await (await import('../../offline/cluster/control-plane.js')).stopControlPlane(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
