/**
 * Safety net: responses that did not come from `reply()` (a framework default, a future handler
 * using `c.json`) still get the security headers and the request id. Hot-path responses skip this.
 */
import type { MiddlewareHandler } from 'hono';
import { SECURITY_HEADERS, isHardened } from '../http/reply.js';
import type { AppEnv } from '../types.js';

export const secureHeaders = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await next();
  if (isHardened(c.res)) return;
  const headers = c.res.headers;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!headers.has(name)) headers.set(name, value);
  headers.set('x-request-id', c.get('requestId'));
};
