/**
 * Prerequisites of the kind workflow: a container engine that answers (Docker, or Podman), kind,
 * kubectl and helm. Each missing one is named with how to install it.
 */
import path from 'node:path';
import { HELM_INSTALL_HINT } from '../lib/helm.js';
import { ENGINE_PROBE_TIMEOUT_MS } from './config.js';
import type { KindDeps } from './deps.js';

/** What a command can need: `engine` is Docker or Podman. */
export type Tool = 'engine' | 'kind' | 'kubectl' | 'helm';
export const ALL_TOOLS: readonly Tool[] = ['engine', 'kind', 'kubectl', 'helm'];

export const INSTALL_HINTS = {
  docker: 'install Docker: https://docs.docker.com/get-docker/ (Docker Desktop on macOS/Windows, Docker Engine on Linux)',
  podman: 'or Podman: https://podman.io/docs/installation (kind runs on it with KIND_EXPERIMENTAL_PROVIDER=podman, which this script sets)',
  kind: 'install kind >= 0.24: https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e.g. `brew install kind` or `go install sigs.k8s.io/kind@v0.29.0`)',
  kubectl: 'install kubectl: https://kubernetes.io/docs/tasks/tools/ (e.g. `brew install kubectl`)',
  helm: HELM_INSTALL_HINT,
} as const;

export interface Engine {
  name: 'docker' | 'podman';
  path: string;
  version: string;
}

export interface Toolchain {
  engine?: Engine;
  kind?: string;
  kubectl?: string;
  helm?: string;
}

/** A toolchain with everything a command asked for. */
export type ResolvedToolchain = Required<Toolchain>;

export interface PrereqReport {
  ok: boolean;
  tools: Toolchain;
  /** One line per missing prerequisite, with its install hint. */
  problems: string[];
  /** Findings that are not failures, e.g. a Docker client without an engine when Podman works. */
  notes: string[];
}

/** The first non-empty line of a command's error output. */
function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim().length > 0)?.trim() ?? '').replace(/[.:]+$/, '');
}

/**
 * The container engine to use: Docker when `docker info` answers, else Podman when `podman info`
 * does. A docker client whose engine does not answer is reported as such, not as "found".
 */
export async function detectEngine(deps: KindDeps): Promise<{ engine?: Engine; problems: string[]; notes: string[] }> {
  const unanswered: string[] = [];
  const docker = deps.lookPath('docker');
  if (docker) {
    const info = await deps.run(docker, ['info', '--format', '{{.ServerVersion}}'], { capture: true, timeoutMs: ENGINE_PROBE_TIMEOUT_MS });
    const version = info.stdout.trim();
    if (info.exitCode === 0 && version.length > 0) return { engine: { name: 'docker', path: docker, version }, problems: [], notes: [] };
    const why = firstLine(info.stderr) || `exit code ${info.exitCode}`;
    unanswered.push(
      `docker is installed (${docker}) but its engine is not answering: \`docker info\` failed (${why}). ` +
        'Start it (Docker Desktop, `colima start`, or `sudo systemctl start docker`), or use Podman.',
    );
  }
  const podman = deps.lookPath('podman');
  if (podman) {
    const info = await deps.run(podman, ['info', '--format', '{{.Version.Version}}'], { capture: true, timeoutMs: ENGINE_PROBE_TIMEOUT_MS });
    const version = info.stdout.trim();
    if (info.exitCode === 0 && version.length > 0) return { engine: { name: 'podman', path: podman, version }, problems: [], notes: unanswered };
    const why = firstLine(info.stderr) || `exit code ${info.exitCode}`;
    unanswered.push(`podman is installed (${podman}) but \`podman info\` failed (${why}). On macOS/Windows run \`podman machine start\`.`);
  }
  if (!docker && !podman) return { problems: [`no container engine: neither docker nor podman is on PATH; ${INSTALL_HINTS.docker}, ${INSTALL_HINTS.podman}`], notes: [] };
  return { problems: [`no container engine answers. ${unanswered.join(' ')}`], notes: [] };
}

/** helm on PATH, else the repository's pinned node_modules/.bin/helm. */
export function findHelmWith(deps: KindDeps): string | undefined {
  const onPath = deps.lookPath('helm');
  if (onPath) return onPath;
  const repoHelm = path.join(deps.repoRoot, 'node_modules', '.bin', 'helm');
  return deps.isExecutable(repoHelm) ? repoHelm : undefined;
}

/** Checks the tools in `needs` (all of them by default) and reports every missing one at once. */
export async function checkPrerequisites(deps: KindDeps, needs: readonly Tool[] = ALL_TOOLS): Promise<PrereqReport> {
  const tools: Toolchain = {};
  const problems: string[] = [];
  const notes: string[] = [];
  if (needs.includes('engine')) {
    const found = await detectEngine(deps);
    if (found.engine) tools.engine = found.engine;
    problems.push(...found.problems);
    notes.push(...found.notes);
  }
  for (const name of ['kind', 'kubectl'] as const) {
    if (!needs.includes(name)) continue;
    const found = deps.lookPath(name);
    if (found) tools[name] = found;
    else problems.push(`${name} is not installed (not on PATH): ${INSTALL_HINTS[name]}`);
  }
  if (needs.includes('helm')) {
    const helm = findHelmWith(deps);
    if (helm) tools.helm = helm;
    else problems.push(`helm is not installed (not on PATH, no node_modules/.bin/helm): ${INSTALL_HINTS.helm}`);
  }
  return { ok: problems.length === 0, tools, problems, notes };
}
