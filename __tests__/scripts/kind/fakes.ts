/** Fake dependencies for the kind workflow: a scripted command runner and PATH lookup. */
import path from 'node:path';
import type { KindDeps } from '../../../scripts/kind/deps.js';
import type { RunOptions, RunResult } from '../../../scripts/lib/run.js';

export const REPO = '/repo';

export interface Call {
  /** The command's base name and arguments, e.g. `kind get clusters`. */
  line: string;
  command: string;
  args: readonly string[];
  options: RunOptions;
}

/** Answers a call; undefined falls through to the next responder, and finally to exit 0. */
export type Responder = (call: Call) => Partial<RunResult> | undefined;

export interface FakeOptions {
  /** Tools on PATH, by name (default: docker, kind, kubectl, helm, terraform). */
  tools?: readonly string[];
  /** Whether `docker info` answers (default true). */
  dockerEngine?: boolean;
  /** Whether `podman info` answers (default true). */
  podmanEngine?: boolean;
  /** Whether `kind get clusters` lists hono-api (default true). */
  clusterExists?: boolean;
  /** Files present under the repository (default: Dockerfile, kind/cluster.yaml). */
  files?: readonly string[];
  /** Executable files outside PATH (e.g. the repository's node_modules/.bin/helm). */
  executables?: readonly string[];
  /** Extra responders, consulted before the defaults. */
  respond?: Responder[];
}

export interface Fake {
  deps: KindDeps;
  calls: Call[];
  out: string[];
  err: string[];
  removed: string[];
  /** Lines of the calls made, e.g. ['docker info --format {{.ServerVersion}}', ...]. */
  lines(): string[];
  /** The calls that are not read-only probes (engine info, kind get clusters). */
  actions(): string[];
  output(): string;
}

const PROBES = [/^docker info\b/, /^podman info\b/, /^kind get clusters$/];

export function fake(options: FakeOptions = {}): Fake {
  const tools = new Set(options.tools ?? ['docker', 'kind', 'kubectl', 'helm', 'terraform']);
  const files = new Set((options.files ?? ['Dockerfile', 'kind/cluster.yaml']).map((f) => path.join(REPO, f)));
  const executables = new Set(options.executables ?? []);
  const calls: Call[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const removed: string[] = [];
  const defaults: Responder = (call) => {
    if (call.line.startsWith('docker info')) return options.dockerEngine === false ? { exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n' } : { stdout: '27.3.1\n' };
    if (call.line.startsWith('podman info')) return options.podmanEngine === false ? { exitCode: 125, stderr: 'Error: unable to connect to Podman socket\n' } : { stdout: '5.2.3\n' };
    if (call.line === 'kind get clusters') return { stdout: options.clusterExists === false ? 'other\n' : 'other\nhono-api\n' };
    return undefined;
  };
  const responders = [...(options.respond ?? []), defaults];
  const deps: KindDeps = {
    run: async (command, args, runOptions = {}) => {
      const call: Call = { line: [path.basename(command), ...args].join(' '), command, args, options: runOptions };
      calls.push(call);
      for (const responder of responders) {
        const answer = responder(call);
        if (answer) return { exitCode: 0, stdout: '', stderr: '', ...answer };
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    },
    lookPath: (name) => (tools.has(name) ? `/usr/bin/${name}` : undefined),
    isExecutable: (file) => executables.has(file),
    fileExists: (file) => files.has(file),
    makeTempDir: () => '/tmp/hono-api-kind-test',
    removePath: (file) => void removed.push(file),
    out: (line) => void out.push(line),
    err: (line) => void err.push(line),
    repoRoot: REPO,
  };
  return {
    deps,
    calls,
    out,
    err,
    removed,
    lines: () => calls.map((c) => c.line),
    actions: () => calls.map((c) => c.line).filter((line) => !PROBES.some((p) => p.test(line))),
    output: () => [...out, ...err].join('\n'),
  };
}

/** A responder failing the first call whose line starts with `prefix`. */
export function failOn(prefix: string, stderr = 'boom'): Responder {
  return (call) => (call.line.startsWith(prefix) ? { exitCode: 1, stderr } : undefined);
}
