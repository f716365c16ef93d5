/**
 * Finds a container engine that answers, in this order:
 *
 *   1. docker, when `docker info` reaches a live engine (a client alone is not enough);
 *   2. podman, when `podman info` answers;
 *   3. buildah (builds images only: it cannot run containers).
 *
 * Callers choose the candidates: kind runs containers, so it asks for docker and podman only
 * (RUNNING_ENGINES); the image scripts take any of the three. Every candidate passed over is
 * reported as a finding, for the caller to phrase its notes and problems from.
 */
import type { Run } from './run.js';

export type EngineName = 'docker' | 'podman' | 'buildah';
export const ENGINE_NAMES: readonly EngineName[] = ['docker', 'podman', 'buildah'];
/** The engines that run containers (buildah only builds images). */
export const RUNNING_ENGINES: readonly EngineName[] = ['docker', 'podman'];

export const ENGINE_PROBE_TIMEOUT_MS = 20_000;

export interface FoundEngine {
  name: EngineName;
  /** Absolute path of the program. */
  path: string;
  /** Server version for docker, podman's version, buildah's version. */
  version: string;
  /** docker and podman run containers; buildah only builds images. */
  canRun: boolean;
}

/** Why a candidate was passed over. */
export type EngineFinding =
  | { name: EngineName; status: 'missing' }
  /** Installed, but its probe failed: `why` is the first line of its error output, or the exit code. */
  | { name: EngineName; status: 'unanswered'; path: string; why: string }
  /** docker on PATH is podman's docker shim (passed over only with skipDockerShim). */
  | { name: EngineName; status: 'shim'; path: string };

export interface EngineDetection {
  engine?: FoundEngine;
  /** The candidates passed over, in order. */
  findings: EngineFinding[];
}

export interface DetectEngineOptions {
  run: Run;
  /** PATH lookup of a bare command name. */
  lookPath: (name: string) => string | undefined;
  /** The engines to try, in order (default: all three). */
  candidates?: readonly EngineName[];
  /** Environment for each engine's probe. */
  envFor?: (name: EngineName) => NodeJS.ProcessEnv | undefined;
  /** Ask `docker --version` whether docker is podman's shim, and pass over it if so. */
  skipDockerShim?: boolean;
  timeoutMs?: number;
}

const PROBE_ARGS: Readonly<Record<EngineName, readonly string[]>> = {
  docker: ['info', '--format', '{{.ServerVersion}}'],
  podman: ['info', '--format', '{{.Version.Version}}'],
  buildah: ['version', '--json'],
};

/** The first non-empty line of a command's error output, without trailing dots or colons. */
export function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim().length > 0)?.trim() ?? '').replace(/[.:]+$/, '');
}

function buildahVersion(json: string): string {
  try {
    const parsed = JSON.parse(json) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The first candidate that answers, with why each one before it was passed over. Never throws. */
export async function detectContainerEngine(options: DetectEngineOptions): Promise<EngineDetection> {
  const findings: EngineFinding[] = [];
  const probeOptions = (name: EngineName) => ({ capture: true, env: options.envFor?.(name), timeoutMs: options.timeoutMs ?? ENGINE_PROBE_TIMEOUT_MS });
  for (const name of options.candidates ?? ENGINE_NAMES) {
    const path = options.lookPath(name);
    if (!path) {
      findings.push({ name, status: 'missing' });
      continue;
    }
    const probe = await options.run(path, PROBE_ARGS[name], probeOptions(name));
    const version = name === 'buildah' ? buildahVersion(probe.stdout) : probe.stdout.trim();
    if (probe.exitCode !== 0 || version.length === 0) {
      findings.push({ name, status: 'unanswered', path, why: firstLine(probe.stderr) || `exit code ${probe.exitCode}` });
      continue;
    }
    if (name === 'docker' && options.skipDockerShim) {
      const client = await options.run(path, ['--version'], probeOptions(name));
      if (/podman/i.test(client.stdout)) {
        findings.push({ name, status: 'shim', path });
        continue;
      }
    }
    return { engine: { name, path, version, canRun: name !== 'buildah' }, findings };
  }
  return { findings };
}

export const ENGINE_INSTALL_HINTS = {
  docker: 'install Docker: https://docs.docker.com/get-docker/ (Docker Desktop on macOS/Windows, Docker Engine on Linux)',
  podman: 'or Podman: https://podman.io/docs/installation (kind runs on it with KIND_EXPERIMENTAL_PROVIDER=podman, which this script sets)',
} as const;

/** How to start an installed engine that does not answer. */
function unansweredProblem(finding: Extract<EngineFinding, { status: 'unanswered' }>): string {
  if (finding.name === 'docker') {
    return (
      `docker is installed (${finding.path}) but its engine is not answering: \`docker info\` failed (${finding.why}). ` +
      'Start it (Docker Desktop, `colima start`, or `sudo systemctl start docker`), or use Podman.'
    );
  }
  return `${finding.name} is installed (${finding.path}) but \`${finding.name} ${PROBE_ARGS[finding.name][0]}\` failed (${finding.why}).${finding.name === 'podman' ? ' On macOS/Windows run `podman machine start`.' : ''}`;
}

/**
 * A detection as problems (no engine) and notes (an engine, but one passed over before it), for a
 * person to act on: a docker client without an engine says how to start one, no engine at all says
 * how to install one.
 */
export function describeDetection(detection: EngineDetection): { problems: string[]; notes: string[] } {
  const unanswered = detection.findings.flatMap((f) => (f.status === 'unanswered' ? [unansweredProblem(f)] : []));
  if (detection.engine) return { problems: [], notes: unanswered };
  if (unanswered.length === 0) {
    const names = detection.findings.map((f) => f.name);
    return { problems: [`no container engine: neither ${names.join(' nor ')} is on PATH; ${ENGINE_INSTALL_HINTS.docker}, ${ENGINE_INSTALL_HINTS.podman}`], notes: [] };
  }
  return { problems: [`no container engine answers. ${unanswered.join(' ')}`], notes: [] };
}
