/**
 * Server-side CPU and memory from /proc. CPU time per request is the metric that survives a noisy
 * VM: a neighbour stealing cycles lowers req/s but not the CPU our server spends per request.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** utime + stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks. Includes all threads. */
export function parseProcStatCpuTicks(stat: string): number {
  // Field 2 is the command name in parentheses and may itself contain spaces or ')', so split
  // after the last ')'. What follows starts at field 3 (state), so utime is index 11.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`cannot read utime/stime from /proc stat: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** A "Name:   1234 kB" line of /proc/<pid>/status, in bytes; undefined when absent (e.g. a zombie). */
export function parseProcStatusBytes(status: string, key: 'VmRSS' | 'VmHWM'): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

export function readCpuTicks(pid: number): number {
  return parseProcStatCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function readRssBytes(pid: number): number | undefined {
  return parseProcStatusBytes(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
}

/** Clock ticks per second for /proc CPU fields; 100 on every mainstream Linux, but ask. */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}
