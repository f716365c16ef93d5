/**
 * Response construction for the hot path.
 *
 * Handlers build responses here, with a plain header object that already carries the security
 * headers and the request id. @hono/node-server writes such a response straight to the socket;
 * setting headers afterwards through `c.res.headers` would force it to build a full WHATWG
 * Response and a Headers object per request. The `secureHeaders` middleware is the safety net
 * for any response that does not come from here.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../types.js';

/** Security headers for a JSON API, in the spirit of helmet / hono's secureHeaders, fixed at start. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
});

const JSON_HEADERS = Object.freeze({ ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });

/** Responses built here already carry the security headers. */
const hardened = new WeakSet<Response>();

export const isHardened = (res: Response): boolean => hardened.has(res);

export function reply(
  c: Context<AppEnv>,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>>,
): Response {
  const res = new Response(body, { status, headers: { ...headers, 'x-request-id': c.get('requestId') ?? '' } });
  hardened.add(res);
  return res;
}

export const json = (c: Context<AppEnv>, status: number, body: unknown, extra?: Record<string, string>): Response =>
  reply(c, status, JSON.stringify(body), extra ? { ...JSON_HEADERS, ...extra } : JSON_HEADERS);

/** A body serialised once at start (the greetings), sent without re-serialising. */
export const preserialisedJson = (c: Context<AppEnv>, status: number, body: string): Response =>
  reply(c, status, body, JSON_HEADERS);

export const text = (c: Context<AppEnv>, status: number, body: string, contentType: string): Response =>
  reply(c, status, body, { ...SECURITY_HEADERS, 'content-type': contentType });

/** The error body every failure uses: a stable code, a human message and the request id. */
export const problem = (
  c: Context<AppEnv>,
  status: number,
  error: string,
  message: string,
  extra?: { headers?: Record<string, string>; details?: Record<string, unknown> },
): Response =>
  json(c, status, { error, message, requestId: c.get('requestId'), ...extra?.details }, extra?.headers);
