/**
 * Runs a command without a shell and collects its output. Everything in scripts/image takes a
 * `CommandRunner` so the logic can be unit-tested with a stub that records the calls.
 *
 *   const result = await runCommand('podman', ['image', 'exists', 'hono-api:test']);
 *   if (result.exitCode !== 0) ...
 *   await mustRun(runCommand, 'podman', ['build', ...], { onOutput: (s) => process.stderr.write(s) });
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  /** The program and arguments that ran. */
  command: readonly string[];
  /** Exit code; 124 after a timeout, 127 when the program could not be started. */
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the command (SIGKILL) after this long; the result then has exit code 124. Default: 30 minutes. */
  timeoutMs?: number;
  /** Called with every chunk of stdout and stderr as it arrives (progress for long builds). */
  onOutput?: (chunk: string) => void;
}

export type CommandRunner = (program: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** The real runner: spawn without a shell, stdin closed. Never rejects: check `exitCode`. */
export const runCommand: CommandRunner = (program, args, options = {}) =>
  new Promise((resolve) => {
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? 30 * 60_000;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const finish = (exitCode: number, extraErr = '') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        command: [program, ...args],
        exitCode,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extraErr,
        durationMs: performance.now() - started,
      });
    };
    const child = spawn(program, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      into.push(chunk);
      options.onOutput?.(chunk.toString('utf8'));
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (error) => finish(127, `could not run ${program}: ${error.message}`));
    child.on('close', (code, signal) => {
      if (timedOut) finish(124, `\n${program} timed out after ${timeoutMs} ms and was killed`);
      else finish(code ?? (signal ? 128 : 1));
    });
  });

export class CommandError extends Error {
  declare readonly result: RunResult;

  constructor(result: RunResult) {
    super(`${describeCommand(result.command)} failed with exit code ${result.exitCode}:\n${tail(result.stderr || result.stdout, 40)}`);
    this.name = 'CommandError';
    // Not enumerable: a logged error shows the message (with the output's tail), not all the output.
    Object.defineProperty(this, 'result', { value: result, enumerable: false });
  }
}

/** Runs the command and throws CommandError (with the end of its output) unless it exits 0. */
export async function mustRun(run: CommandRunner, program: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
  const result = await run(program, args, options);
  if (result.exitCode !== 0) throw new CommandError(result);
  return result;
}

/** The last `lines` lines of a text. */
export function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** A command line for messages: arguments with spaces or quotes are single-quoted. */
export function describeCommand(command: readonly string[]): string {
  return command.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
