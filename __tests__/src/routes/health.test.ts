import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../../src/lifecycle.js';
import { createHarness } from '../../helpers/app-harness.js';

type Phase = 'starting' | 'ready' | 'draining';

function harnessIn(phase: Phase) {
  const lifecycle = new Lifecycle();
  if (phase !== 'starting') lifecycle.markReady();
  if (phase === 'draining') lifecycle.markDraining();
  return createHarness({}, { lifecycle });
}

async function probe(phase: Phase, path: string) {
  const res = await harnessIn(phase).request(path);
  return { status: res.status, body: (await res.json()) as { status: string }, retryAfter: res.headers.get('retry-after') };
}

describe('liveness: /livez and /alive', () => {
  it.each([
    ['/livez', 'starting'],
    ['/livez', 'ready'],
    ['/livez', 'draining'],
    ['/alive', 'starting'],
    ['/alive', 'ready'],
    ['/alive', 'draining'],
  ] as const)('%s is 200 while %s', async (path, phase) => {
    expect(await probe(phase, path)).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
});

describe('readiness: /readyz and /ready', () => {
  it.each([['/readyz'], ['/ready']])('%s is 503 with Retry-After while starting', async (path) => {
    expect(await probe('starting', path)).toEqual({ status: 503, body: { status: 'starting' }, retryAfter: '1' });
  });

  it.each([['/readyz'], ['/ready']])('%s is 200 once ready', async (path) => {
    expect(await probe('ready', path)).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it.each([['/readyz'], ['/ready']])('%s is 503 with Retry-After while draining', async (path) => {
    expect(await probe('draining', path)).toEqual({ status: 503, body: { status: 'draining' }, retryAfter: '1' });
  });

  it('follows the lifecycle of one app: starting → ready → draining', async () => {
    const lifecycle = new Lifecycle();
    const h = createHarness({}, { lifecycle });
    expect((await h.request('/readyz')).status).toBe(503);
    lifecycle.markReady();
    expect((await h.request('/readyz')).status).toBe(200);
    lifecycle.markDraining();
    expect((await h.request('/readyz')).status).toBe(503);
    expect((await h.request('/livez')).status).toBe(200);
  });
});

describe('startup: /startupz', () => {
  it('is 503 before ready', async () => {
    expect(await probe('starting', '/startupz')).toMatchObject({ status: 503, body: { status: 'starting' } });
  });

  it('is 200 once ready, and stays 200 while draining', async () => {
    expect(await probe('ready', '/startupz')).toMatchObject({ status: 200, body: { status: 'started' } });
    expect(await probe('draining', '/startupz')).toMatchObject({ status: 200, body: { status: 'started' } });
  });
});

describe('probe traffic is not observed', () => {
  it('neither logs nor counts probe requests', async () => {
    const h = createHarness();
    for (const path of ['/livez', '/alive', '/readyz', '/ready', '/startupz']) await h.request(path);
    expect(h.accessLogs()).toEqual([]);
    expect(await h.metrics!.render()).not.toMatch(/^http_requests_total\{/m);
  });
});
