/**
 * Request id: accept a sane incoming X-Request-Id (so a trace can be followed across services),
 * otherwise generate one. `reply()` echoes it on every response.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types.js';

/** Short, printable and free of anything that could split a log line or a header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const isSaneRequestId = (value: string | undefined): value is string =>
  value !== undefined && SANE_REQUEST_ID.test(value);

export const requestId = (): MiddlewareHandler<AppEnv> => (c, next) => {
  const incoming = c.req.header('x-request-id');
  c.set('requestId', isSaneRequestId(incoming) ? incoming : randomUUID());
  return next();
};
