/**
 * Response construction for the hot path.
 *
 * Handlers build responses here, with a plain header object that already carries the security
 * headers and the request id. @hono/node-server writes such a response straight to the socket;
 * setting headers afterwards through `c.res.headers` would force it to build a full WHATWG
 * Response and a Headers object per request. `ensureSecureHeaders` (middleware/secure-headers.ts)
 * is the safety net for any response that does not come from here.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../types.js';

/**
 * Security headers for a JSON API, fixed at start: exactly the OWASP REST Security Cheat Sheet
 * set — no caching, a deny-all CSP that also forbids framing, HSTS, no MIME sniffing, no framing
 * for older browsers (Content-Type is set per response). Headers that protect HTML pages
 * (Referrer-Policy, X-XSS-Protection, cross-origin isolation…) do nothing for an API that serves
 * none, and every header costs validation time on every response.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

const JSON_HEADERS = Object.freeze({ ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });

/**
 * Responses built here already carry the security headers. A symbol-keyed mark rather than a
 * WeakSet: a WeakSet entry per request is an ephemeron that every young-generation GC must scan.
 */
const HARDENED = Symbol('hardened');
type Marked = Response & { [HARDENED]?: true };

export const isHardened = (res: Response): boolean => (res as Marked)[HARDENED] === true;

/** The request id the instrumentation assigned (see middleware/instrument.ts). */
export const requestIdOf = (c: Context<AppEnv>): string => c.env.requestId;

export function replyWithId(requestId: string, status: number, body: string, headers: Readonly<Record<string, string>>): Response {
  const res: Marked = new Response(body, { status, headers: { ...headers, 'x-request-id': requestId } });
  res[HARDENED] = true;
  return res;
}

export const reply = (c: Context<AppEnv>, status: number, body: string, headers: Readonly<Record<string, string>>): Response =>
  replyWithId(requestIdOf(c), status, body, headers);

export const json = (c: Context<AppEnv>, status: number, body: unknown, extra?: Record<string, string>): Response =>
  reply(c, status, JSON.stringify(body), extra ? { ...JSON_HEADERS, ...extra } : JSON_HEADERS);

/** A body serialised once at start (the greetings), sent without re-serialising. */
export const preserialisedJson = (c: Context<AppEnv>, status: number, body: string): Response =>
  reply(c, status, body, JSON_HEADERS);

export const text = (c: Context<AppEnv>, status: number, body: string, contentType: string): Response =>
  reply(c, status, body, { ...SECURITY_HEADERS, 'content-type': contentType });

export interface ProblemExtra {
  headers?: Record<string, string>;
  details?: Record<string, unknown>;
}

/** The error body every failure uses: a stable code, a human message and the request id. */
export const problemWithId = (requestId: string, status: number, error: string, message: string, extra?: ProblemExtra): Response =>
  replyWithId(
    requestId,
    status,
    JSON.stringify({ error, message, requestId, ...extra?.details }),
    extra?.headers ? { ...JSON_HEADERS, ...extra.headers } : JSON_HEADERS,
  );

export const problem = (c: Context<AppEnv>, status: number, error: string, message: string, extra?: ProblemExtra): Response =>
  problemWithId(requestIdOf(c), status, error, message, extra);
