import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../../src/http/reply.js';
import { createHarness } from '../../helpers/app-harness.js';

const TIMEOUT_MS = 150;

function withHangingRoute(env: Record<string, string> = {}) {
  const h = createHarness({ REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), ...env });
  h.app.get('/hang', () => new Promise<Response>(() => undefined));
  h.app.get('/slow-but-ok', async (c) => {
    await new Promise((r) => setTimeout(r, TIMEOUT_MS / 3));
    return c.json({ ok: true });
  });
  return h;
}

describe('request timeout (REQUEST_TIMEOUT_MS)', () => {
  it('answers a handler that never resolves with a JSON 503 and Retry-After, after about the timeout', async () => {
    const h = withHangingRoute();
    const start = performance.now();
    const res = await h.request('/hang', { headers: { 'x-request-id': 'slow-1' } });
    const elapsed = performance.now() - start;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ error: 'request_timeout', requestId: 'slow-1' });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    // Generous upper bound for a loaded machine; the point is "about the timeout", not 10 s.
    expect(elapsed).toBeLessThan(TIMEOUT_MS * 4 + 500);
  });

  it('puts the security headers and request id on the 503', async () => {
    const res = await withHangingRoute().request('/hang', { headers: { 'x-request-id': 'slow-2' } });
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
    expect(res.headers.get('x-request-id')).toBe('slow-2');
  });

  it('logs a warning and an access line with status 503 (level error)', async () => {
    const h = withHangingRoute();
    await h.request('/hang', { headers: { 'x-request-id': 'slow-3' } });
    const logs = h.logs();
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'request timed out', reqId: 'slow-3', timeoutMs: TIMEOUT_MS }));
    expect(h.accessLogs()).toEqual([expect.objectContaining({ level: 'error', reqId: 'slow-3', status: 503, route: '/hang' })]);
  });

  it('lets a handler that finishes within the timeout answer normally', async () => {
    const res = await withHangingRoute().request('/slow-but-ok');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('times out many concurrent hanging requests independently', async () => {
    const h = withHangingRoute();
    const results = await Promise.all(Array.from({ length: 20 }, () => h.request('/hang')));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(503));
  });
});
