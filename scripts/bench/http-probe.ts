/** Minimal HTTP GETs for readiness polling and the response-body check. */
import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Reply {
  readonly status: number;
  readonly body: string;
}

/** One GET on a fresh connection (agent: false, so no pooled socket hides a restart); undefined on any network error. */
export function fetchOnce(url: string, timeoutMs = 1000): Promise<Reply | undefined> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/**
 * Polls until the URL answers 200. Every ~intervalMs, which bounds the cold-start measurement
 * error to about one interval. Fails early when the server process has already exited.
 */
export async function waitForOk(url: string, child: ChildProcess, timeoutMs: number, intervalMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const reply = await fetchOnce(url, 500);
    if (reply?.status === 200) return;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before ${url} answered 200`);
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${reply ? reply.status : 'no connection'})`);
    await sleep(intervalMs);
  }
}
