/**
 * Request timeout: a handler still running after the limit is abandoned and the client gets a
 * JSON 503 with Retry-After, so it retries elsewhere instead of hanging.
 */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`request exceeded REQUEST_TIMEOUT_MS (${timeoutMs} ms)`);
    this.name = 'RequestTimeoutError';
  }
}

/** Settles like `work`, or rejects with RequestTimeoutError after `timeoutMs`. One timer, no Promise.race. */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RequestTimeoutError(timeoutMs)), timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
