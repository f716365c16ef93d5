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

/** Scans Node's raw header list: cheaper than materialising a header object for one lookup. */
function rawHeader(incoming: IncomingMessage, lowerName: string): string | undefined {
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

export function resolveRequestId(request: Request, incoming: IncomingMessage | undefined): string {
  const supplied = incoming ? rawHeader(incoming, 'x-request-id') : request.headers.get('x-request-id');
  return isSaneRequestId(supplied) ? supplied : randomUUID();
}
