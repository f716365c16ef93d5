/**
 * Finds a container engine to build (and, where possible, run) the image with:
 *
 *   1. docker, when `docker info` reaches a live engine (a client alone is not enough);
 *   2. podman;
 *   3. buildah (builds only: it cannot run the service with a published port).
 *
 * IMAGE_ENGINE=docker|podman|buildah forces one. podman and buildah get a containers.conf of ours
 * (through CONTAINERS_CONF, unless the caller set one) that works in a root-but-constrained VM:
 * the runc runtime, cgroupfs, a file event log and ulimits no higher than the host's hard limits
 * (podman's own defaults, nofile=1048576, make runc fail with "error setting rlimits ... operation
 * not permitted" when the process lacks CAP_SYS_RESOURCE).
 */
import { readFileSync } from 'node:fs';
import type { CommandRunner } from './run.js';

export type EngineKind = 'docker' | 'podman' | 'buildah';
export const ENGINE_KINDS: readonly EngineKind[] = ['docker', 'podman', 'buildah'];

export interface Engine {
  kind: EngineKind;
  /** Absolute path of the program. */
  program: string;
  /** docker and podman run containers; buildah only builds images. */
  canRun: boolean;
  /** Environment for every call (with CONTAINERS_CONF for podman and buildah). */
  env: NodeJS.ProcessEnv;
  /** Server version for docker, client version for podman and buildah. */
  version: string;
}

export type Detection =
  | { found: true; engine: Engine; notes: string[] }
  | { found: false; reason: string; notes: string[] };

export interface DetectOptions {
  run: CommandRunner;
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

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

/** Picks the engine as described at the top of this file. Never throws for a missing engine. */
export async function detectEngine(options: DetectOptions): Promise<Detection> {
  const env = options.env ?? process.env;
  const notes: string[] = [];
  const forced = env.IMAGE_ENGINE?.trim();
  if (forced && !ENGINE_KINDS.includes(forced as EngineKind)) {
    return { found: false, reason: `IMAGE_ENGINE=${forced} is not one of ${ENGINE_KINDS.join(', ')}`, notes };
  }
  const candidates = forced ? [forced as EngineKind] : ENGINE_KINDS;

  for (const kind of candidates) {
    const program = options.lookPath(kind);
    if (!program) {
      notes.push(`${kind}: not installed`);
      continue;
    }
    const kindEnv = engineEnv(kind, env, options.containersConf);
    if (kind === 'docker') {
      const info = await options.run(program, ['info', '--format', '{{.ServerVersion}}'], { env: kindEnv, timeoutMs: PROBE_TIMEOUT_MS });
      const serverVersion = info.stdout.trim();
      if (info.exitCode !== 0 || !serverVersion) {
        notes.push(`docker: client at ${program} but no engine (docker info: ${firstLine(info.stderr) || `exit ${info.exitCode}`})`);
        continue;
      }
      const client = await options.run(program, ['--version'], { env: kindEnv, timeoutMs: PROBE_TIMEOUT_MS });
      if (/podman/i.test(client.stdout)) {
        notes.push(`docker: ${program} is podman's docker shim; using podman itself`);
        continue;
      }
      return { found: true, engine: { kind, program, canRun: true, env: kindEnv, version: serverVersion }, notes };
    }
    const probeArgs = kind === 'podman' ? ['version', '--format', '{{.Client.Version}}'] : ['version', '--json'];
    const probe = await options.run(program, probeArgs, { env: kindEnv, timeoutMs: PROBE_TIMEOUT_MS });
    if (probe.exitCode !== 0) {
      notes.push(`${kind}: ${program} does not work (${firstLine(probe.stderr) || `exit ${probe.exitCode}`})`);
      continue;
    }
    const version = kind === 'podman' ? probe.stdout.trim() : buildahVersion(probe.stdout);
    return { found: true, engine: { kind, program, canRun: kind === 'podman', env: kindEnv, version }, notes };
  }
  const reason = forced
    ? `IMAGE_ENGINE=${forced} is not usable (${notes.join('; ')})`
    : `no container engine (${notes.join('; ')}). ${INSTALL_HINT}`;
  return { found: false, reason, notes };
}

function buildahVersion(json: string): string {
  try {
    const parsed = JSON.parse(json) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    return 'unknown';
  }
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
