/**
 * Security headers for responses that did not come from `reply()` (a framework default, a
 * handler using `c.body`). Responses from `reply()` carry them already and skip this.
 */
import { SECURITY_HEADERS, isHardened } from '../http/reply.js';

export function ensureSecureHeaders(res: Response, requestId: string): void {
  if (isHardened(res)) return;
  const headers = res.headers;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!headers.has(name)) headers.set(name, value);
  headers.set('x-request-id', requestId);
}
