/**
 * Body-size limit: 413 for a body over BODY_LIMIT_BYTES, whether announced by Content-Length or
 * streamed chunked. Only requests that may carry a body go through it.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { problem } from '../http/reply.js';
import type { AppEnv } from '../types.js';

/** Methods that may carry a body; only their routes get the limit, so GET stays on the fast path. */
export const BODY_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

export const createBodyLimit = (maxBytes: number): MiddlewareHandler<AppEnv> =>
  bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      problem(c as never, 413, 'payload_too_large', `The request body exceeds the limit of ${maxBytes} bytes (BODY_LIMIT_BYTES).`),
  }) as MiddlewareHandler<AppEnv>;
