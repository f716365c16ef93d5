/**
 * Request timeout: a handler still running after REQUEST_TIMEOUT_MS is abandoned and the client
 * gets a JSON 503 with Retry-After, so it retries elsewhere instead of hanging.
 *
 * Deadlines are checked by one sweeper per process instead of one timer per request: arming and
 * clearing a timer on every request measured at a few percent of throughput, and a timeout that
 * fires up to one sweep late (a tenth of the limit) is just as useful.
 */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`request exceeded REQUEST_TIMEOUT_MS (${timeoutMs} ms)`);
    this.name = 'RequestTimeoutError';
  }
}

interface Pending {
  readonly deadline: number;
  readonly expire: () => void;
}

export interface Deadlines {
  /** Settles like `work`, or rejects with RequestTimeoutError once the deadline has passed. */
  run<T>(work: Promise<T>): Promise<T>;
  /** Requests currently being timed (for tests and diagnostics). */
  readonly size: number;
}

export function createDeadlines(timeoutMs: number): Deadlines {
  const pending = new Set<Pending>();
  const sweepEveryMs = Math.min(Math.max(Math.floor(timeoutMs / 10), 5), 1000);
  let sweeper: NodeJS.Timeout | undefined;

  const sweep = () => {
    const now = performance.now();
    for (const p of pending) if (p.deadline <= now) p.expire();
    if (pending.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  return {
    get size() {
      return pending.size;
    },
    run<T>(work: Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const entry: Pending = {
          deadline: performance.now() + timeoutMs,
          expire: () => {
            pending.delete(entry);
            reject(new RequestTimeoutError(timeoutMs));
          },
        };
        pending.add(entry);
        // unref: an idle sweeper must never keep a stopping process alive.
        sweeper ??= setInterval(sweep, sweepEveryMs).unref();
        work.then(
          (value) => {
            if (pending.delete(entry)) resolve(value);
          },
          (err: unknown) => {
            if (pending.delete(entry)) reject(err);
          },
        );
      });
    },
  };
}
