/**
 * Every process the benchmark spawns is registered here so that an error, Ctrl-C or a normal exit
 * leaves no server holding a port.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
const exitTasks: (() => void)[] = [];

/** Registers synchronous cleanup (e.g. removing a temp dir) that must also run on Ctrl-C. */
export function atExit(task: () => void): void {
  exitTasks.push(task);
}

export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  // A failed spawn (ENOENT) emits 'error' and never 'exit'.
  child.once('error', () => live.delete(child));
  return child;
}

/** Synchronous so it can run inside process.on('exit'), where nothing asynchronous happens. */
export function killAllNow(): void {
  for (const child of live) {
    // SIGKILL: on an abort we want ports freed now, not after a graceful drain.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
  for (const task of exitTasks.splice(0)) {
    try {
      task();
    } catch {
      // Best effort: a failed cleanup must not hide the original error or exit code.
    }
  }
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export function installCleanupHandlers(): void {
  process.on('exit', killAllNow);
  for (const [signal, code] of Object.entries(SIGNAL_EXIT) as [NodeJS.Signals, number][]) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping ${live.size} child process(es) and exiting\n`);
      killAllNow();
      process.exit(code);
    });
  }
}
