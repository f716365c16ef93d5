import { describe, expect, it } from 'vitest';
import { createHarness, jsonPost } from '../../helpers/app-harness.js';

describe('access log', () => {
  it('writes one JSON line per request with reqId, method, path, route, status and durationMs', async () => {
    const h = createHarness();
    await h.request('/api', { headers: { 'x-request-id': 'req-1' } });
    await h.request('/hello', { ...jsonPost('{"name":"Ada"}'), headers: { 'content-type': 'application/json', 'x-request-id': 'req-2' } });
    await h.request('/nowhere', { headers: { 'x-request-id': 'req-3' } });
    const lines = h.accessLogs();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', reqId: 'req-1', method: 'GET', path: '/api', route: '/api', status: 200 });
    expect(lines[1]).toMatchObject({ reqId: 'req-2', method: 'POST', path: '/hello', route: '/hello', status: 200 });
    expect(lines[2]).toMatchObject({ reqId: 'req-3', method: 'GET', path: '/nowhere', route: 'unmatched', status: 404 });
    for (const line of lines) {
      expect(typeof line.durationMs).toBe('number');
      expect(line.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(line.time as string)).not.toBeNaN();
    }
  });

  it('every line is a complete JSON object on its own line', async () => {
    const h = createHarness();
    await h.request('/');
    await h.request('/%22%0A%7B"evil":1}');
    const raw = h.logText();
    expect(raw.endsWith('\n')).toBe(true);
    const lines = raw.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(h.accessLogs()[1]).not.toHaveProperty('evil');
  });

  it('logs 5xx at level error', async () => {
    const h = createHarness();
    h.app.get('/explode', () => {
      throw new Error('boom');
    });
    await h.request('/explode');
    expect(h.accessLogs()).toEqual([expect.objectContaining({ level: 'error', status: 500, route: '/explode' })]);
  });

  it('logs 4xx at level info', async () => {
    const h = createHarness();
    await h.request('/hello?name=%3C');
    await h.request('/api', { method: 'DELETE' });
    expect(h.accessLogs().map((l) => [l.level, l.status])).toEqual([
      ['info', 400],
      ['info', 405],
    ]);
  });

  it('never logs query strings', async () => {
    const h = createHarness();
    await h.request('/hello?name=SecretName&token=hunter2');
    await h.request('/nowhere?token=hunter2');
    const raw = h.logText();
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toContain('SecretName');
    expect(h.accessLogs().map((l) => l.path)).toEqual(['/hello', '/nowhere']);
  });

  it('writes nothing at LOG_LEVEL=warn for successful and 4xx requests', async () => {
    const h = createHarness({ LOG_LEVEL: 'warn' });
    await h.request('/');
    await h.request('/nowhere');
    await h.request('/hello?name=%3C');
    expect(h.logText()).toBe('');
  });

  it('writes nothing at LOG_LEVEL=silent, not even for a 500', async () => {
    const h = createHarness({ LOG_LEVEL: 'silent' });
    h.app.get('/explode', () => {
      throw new Error('boom');
    });
    expect((await h.request('/explode')).status).toBe(500);
    expect(h.logText()).toBe('');
  });

  it('does not log probe or /metrics requests', async () => {
    const h = createHarness();
    for (const path of ['/livez', '/alive', '/readyz', '/ready', '/startupz']) await h.request(path);
    for (const path of ['/metrics', '/config']) await h.metricsRequest(path);
    expect(h.logText()).toBe('');
  });
});
