/**
 * Runs a command without a shell. Everything that runs commands (scripts/kind, scripts/ops,
 * scripts/image) takes a `Run` so its logic can be unit-tested with a stub that records the calls.
 *
 *   const result = await runCommand('podman', ['image', 'exists', 'hono-api:test']);
 *   if (result.exitCode !== 0) ...
 *   await mustRun(runCommand, 'podman', ['build', ...], { onOutput: (s) => process.stderr.write(s) });
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface RunOptions {
  /** Collect stdout/stderr (the default); false passes them through to the terminal instead. */
  capture?: boolean;
  /** Variables added to (or, when undefined, left out of) this process's environment. */
  env?: Readonly<NodeJS.ProcessEnv>;
  cwd?: string;
  /** Kill the command (SIGKILL) after this long; the result then has exit code 124. No limit by default. */
  timeoutMs?: number;
  /** Called with every chunk of captured stdout and stderr as it arrives (progress for long builds). */
  onOutput?: (chunk: string) => void;
  /** Written to the command's standard input, which is then closed (captured runs only). */
  input?: string;
}

export interface RunResult {
  /** Exit code; 124 after a timeout, 127 when the program could not be started. */
  exitCode: number;
  /** Empty when the output was not captured. */
  stdout: string;
  stderr: string;
}

/** What the real runner (and mustRun) return: the result with the command line and how long it took. */
export interface CommandResult extends RunResult {
  /** The program and arguments that ran. */
  command: readonly string[];
  durationMs: number;
}

export type Run = (command: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** The real runner: spawn without a shell, stdin closed when capturing. Never rejects: check `exitCode`. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const capture = options.capture ?? true;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const finish = (exitCode: number, extraErr = '') => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({
        command: [command, ...args],
        exitCode,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extraErr,
        durationMs: performance.now() - started,
      });
    };
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: capture ? [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] : 'inherit',
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      into.push(chunk);
      options.onOutput?.(chunk.toString('utf8'));
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    child.on('error', (error) => finish(127, `could not run ${command}: ${error.message}`));
    child.on('close', (code, signal) => {
      if (timedOut) finish(124, `\n${path.basename(command)} timed out after ${options.timeoutMs} ms and was killed`);
      else finish(code ?? (signal ? 128 : 1));
    });
  });
}

export class CommandError extends Error {
  declare readonly result: CommandResult;

  constructor(result: CommandResult) {
    super(`${describeCommand(result.command)} failed with exit code ${result.exitCode}:\n${tail(result.stderr || result.stdout, 40)}`);
    this.name = 'CommandError';
    // Not enumerable: a logged error shows the message (with the output's tail), not all the output.
    Object.defineProperty(this, 'result', { value: result, enumerable: false });
  }
}

/** Runs the command and throws CommandError (with the end of its output) unless it exits 0. */
export async function mustRun(run: Run, command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult> {
  const started = performance.now();
  const result = await run(command, args, options);
  const full: CommandResult = { command: [command, ...args], durationMs: performance.now() - started, ...result };
  if (full.exitCode !== 0) throw new CommandError(full);
  return full;
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
