/**
 * Runs the real service (`node --import tsx src/server.ts`) as a child process on an ephemeral
 * loopback port, and reads its JSON log from stdout. Every child is tracked so a test file can
 * kill whatever is left in afterEach/afterAll with `killAllServers()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../src/config.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the child exited. */
  at: number;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /** The port from the "listening" log line (undefined until then, or for a child that never listens). */
  port: number | undefined;
  /** METRICS_PORT's port, from the same line. */
  metricsPort: number | undefined;
  stdout(): string;
  stderr(): string;
  /** stdout parsed as JSON lines; a non-JSON line fails the caller's assertion rather than being skipped. */
  logs(): Record<string, unknown>[];
  readonly exited: Promise<Exit>;
  /** Sends a signal and returns performance.now() at the moment it was sent. */
  signal(sig: NodeJS.Signals): number;
}

const live = new Set<ChildProcess>();

/** Base environment for a child: ours without the service's own settings or slow-start extras. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const s of Object.values(SETTINGS)) delete base[s.env];
  delete base.NODE_EXTRA_CA_CERTS; // loading a CA bundle slows every start considerably
  delete base.NODE_OPTIONS; // vitest's loader hooks must not leak into the child
  return { ...base, PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', ...env };
}

export function spawnServer(env: Record<string, string> = {}): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      const at = performance.now();
      live.delete(child);
      // Wait for the pipes to drain so the last log lines are in.
      let open = 2;
      const done = () => {
        open -= 1;
        if (open === 0) resolve({ code, signal, at });
      };
      if (child.stdout!.readableEnded) done();
      else child.stdout!.once('end', done);
      if (child.stderr!.readableEnded) done();
      else child.stderr!.once('end', done);
    });
  });
  const proc: ServerProcess = {
    child,
    port: undefined,
    metricsPort: undefined,
    stdout: () => out,
    stderr: () => err,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    signal: (sig) => {
      const at = performance.now();
      child.kill(sig);
      return at;
    },
  };
  return proc;
}

/** Starts the service and resolves once it logs "listening", with the port it got. */
export async function startServer(env: Record<string, string> = {}, timeoutMs = 30_000): Promise<ServerProcess & { port: number; metricsPort: number }> {
  const proc = spawnServer(env);
  const [port, metricsPort] = await new Promise<[number, number]>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`server did not log "listening" within ${timeoutMs} ms\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`));
    }, timeoutMs);
    const onData = () => {
      const match = /"msg":"listening","address":"127\.0\.0\.1:(\d+)","metricsAddress":"127\.0\.0\.1:(\d+)"/.exec(proc.stdout());
      if (match) {
        cleanup();
        resolve([Number(match[1]), Number(match[2])]);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`server exited (${code}) before listening\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      proc.child.stdout!.off('data', onData);
      proc.child.off('exit', onExit);
    };
    proc.child.stdout!.on('data', onData);
    proc.child.once('exit', onExit);
  });
  proc.port = port;
  proc.metricsPort = metricsPort;
  return proc as ServerProcess & { port: number; metricsPort: number };
}

/** Resolves with the exit, or rejects if the child is still running after `timeoutMs`. */
export function exitWithin(proc: ServerProcess, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server still running after ${timeoutMs} ms`)), timeoutMs);
    void proc.exited.then((exit) => {
      clearTimeout(timer);
      resolve(exit);
    });
  });
}

/** Kills every child still running (SIGKILL: a test that needs a graceful stop does it itself). */
export async function killAllServers(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}
