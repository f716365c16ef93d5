/**
 * What the kind workflow needs from the outside world, injected so the logic runs against stubs in
 * tests: a command runner, a PATH lookup, a few file operations and two output streams.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../lib/helm.js';
import { isExecutableFile, lookPath } from '../lib/which.js';

export interface RunOptions {
  /** Collect stdout/stderr instead of passing them through to the terminal. */
  capture?: boolean;
  /** Variables added to the environment. */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** Kill the command after this long; the result then has exit code 124. */
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  /** Empty unless `capture` was set. */
  stdout: string;
  stderr: string;
}

export type Run = (command: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

export interface KindDeps {
  run: Run;
  /** Absolute path of a command on PATH, or undefined. */
  lookPath: (name: string) => string | undefined;
  isExecutable: (file: string) => boolean;
  fileExists: (file: string) => boolean;
  makeTempDir: () => string;
  removePath: (file: string) => void;
  out: (line: string) => void;
  err: (line: string) => void;
  repoRoot: string;
}

/** Runs a command without a shell. A command that cannot start gives exit code 127, as in a shell. */
export const runProcess: Run = (command, args, options = {}) =>
  new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    let settled = false;
    const finish = (result: RunResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(result);
    };
    child.on('error', (error) => finish({ exitCode: 127, stdout: '', stderr: `could not run ${command}: ${error.message}` }));
    child.on('close', (code, signal) =>
      finish({
        exitCode: timedOut ? 124 : (code ?? (signal ? 128 : 1)),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (timedOut ? `\n${path.basename(command)} timed out after ${options.timeoutMs} ms` : ''),
      }),
    );
  });

/** The real dependencies. npm's node_modules/.bin is skipped on PATH so a user's own tools win. */
export function createDeps(): KindDeps {
  const repoBin = path.join(REPO_ROOT, 'node_modules', '.bin');
  return {
    run: runProcess,
    lookPath: (name) => lookPath(name, { skipDirs: [repoBin] }),
    isExecutable: isExecutableFile,
    fileExists: existsSync,
    makeTempDir: () => mkdtempSync(path.join(tmpdir(), 'hono-api-kind-')),
    removePath: (file) => rmSync(file, { recursive: true, force: true }),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    repoRoot: REPO_ROOT,
  };
}
