import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../../src/http/reply.js';
import { createHarness, jsonPost } from '../../helpers/app-harness.js';

type Case = [label: string, status: number, path: string, init?: RequestInit, port?: 'metrics'];

const CASES: Case[] = [
  ['a greeting', 200, '/'],
  ['HEAD', 200, '/api', { method: 'HEAD' }],
  ['a 400', 400, '/hello?name=%FF'],
  ['a 404', 404, '/missing'],
  ['a 405', 405, '/api', { method: 'DELETE' }],
  ['the OPTIONS 204', 204, '/api', { method: 'OPTIONS' }],
  ['a 413', 413, '/hello', jsonPost(`{"name":"${'x'.repeat(100)}"}`)],
  ['a 415', 415, '/hello', jsonPost('{}', 'text/plain')],
  ['a 500', 500, '/explode'],
  ['the metrics text (METRICS_PORT)', 200, '/metrics', undefined, 'metrics'],
  ['the configuration (METRICS_PORT)', 200, '/config', undefined, 'metrics'],
  ['a 404 on METRICS_PORT', 404, '/missing', undefined, 'metrics'],
  ['a probe 503', 503, '/readyz'],
];

function harness() {
  const h = createHarness({ BODY_LIMIT_BYTES: '32' });
  h.lifecycle.markDraining(); // so /readyz answers 503
  h.app.get('/explode', () => {
    throw new Error('boom');
  });
  return h;
}

describe('security headers and x-request-id on every response', () => {
  const h = harness();

  it.each(CASES)('on %s', async (_label, status, path, init, port) => {
    const res = await (port === 'metrics' ? h.metricsRequest(path, init) : h.request(path, init));
    expect(res.status).toBe(status);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('includes at least the OWASP REST essentials', () => {
    expect(SECURITY_HEADERS).toMatchObject({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
    expect(SECURITY_HEADERS['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(SECURITY_HEADERS['content-security-policy']).toContain("default-src 'none'");
  });

  it('adds the headers to a response a route builds without reply()', async () => {
    const custom = createHarness();
    custom.app.get('/plain', (c) => c.text('plain'));
    const res = await custom.request('/plain', { headers: { 'x-request-id': 'plain-1' } });
    expect(await res.text()).toBe('plain');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
    expect(res.headers.get('x-request-id')).toBe('plain-1');
  });
});
