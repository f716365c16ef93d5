/**
 * createShutdown against a real in-process node:http server, with `exit` captured instead of
 * ending the test process. The process-level behaviour is covered in server.*.integration tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { type ShutdownOptions, createShutdown, isTraffic } from '../../src/shutdown.js';
import { captureSink, readyLifecycle } from '../helpers/app-harness.js';
import { connect, isRefused } from '../helpers/raw-http.js';

const servers: http.Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function setup(handler: http.RequestListener, drainDelayMs: number, timeoutMs: number, quiet: Pick<ShutdownOptions, 'drainQuietMs' | 'drainMaxMs' | 'lastTrafficAt'> = {}) {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const sink = captureSink();
  const logger = createLogger({ level: 'info', sink });
  const lifecycle = readyLifecycle();
  const exits: { code: number; at: number }[] = [];
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const shutdown = createShutdown({
    server,
    lifecycle,
    logger,
    drainDelayMs,
    ...quiet,
    timeoutMs,
    exit: (code) => {
      exits.push({ code, at: performance.now() });
      resolveExit(code);
    },
  });
  return { server, port, sink, lifecycle, shutdown, exits, exited };
}

describe('createShutdown', () => {
  it('with a quiet period: keeps accepting past the drain delay while traffic still arrives, and stops once it has been quiet that long', async () => {
    let last = 0;
    const t = await setup((_req, res) => res.end('ok'), 100, 10_000, { drainQuietMs: 300, drainMaxMs: 5000, lastTrafficAt: () => last });
    const begun = performance.now();
    t.shutdown('SIGTERM');
    // A load balancer that lags: requests keep coming for 800 ms after the signal.
    const sender = setInterval(() => (last = performance.now()), 50);
    await new Promise((r) => setTimeout(r, 800));
    clearInterval(sender);
    const lastSent = performance.now();
    (await connect(t.port)).destroy(); // still accepting
    expect(await t.exited).toBe(0);
    expect(t.exits[0]!.at - lastSent).toBeGreaterThanOrEqual(290);
    expect(t.exits[0]!.at - begun).toBeLessThan(3000);
    expect(t.sink.lines()).toContainEqual(expect.objectContaining({ msg: 'stopped accepting', why: 'quiet' }));
  });

  it('with a quiet period: stops at the longest drain when traffic never stops', async () => {
    let last = 0;
    const t = await setup((_req, res) => res.end('ok'), 100, 10_000, { drainQuietMs: 300, drainMaxMs: 700, lastTrafficAt: () => last });
    const sender = setInterval(() => (last = performance.now()), 50);
    const begun = performance.now();
    t.shutdown('SIGTERM');
    expect(await t.exited).toBe(0);
    clearInterval(sender);
    expect(t.exits[0]!.at - begun).toBeGreaterThanOrEqual(690);
    expect(t.sink.lines()).toContainEqual(expect.objectContaining({ msg: 'stopped accepting', why: 'longest drain' }));
  });

  it('with a quiet period and no traffic after the signal: stops at the drain delay plus the quiet period at most', async () => {
    const t = await setup((_req, res) => res.end('ok'), 200, 10_000, { drainQuietMs: 300, drainMaxMs: 5000, lastTrafficAt: () => 0 });
    const begun = performance.now();
    t.shutdown('SIGTERM');
    expect(await t.exited).toBe(0);
    expect(t.exits[0]!.at - begun).toBeGreaterThanOrEqual(290);
    expect(t.exits[0]!.at - begun).toBeLessThan(1500);
  });

  it('probes and metric scrapes are not traffic; every other path is', () => {
    for (const url of ['/livez', '/readyz', '/startupz', '/readyz?verbose=1']) expect(isTraffic(url), url).toBe(false);
    for (const url of ['/', '/api', '/api/x?y=1', undefined]) expect(isTraffic(url), String(url)).toBe(true);
  });

  it('turns not-ready at once, keeps accepting through the drain delay, then stops and exits 0', async () => {
    const t = await setup((_req, res) => res.end('ok'), 300, 5000);
    const begun = performance.now();
    t.shutdown('SIGTERM');
    expect(t.lifecycle.phase).toBe('draining');
    // Still accepting connections during the drain delay.
    (await connect(t.port)).destroy();
    expect(t.exits).toEqual([]);
    expect(await t.exited).toBe(0);
    expect(t.exits[0]!.at - begun).toBeGreaterThanOrEqual(290);
    expect(await isRefused(t.port)).toBe(true);
    const lines = t.sink.lines();
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'draining', signal: 'SIGTERM', drainDelayMs: 300, timeoutMs: 5000 });
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'stopped', signal: 'SIGTERM' });
  });

  it('closes idle keep-alive connections instead of waiting for them', async () => {
    const t = await setup((_req, res) => res.end('ok'), 0, 5000);
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port: t.port, agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
    );
    const begun = performance.now();
    t.shutdown('SIGTERM');
    expect(await t.exited).toBe(0);
    expect(performance.now() - begun).toBeLessThan(2000);
    agent.destroy();
  });

  it('waits for an in-flight request to finish before exiting 0', async () => {
    let release: () => void = () => undefined;
    const t = await setup((_req, res) => {
      release = () => res.end('late');
    }, 0, 5000);
    const body = new Promise<string>((resolve, reject) =>
      http
        .get({ host: '127.0.0.1', port: t.port, agent: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject),
    );
    await new Promise((r) => setTimeout(r, 100));
    t.shutdown('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.exits).toEqual([]);
    release();
    expect(await body).toBe('late');
    expect(await t.exited).toBe(0);
  });

  it('exits 1 after the hard timeout when a request never finishes', async () => {
    const t = await setup(() => undefined, 0, 300);
    const socket = await connect(t.port);
    socket.on('error', () => undefined);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const begun = performance.now();
    t.shutdown('SIGTERM');
    expect(await t.exited).toBe(1);
    expect(t.exits[0]!.at - begun).toBeGreaterThanOrEqual(290);
    expect(t.sink.lines().at(-1)).toMatchObject({ level: 'error', msg: 'shutdown timed out; exiting with requests still open', timeoutMs: 300 });
    socket.destroy();
  });

  it('ignores a second signal with a warning', async () => {
    const t = await setup((_req, res) => res.end('ok'), 100, 5000);
    t.shutdown('SIGTERM');
    t.shutdown('SIGINT');
    expect(await t.exited).toBe(0);
    expect(t.exits).toHaveLength(1);
    expect(t.sink.lines()).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'shutdown already in progress', signal: 'SIGINT' }));
  });
});
