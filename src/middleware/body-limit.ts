/**
 * Body-size limit: 413 for a body over BODY_LIMIT_BYTES, whether announced by Content-Length or
 * streamed chunked. Only requests that may carry a body go through it.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { problem } from '../http/reply.js';
import type { AppEnv } from '../types.js';

export const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export const createBodyLimit = (maxBytes: number): MiddlewareHandler<AppEnv> =>
  bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      problem(c as never, 413, 'payload_too_large', `The request body exceeds the limit of ${maxBytes} bytes (BODY_LIMIT_BYTES).`),
  }) as MiddlewareHandler<AppEnv>;
