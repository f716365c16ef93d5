/**
 * Body-size limit (413). Methods without a body skip it, so the hot GET path never touches the
 * request stream.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { problem } from '../http/reply.js';
import type { AppEnv } from '../types.js';

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const bodyLimit = (maxBytes: number): MiddlewareHandler<AppEnv> => {
  const limit = honoBodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      problem(c as never, 413, 'payload_too_large', `The request body exceeds the limit of ${maxBytes} bytes (BODY_LIMIT_BYTES).`),
  });
  return (c, next) => (BODYLESS.has(c.req.method) ? next() : limit(c, next));
};
