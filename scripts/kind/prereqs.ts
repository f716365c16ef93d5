/**
 * Prerequisites of the kind workflow: a container engine that answers (Docker, or Podman), kind,
 * kubectl, helm and terraform. Each missing one is named with how to install it.
 */
import { type FoundEngine, RUNNING_ENGINES, describeDetection, detectContainerEngine } from '../lib/container-engine.js';
import { INSTALL_HINTS, findHelmWith, findTerraformWith } from '../lib/tools.js';
import type { KindDeps } from './deps.js';

/** What a command can need: `engine` is Docker or Podman. */
export type Tool = 'engine' | 'kind' | 'kubectl' | 'helm' | 'terraform';
export const ALL_TOOLS: readonly Tool[] = ['engine', 'kind', 'kubectl', 'helm', 'terraform'];

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
  /** Terraform, with the environment to run it in (the pinned one's provider mirror). */
  terraform?: { binary: string; env: NodeJS.ProcessEnv };
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

/**
 * The container engine to use: Docker when `docker info` answers, else Podman when `podman info`
 * does. kind runs its nodes as containers, so buildah (which only builds) does not count.
 */
export async function detectEngine(deps: KindDeps): Promise<{ engine?: Engine; problems: string[]; notes: string[] }> {
  const detection = await detectContainerEngine({ run: deps.run, lookPath: deps.lookPath, candidates: RUNNING_ENGINES });
  const { problems, notes } = describeDetection(detection);
  return detection.engine ? { engine: kindEngine(detection.engine), problems, notes } : { problems, notes };
}

function kindEngine({ name, path, version }: FoundEngine): Engine {
  if (name === 'buildah') throw new Error('kind cannot run on buildah');
  return { name, path, version };
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
    else problems.push(`helm is not installed (not from \`npm run tools\`, not on PATH): ${INSTALL_HINTS.helm}`);
  }
  if (needs.includes('terraform')) {
    const terraform = findTerraformWith(deps);
    if (terraform) tools.terraform = terraform;
    else problems.push(`terraform is not installed (not from \`npm run tools\`, not on PATH): ${INSTALL_HINTS.terraform}`);
  }
  return { ok: problems.length === 0, tools, problems, notes };
}
