/**
 * Finds a container engine to build (and, where possible, run) the image with:
 *
 *   1. docker, when `docker info` reaches a live engine (a client alone is not enough);
 *   2. podman, when `podman info` answers;
 *   3. buildah (builds only: it cannot run the service with a published port).
 *
 * IMAGE_ENGINE=docker|podman|buildah forces one. podman and buildah get a containers.conf of ours
 * (through CONTAINERS_CONF, unless the caller set one) that works in a root-but-constrained VM:
 * the runc runtime, cgroupfs, a file event log and ulimits no higher than the host's hard limits
 * (podman's own defaults, nofile=1048576, make runc fail with "error setting rlimits ... operation
 * not permitted" when the process lacks CAP_SYS_RESOURCE).
 */
import { readFileSync } from 'node:fs';
import { ENGINE_NAMES, type EngineFinding, type EngineName, detectContainerEngine } from '../../lib/container-engine.js';
import type { Run } from '../../lib/run.js';

export type EngineKind = EngineName;
export const ENGINE_KINDS: readonly EngineKind[] = ENGINE_NAMES;

export interface Engine {
  kind: EngineKind;
  /** Absolute path of the program. */
  program: string;
  /** docker and podman run containers; buildah only builds images. */
  canRun: boolean;
  /** Environment for every call (with CONTAINERS_CONF for podman and buildah). */
  env: NodeJS.ProcessEnv;
  /** Server version for docker, podman's and buildah's version. */
  version: string;
}

export type Detection =
  | { found: true; engine: Engine; notes: string[] }
  | { found: false; reason: string; notes: string[] };

export interface DetectOptions {
  run: Run;
  /** PATH lookup of a bare command name (scripts/lib/which.ts lookPath in real use). */
  lookPath: (name: string) => string | undefined;
  /** Read for IMAGE_ENGINE and CONTAINERS_CONF, and the base of each engine's environment. */
  env?: NodeJS.ProcessEnv;
  /** containers.conf to point podman and buildah at when env has no CONTAINERS_CONF. */
  containersConf?: string;
}

export const INSTALL_HINT =
  'Install podman (Debian/Ubuntu, as root: apt-get install -y podman buildah runc), or start a Docker engine.';

const PROBE_TIMEOUT_MS = 30_000;

/** The environment for an engine: podman and buildah read our containers.conf unless one is already chosen. */
export function engineEnv(kind: EngineKind, base: NodeJS.ProcessEnv, containersConf: string | undefined): NodeJS.ProcessEnv {
  if (kind === 'docker' || !containersConf || base.CONTAINERS_CONF) return { ...base };
  return { ...base, CONTAINERS_CONF: containersConf };
}

/** A candidate passed over, as a note. */
function findingNote(finding: EngineFinding): string {
  if (finding.status === 'missing') return `${finding.name}: not installed`;
  if (finding.status === 'shim') return `docker: ${finding.path} is podman's docker shim; using podman itself`;
  if (finding.name === 'docker') return `docker: client at ${finding.path} but no engine (docker info: ${finding.why})`;
  return `${finding.name}: ${finding.path} does not work (${finding.why})`;
}

/**
 * Picks the engine as described at the top of this file (scripts/lib/container-engine.ts does the
 * probing), skipping podman's docker shim. Never throws for a missing engine.
 */
export async function detectEngine(options: DetectOptions): Promise<Detection> {
  const env = options.env ?? process.env;
  const forced = env.IMAGE_ENGINE?.trim();
  if (forced && !ENGINE_KINDS.includes(forced as EngineKind)) {
    return { found: false, reason: `IMAGE_ENGINE=${forced} is not one of ${ENGINE_KINDS.join(', ')}`, notes: [] };
  }
  const detection = await detectContainerEngine({
    run: options.run,
    lookPath: options.lookPath,
    candidates: forced ? [forced as EngineKind] : ENGINE_KINDS,
    envFor: (kind) => engineEnv(kind, env, options.containersConf),
    skipDockerShim: true,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  const notes = detection.findings.map(findingNote);
  if (detection.engine) {
    const { name: kind, path: program, canRun, version } = detection.engine;
    return { found: true, engine: { kind, program, canRun, env: engineEnv(kind, env, options.containersConf), version }, notes };
  }
  const reason = forced
    ? `IMAGE_ENGINE=${forced} is not usable (${notes.join('; ')})`
    : `no container engine (${notes.join('; ')}). ${INSTALL_HINT}`;
  return { found: false, reason, notes };
}

export interface HardLimits {
  nofile?: number;
  nproc?: number;
}

/** Hard limits for open files and processes from /proc/<pid>/limits ("unlimited" reads as undefined). */
export function parseProcLimits(text: string): HardLimits {
  const hard = (label: string): number | undefined => {
    const m = new RegExp(`^${label}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(text);
    const value = m ? Number(m[2]) : NaN;
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  return { nofile: hard('Max open files'), nproc: hard('Max processes') };
}

/** Upper bounds: plenty for one Node process, and no more than podman itself allows (it caps nproc at 32768). */
export const ULIMIT_CAPS = { nofile: 20_000, nproc: 32_768 } as const;

/** nofile and nproc for containers: the caps above, lowered to the host's hard limits. */
export function containerUlimits(limits: HardLimits): { nofile: number; nproc: number } {
  return {
    nofile: Math.min(limits.nofile ?? ULIMIT_CAPS.nofile, ULIMIT_CAPS.nofile),
    nproc: Math.min(limits.nproc ?? ULIMIT_CAPS.nproc, ULIMIT_CAPS.nproc),
  };
}

export interface ContainersConfOptions {
  limits: HardLimits;
  /** OCI runtime name (e.g. runc); omitted to keep the engine's default. */
  runtime?: string | undefined;
}

/**
 * A containers.conf for podman and buildah. Both nofile and nproc must be set: a default_ulimits
 * entry replaces podman's whole default list, and podman's nofile default is above what an
 * unprivileged-resource root may set.
 */
export function containersConf(options: ContainersConfOptions): string {
  const { nofile, nproc } = containerUlimits(options.limits);
  const lines = [
    '# Generated by scripts/image (engine.ts): podman/buildah settings for the image tests.',
    '[containers]',
    `default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]`,
    '',
    '[engine]',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
  ];
  if (options.runtime) lines.push(`runtime = "${options.runtime}"`);
  return `${lines.join('\n')}\n`;
}

/** The host's hard limits for this process (empty when /proc is not there). */
export function readHostLimits(file = '/proc/self/limits'): HardLimits {
  try {
    return parseProcLimits(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}
