/**
 * Request id: accept a sane incoming X-Request-Id (so a trace can be followed across services),
 * otherwise generate one. Every response echoes it.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { AppEnv } from '../types.js';

/** Short, printable and free of anything that could split a log line or a header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const isSaneRequestId = (value: string | undefined): value is string =>
  value !== undefined && SANE_REQUEST_ID.test(value);

export function resolveRequestId(c: Context<AppEnv>): string {
  // Node's own header object when served by node-server: cheaper than the WHATWG Headers view.
  const raw = c.env?.incoming ? c.env.incoming.headers['x-request-id'] : c.req.header('x-request-id');
  const incoming = Array.isArray(raw) ? raw[0] : raw;
  return isSaneRequestId(incoming) ? incoming : randomUUID();
}
