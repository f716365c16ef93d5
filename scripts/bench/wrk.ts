/**
 * Running wrk and reading its text report. wrk has no machine-readable output without a Lua
 * script, and its text format has been stable since 4.0, so parsing the text is the simpler path.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { track } from './children.js';
import type { WrkResult } from './types.js';

export const WRK_PATH = '/usr/bin/wrk';

/** wrk prints times with the unit that keeps the number small: 742.00us, 1.50ms, 2.00s, 1.00m. */
const MS_PER_UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export class WrkParseError extends Error {
  override name = 'WrkParseError';
}

/** "742.00us" → 0.742 (milliseconds). */
export function parseWrkTime(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  const unit = m?.[2];
  if (!m || unit === undefined || Number.isNaN(Number(m[1]))) throw new WrkParseError(`unrecognised wrk time "${text}"`);
  return Number(m[1]) * (MS_PER_UNIT[unit] ?? Number.NaN);
}

function requiredMatch(output: string, re: RegExp, what: string): RegExpExecArray {
  const m = re.exec(output);
  if (!m) throw new WrkParseError(`wrk output has no ${what} line${what === 'latency distribution' ? ' (was --latency passed?)' : ''}`);
  return m;
}

export function parseWrkOutput(output: string): WrkResult {
  const total = requiredMatch(output, /^\s*(\d+) requests in ([\d.]+(?:us|ms|s|m|h)),/m, '"N requests in"');
  const rps = requiredMatch(output, /^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec');
  requiredMatch(output, /^\s*Latency Distribution/m, 'latency distribution');

  const percentile = (p: number): number => {
    const m = requiredMatch(output, new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, 'm'), `${p}% latency`);
    return parseWrkTime(m[1] ?? '');
  };
  const non2xx = /^\s*Non-2xx or 3xx responses:\s+(\d+)/m.exec(output);
  const sock = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/m.exec(output);

  return {
    requests: Number(total[1]),
    durationSeconds: parseWrkTime(total[2] ?? '') / 1000,
    requestsPerSecond: Number(rps[1]),
    latencyMs: { p50: percentile(50), p75: percentile(75), p90: percentile(90), p99: percentile(99) },
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: {
      connect: sock ? Number(sock[1]) : 0,
      read: sock ? Number(sock[2]) : 0,
      write: sock ? Number(sock[3]) : 0,
      timeout: sock ? Number(sock[4]) : 0,
    },
  };
}

export interface WrkLoad {
  readonly threads: number;
  readonly connections: number;
  /** wrk only accepts whole seconds. */
  readonly seconds: number;
}

/** Keep-alive is wrk's default; --latency adds the percentile table we parse. */
export function wrkArgs(load: WrkLoad, url: string): string[] {
  return [`-t${load.threads}`, `-c${load.connections}`, `-d${load.seconds}s`, '--latency', url];
}

export function assertWrkInstalled(): void {
  if (existsSync(WRK_PATH)) return;
  process.stderr.write(`wrk is not installed at ${WRK_PATH}.\nInstall it with:  sudo apt-get install wrk\n`);
  process.exit(1);
}

/** Runs wrk to completion and returns its stdout; rejects with stderr on a non-zero exit. */
export function runWrk(load: WrkLoad, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(WRK_PATH, wrkArgs(load, url), { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${err || out}`))));
  });
}
