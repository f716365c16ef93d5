/**
 * kubectl as the tests, the kind loop and the local control plane call it: the toolchain's binary
 * (the clusters' own version) against one kubeconfig file.
 */
import { existsSync } from 'node:fs';
import type { Toolchain } from '../../tools/toolchain.js';
import { runCommand } from './run.js';
import { lookPath } from './which.js';

/** kubectl against a kubeconfig; `input` goes to its stdin. */
export const kubectl = (chain: Toolchain, kubeconfigFile: string, args: readonly string[], input?: string) =>
  runCommand(chain.bin('kubectl'), ['--kubeconfig', kubeconfigFile, ...args], { timeoutMs: 330_000, ...(input === undefined ? {} : { input }) });

/**
 * The KUBECONFIG file when it names a cluster that answers (kind on a laptop with Docker, GitHub's
 * runners, a real cluster), else undefined: the tests then start the local control plane.
 */
export async function reachableKubeconfig(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const file = env.KUBECONFIG;
  if (!file || !existsSync(file)) return undefined;
  const kubectlPath = lookPath('kubectl', { pathEnv: env.PATH });
  if (!kubectlPath) return undefined;
  const result = await runCommand(kubectlPath, ['--kubeconfig', file, 'get', '--raw', '/readyz', '--request-timeout=5s'], { timeoutMs: 15_000 });
  return result.exitCode === 0 ? file : undefined;
}
