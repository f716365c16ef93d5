/**
 * Request timeout: a handler still running after the limit is answered with a JSON 503 and
 * Retry-After, so the client retries elsewhere instead of hanging.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types.js';

export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`request exceeded REQUEST_TIMEOUT_MS (${timeoutMs} ms)`);
    this.name = 'RequestTimeoutError';
  }
}

export const timeout = (timeoutMs: number): MiddlewareHandler<AppEnv> => async (_c, next) => {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(timeoutMs)), timeoutMs);
  });
  try {
    await Promise.race([next(), expired]);
  } finally {
    clearTimeout(timer);
  }
};
