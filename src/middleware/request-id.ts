/**
 * Request id: accept a sane incoming X-Request-Id (so a trace can be followed across services),
 * otherwise generate one. Every response echoes it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Short, printable and free of anything that could split a log line or a header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const isSaneRequestId = (value: string | null | undefined): value is string =>
  typeof value === 'string' && SANE_REQUEST_ID.test(value);

export function resolveRequestId(request: Request, incoming: IncomingMessage | undefined): string {
  // Node's own header object when served by node-server (it has already parsed it for Host);
  // the WHATWG Headers under app.request().
  const raw = incoming ? incoming.headers['x-request-id'] : request.headers.get('x-request-id');
  const supplied = Array.isArray(raw) ? raw[0] : raw;
  return isSaneRequestId(supplied) ? supplied : randomUUID();
}
