import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../../src/config.js';
import { createHarness } from '../../helpers/app-harness.js';

const TOKEN = 'tok_Secret-Value_0123456789';

describe('GET /version', () => {
  it('reports APP_VERSION, GIT_COMMIT and BUILD_TIME from the config, and the Node version', async () => {
    const h = createHarness({ APP_VERSION: '1.2.3', GIT_COMMIT: 'abcdef1234567', BUILD_TIME: '2026-01-31T12:00:00Z' });
    const res = await h.request('/version');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      version: '1.2.3',
      commit: 'abcdef1234567',
      buildTime: '2026-01-31T12:00:00Z',
      node: process.version,
    });
  });

  it('reports "unknown" commit and build time when neither the build nor the env sets them', async () => {
    const body = (await (await createHarness().request('/version')).json()) as Record<string, string>;
    expect(body.commit).toBe('unknown');
    expect(body.buildTime).toBe('unknown');
    expect(typeof body.version).toBe('string');
  });
});

describe('GET /config', () => {
  it('shows the effective configuration keyed by environment variable', async () => {
    const h = createHarness({ PORT: '9090', LOG_LEVEL: 'warn', BODY_LIMIT_BYTES: '1024', METRICS_ENABLED: '0' });
    const res = await h.metricsRequest('/config');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      PORT: 9090,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'warn',
      ROOT_MESSAGE: 'Hello from hono-api',
      API_MESSAGE: 'Hello from the hono-api API',
      REQUEST_TIMEOUT_MS: 10000,
      BODY_LIMIT_BYTES: 1024,
      DRAIN_DELAY_MS: 0,
      DRAIN_QUIET_MS: 0,
      SHUTDOWN_TIMEOUT_MS: 15000,
      KEEP_ALIVE_TIMEOUT_MS: 65000,
      METRICS_ENABLED: false,
      METRICS_PORT: 9464,
      OTEL_SERVICE_NAME: 'hono-api',
      OTEL_TRACES_SAMPLER_ARG: 1,
    });
  });

  it('keys every entry by a variable from the settings table', async () => {
    const body = (await (await createHarness({ GIT_COMMIT: 'abc1234' }).metricsRequest('/config')).json()) as object;
    const known = new Set(Object.values(SETTINGS).map((s) => s.env));
    for (const key of Object.keys(body)) expect(known).toContain(key);
    expect(body).toHaveProperty('GIT_COMMIT', 'abc1234');
  });

  it('shows METRICS_AUTH_TOKEN as <redacted> and never its value, anywhere in the response', async () => {
    const h = createHarness({ METRICS_AUTH_TOKEN: TOKEN });
    const res = await h.metricsRequest('/config');
    const text = await res.text();
    expect(JSON.parse(text)).toHaveProperty('METRICS_AUTH_TOKEN', '<redacted>');
    expect(text).not.toContain(TOKEN);
    for (const [, value] of res.headers) expect(value).not.toContain(TOKEN);
    expect(h.logText()).not.toContain(TOKEN);
  });

  it('omits METRICS_AUTH_TOKEN when it is unset', async () => {
    expect(await (await createHarness().metricsRequest('/config')).json()).not.toHaveProperty('METRICS_AUTH_TOKEN');
  });
});
