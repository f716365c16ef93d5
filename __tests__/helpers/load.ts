/**
 * Load generation for the shutdown tests: concurrent keep-alive request loops and a readiness
 * poller, each recording when every request was sent and how it ended.
 */
import http from 'node:http';

export interface Outcome {
  /** performance.now() just before the request was handed to the agent. */
  sentAt: number;
  doneAt: number;
  status?: number;
  /** Error code (ECONNREFUSED, ECONNRESET…) or message when the request failed. */
  error?: string;
  /** True if response headers arrived before a failure: a failure mid-response. */
  midResponse: boolean;
  /** The Connection response header, if any. */
  connection?: string;
  /** True if the agent sent the request on a kept-alive socket rather than a new connection. */
  reusedSocket: boolean;
  /** The X-Request-Id sent, to look the request up in the server's access log. */
  requestId: string;
}

let nextId = 0;

/** One GET, never rejecting: the outcome records how it ended. */
export function timedGet(port: number, path: string, agent: http.Agent, timeoutMs = 10_000): Promise<Outcome> {
  const requestId = `load-${process.pid}-${(nextId += 1)}`;
  const sentAt = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let midResponse = false;
    const settle = (o: Pick<Outcome, 'status' | 'error' | 'connection'>) => {
      if (settled) return;
      settled = true;
      resolve({ sentAt, doneAt: performance.now(), midResponse, reusedSocket: req.reusedSocket, requestId, ...o });
    };
    const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { 'x-request-id': requestId } }, (res) => {
      midResponse = true;
      const connection = res.headers.connection;
      res.on('error', (err: NodeJS.ErrnoException) => settle({ error: err.code ?? err.message }));
      res.on('aborted', () => settle({ error: 'aborted' }));
      res.on('end', () => {
        midResponse = false;
        settle({ status: res.statusCode!, ...(connection ? { connection } : {}) });
      });
      res.on('close', () => settle({ error: 'closed before end' }));
      res.resume();
    });
    req.on('error', (err: NodeJS.ErrnoException) => settle({ error: err.code ?? err.message }));
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.end();
  });
}

export interface Loop {
  /** Stops sending; resolves with every outcome once the loops have finished. */
  stop(): Promise<Outcome[]>;
  /** Outcomes recorded so far. */
  readonly outcomes: readonly Outcome[];
}

/**
 * `concurrency` loops, each sending the next request as soon as the previous one ended, through
 * `agent`, and pausing `pauseMs` between requests (0 for back-to-back load). After a refused
 * connection a loop backs off a little so a stopped server is not spun against.
 */
export function startLoops(options: { port: number; path: string; concurrency: number; agent: http.Agent; pauseMs?: number }): Loop {
  const { port, path, concurrency, agent, pauseMs = 0 } = options;
  const outcomes: Outcome[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const outcome = await timedGet(port, path, agent);
      outcomes.push(outcome);
      const pause = outcome.error === 'ECONNREFUSED' ? Math.max(pauseMs, 5) : pauseMs;
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return outcomes.sort((a, b) => a.sentAt - b.sentAt);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `predicate` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string, everyMs = 10): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
