/**
 * The three servers under test and how to start, probe and stop them. Each listens on a free
 * loopback port and serves the same JSON body at GET /.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { freePort as freeLoopbackPort } from '../lib/net.js';
import { fileURLToPath } from 'node:url';
import { track } from './children.js';
import { waitForOk } from './http-probe.js';
import type { TargetName } from './types.js';

export const HOST = '127.0.0.1';
const RAW_SERVER = fileURLToPath(new URL('./raw-server.mjs', import.meta.url));
const FASTAPI_DIR = fileURLToPath(new URL('./fastapi', import.meta.url));

export interface TargetSpec {
  readonly name: TargetName;
  readonly label: string;
  readonly readyPath: string;
  readonly readyTimeoutMs: number;
  readonly file: string;
  readonly args: readonly string[];
  /** Environment without PORT; the port is chosen per start. */
  readonly env: NodeJS.ProcessEnv;
  /** Where the server's stdout goes; the service's access log must hit a real file to cost what it costs. */
  readonly stdoutFile?: string;
  readonly portArg?: (port: number) => string[];
}

/** The body every target must return; mirrors the service's GET / reply. */
export function expectedBody(version: string): string {
  return JSON.stringify({ message: 'Hello from hono-api', version });
}

/**
 * Environment for spawned Node servers. NODE_EXTRA_CA_CERTS makes Node load a CA bundle at start
 * (~70 ms on this machine) which would dominate the cold-start number; NODE_OPTIONS could inject
 * loaders or flags that production does not run with.
 */
export function nodeServerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  return env;
}

export function rawSpec(version: string): TargetSpec {
  return {
    name: 'raw',
    label: 'raw node:http',
    readyPath: '/',
    readyTimeoutMs: 10_000,
    file: process.execPath,
    args: [RAW_SERVER],
    env: nodeServerEnv({ HOST, BENCH_BODY: expectedBody(version) }),
  };
}

/** The built bundle with every production middleware on, logging at info to a file. */
export function serviceSpec(accessLogFile: string): TargetSpec {
  return {
    name: 'service',
    label: 'service (dist/server.mjs)',
    readyPath: '/readyz',
    readyTimeoutMs: 10_000,
    file: process.execPath,
    args: ['dist/server.mjs'],
    env: nodeServerEnv({ HOST, LOG_LEVEL: 'info', METRICS_ENABLED: 'true' }),
    stdoutFile: accessLogFile,
  };
}

export function fastapiSpec(uvicorn: string, version: string): TargetSpec {
  return {
    name: 'fastapi',
    label: 'FastAPI + uvicorn (1 worker)',
    readyPath: '/',
    // Python imports FastAPI and pydantic at start; give a loaded machine room.
    readyTimeoutMs: 30_000,
    file: uvicorn,
    args: ['app:app', '--app-dir', FASTAPI_DIR, '--host', HOST, '--workers', '1', '--log-level', 'warning', '--no-access-log'],
    portArg: (port) => ['--port', String(port)],
    // No __pycache__ litter in the repo; the venv's own packages were compiled at install.
    env: { ...process.env, BENCH_VERSION: version, PYTHONDONTWRITEBYTECODE: '1' },
  };
}

/** Asks the kernel for a free loopback port. */
export const freePort = (): Promise<number> => freeLoopbackPort(HOST);

export interface RunningTarget {
  readonly spec: TargetSpec;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  url(path?: string): string;
  /** Last few KiB of stderr, for error messages. */
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function spawnTarget(spec: TargetSpec, port: number): RunningTarget {
  const stdoutFd = spec.stdoutFile ? openSync(spec.stdoutFile, 'w') : undefined;
  const args = [...spec.args, ...(spec.portArg ? spec.portArg(port) : [])];
  const env = spec.portArg ? spec.env : { ...spec.env, PORT: String(port) };
  const child = track(spawn(spec.file, args, { env, stdio: ['ignore', stdoutFd ?? 'ignore', 'pipe'] }));
  // The child holds its own copy of the descriptor.
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return {
    spec,
    port,
    pid: child.pid ?? -1,
    child,
    url: (path = '/') => `http://${HOST}:${port}${path}`,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts the target on a fresh port and resolves once its readiness path answers 200. */
export async function startTarget(spec: TargetSpec): Promise<RunningTarget> {
  const target = spawnTarget(spec, await freePort());
  try {
    await waitForOk(target.url(spec.readyPath), target.child, spec.readyTimeoutMs);
  } catch (err) {
    await target.stop('SIGKILL');
    throw new Error(`${spec.label} failed to start: ${(err as Error).message}\n${target.stderr()}`, { cause: err });
  }
  return target;
}

/** Milliseconds from spawn() to the first 200 on the readiness path; the process is killed after. */
export async function measureColdStartMs(spec: TargetSpec): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const target = spawnTarget(spec, port);
  try {
    await waitForOk(target.url(spec.readyPath), target.child, spec.readyTimeoutMs);
    return performance.now() - t0;
  } catch (err) {
    throw new Error(`${spec.label} cold start failed: ${(err as Error).message}\n${target.stderr()}`, { cause: err });
  } finally {
    await target.stop('SIGKILL');
  }
}
