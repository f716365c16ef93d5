import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS } from '../../../src/metrics.js';
import { type Harness, createHarness, jsonPost } from '../../helpers/app-harness.js';
import { find, parseSamples, valueOf } from '../../helpers/prometheus.js';

const TOKEN = 'scrape-token-0123456789abcdef';

async function scrape(h: Harness, headers: Record<string, string> = {}) {
  const res = await h.metricsRequest('/metrics', { headers });
  expect(res.status).toBe(200);
  return { res, text: await res.text() };
}

describe('GET /metrics', () => {
  it('serves Prometheus text with the process and runtime defaults', async () => {
    const { res, text } = await scrape(createHarness());
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    const samples = parseSamples(text);
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_total_bytes')).toBeGreaterThan(0);
  });

  it('counts requests by method, route template and status', async () => {
    const h = createHarness();
    await h.request('/');
    await h.request('/');
    await h.request('/hello?name=Ada');
    await h.request('/hello?name=%3Cx%3E');
    await h.request('/hello', jsonPost('{"name":"Ada"}'));
    const samples = parseSamples((await scrape(h)).text);
    expect(valueOf(samples, 'http_requests_total', { method: 'GET', route: '/', status: '200' })).toBe(2);
    expect(valueOf(samples, 'http_requests_total', { method: 'GET', route: '/hello', status: '200' })).toBe(1);
    expect(valueOf(samples, 'http_requests_total', { method: 'GET', route: '/hello', status: '400' })).toBe(1);
    expect(valueOf(samples, 'http_requests_total', { method: 'POST', route: '/hello', status: '200' })).toBe(1);
    expect(find(samples, 'http_requests_total')).toHaveLength(4);
  });

  it('labels a 404 to a random path route="unmatched", never with the raw path', async () => {
    const h = createHarness();
    const random = `/scan-${Math.random().toString(36).slice(2)}`;
    expect((await h.request(random)).status).toBe(404);
    expect((await h.request(`${random}/deeper?x=1`)).status).toBe(404);
    const { text } = await scrape(h);
    const samples = parseSamples(text);
    expect(valueOf(samples, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(2);
    expect(text).not.toContain(random);
  });

  it('labels a 405 with the route it hit and counts unknown methods as OTHER', async () => {
    const h = createHarness();
    await h.request('/api', { method: 'DELETE' });
    await h.request('/api', { method: 'PROPFIND' });
    const samples = parseSamples((await scrape(h)).text);
    expect(valueOf(samples, 'http_requests_total', { method: 'DELETE', route: '/api', status: '405' })).toBe(1);
    expect(valueOf(samples, 'http_requests_total', { method: 'OTHER', route: '/api', status: '405' })).toBe(1);
    expect(find(samples, 'http_requests_total', { method: 'PROPFIND' })).toEqual([]);
  });

  it('exposes a latency histogram per series whose +Inf bucket equals the count', async () => {
    const h = createHarness();
    for (let i = 0; i < 3; i += 1) await h.request('/api');
    const samples = parseSamples((await scrape(h)).text);
    const series = { method: 'GET', route: '/api', status: '200' };
    const buckets = find(samples, 'http_request_duration_seconds_bucket', series);
    expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS.map(String), '+Inf']);
    const values = buckets.map((b) => b.value);
    expect(values).toEqual([...values].sort((a, b) => a - b)); // cumulative
    expect(values.at(-1)).toBe(3);
    expect(valueOf(samples, 'http_request_duration_seconds_count', series)).toBe(3);
    expect(valueOf(samples, 'http_request_duration_seconds_sum', series)).toBeGreaterThan(0);
  });

  it('does not count probe or metrics requests', async () => {
    const h = createHarness();
    for (const path of ['/livez', '/alive', '/readyz', '/ready', '/startupz']) await h.request(path);
    for (const path of ['/metrics', '/config']) await h.metricsRequest(path);
    await h.request('/');
    const samples = parseSamples((await scrape(h)).text);
    expect(find(samples, 'http_requests_total').map((s) => s.labels.route)).toEqual(['/']);
    expect(h.accessLogs().map((l) => l.path)).toEqual(['/']);
  });
});

describe('GET /metrics with METRICS_AUTH_TOKEN', () => {
  const h = createHarness({ METRICS_AUTH_TOKEN: TOKEN });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token-0123456789abcdef' }],
    ['the token without the Bearer scheme', { authorization: TOKEN }],
    ['a Basic credential', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
  ])('answers %s with 401 and WWW-Authenticate', async (_label, headers: Record<string, string>) => {
    const res = await h.metricsRequest('/metrics', { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'unauthorized' });
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('http_requests_total');
  });

  it('serves the metrics with the bearer token', async () => {
    const { text } = await scrape(h, { authorization: `Bearer ${TOKEN}` });
    expect(text).toContain('# TYPE http_requests_total counter');
  });
});

describe('not on the API port: the load balancer routes PORT, so /metrics and /config there would be public', () => {
  it.each(['/metrics', '/config'])('%s is a JSON 404 on PORT and served on METRICS_PORT', async (path) => {
    const h = createHarness();
    const res = await h.request(path);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    expect((await h.metricsRequest(path)).status).toBe(200);
  });

  it('METRICS_PORT may not be PORT', () => {
    expect(() => createHarness({ PORT: '8080', METRICS_PORT: '8080' })).toThrow(/METRICS_PORT=8080 is invalid: it is also PORT/);
  });
});

describe('GET /metrics with METRICS_AUTH_TOKEN_FILE (a mounted Secret)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-token-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'METRICS_AUTH_TOKEN');
  const ROTATED = 'rotated-token-fedcba9876543210';

  it('re-reads the file on every scrape: after a rotation the new token works and the old one is refused, with no restart', async () => {
    writeFileSync(file, `${TOKEN}\n`);
    // METRICS_AUTH_TOKEN too, as the chart's envFrom also loads it: the file wins.
    const h = createHarness({ METRICS_AUTH_TOKEN_FILE: file, METRICS_AUTH_TOKEN: 'the-env-token-0123456789abcdef' });
    expect((await h.metricsRequest('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await h.metricsRequest('/metrics', { headers: { authorization: 'Bearer the-env-token-0123456789abcdef' } })).status).toBe(401);
    writeFileSync(file, ROTATED);
    expect((await h.metricsRequest('/metrics', { headers: { authorization: `Bearer ${ROTATED}` } })).status).toBe(200);
    expect((await h.metricsRequest('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
  });

  it.each([
    ['a missing file', () => rmSync(file, { force: true })],
    ['a file without a valid token', () => writeFileSync(file, 'short')],
  ])('fails closed on %s: 503, never the metrics, and the log says why', async (_label, breakIt) => {
    writeFileSync(file, TOKEN);
    const h = createHarness({ METRICS_AUTH_TOKEN_FILE: file });
    breakIt();
    const res = await h.metricsRequest('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain('http_requests_total');
    expect(h.logs().find((l) => l.msg === 'metrics token unavailable')).toBeDefined();
  });
});

describe('METRICS_ENABLED=false', () => {
  it('removes /metrics (JSON 404) and still serves the API', async () => {
    const h = createHarness({ METRICS_ENABLED: 'false' });
    expect(h.metrics).toBeUndefined();
    const res = await h.metricsRequest('/metrics');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    expect((await h.request('/')).status).toBe(200);
  });
});
