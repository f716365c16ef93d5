/**
 * Which cluster the chart and app-stack tests use: a reachable cluster in KUBECONFIG (kind on a
 * laptop with Docker, GitHub's runners, a real cluster) wins, so the same tests run unchanged there;
 * otherwise the local control plane.
 */
import { existsSync } from 'node:fs';
import { lookPath } from '../../scripts/lib/which.js';
import { runCommand } from '../../scripts/lib/run.js';

/** The KUBECONFIG file when it names a cluster that answers, else undefined. */
export async function reachableKubeconfig(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const file = env.KUBECONFIG;
  if (!file || !existsSync(file)) return undefined;
  const kubectl = lookPath('kubectl', { pathEnv: env.PATH });
  if (!kubectl) return undefined;
  const result = await runCommand(kubectl, ['--kubeconfig', file, 'get', '--raw', '/readyz', '--request-timeout=5s'], { timeoutMs: 15_000 });
  return result.exitCode === 0 ? file : undefined;
}
