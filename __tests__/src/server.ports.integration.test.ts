/**
 * The real process serves the API on PORT and /metrics and /config on METRICS_PORT only: the load
 * balancer reaches PORT, so what is on it is public.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, killAllServers, spawnServer, startServer } from '../helpers/server-process.js';

afterEach(killAllServers);

const get = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
};

describe('two ports', () => {
  it('PORT answers the API and 404 for /metrics and /config; METRICS_PORT serves both and not the API', async () => {
    const server = await startServer();
    expect(server.metricsPort).not.toBe(server.port);
    expect((await get(server.port, '/')).status).toBe(200);
    for (const path of ['/metrics', '/config']) expect((await get(server.port, path)).status, `${path} on PORT`).toBe(404);
    const metrics = await get(server.metricsPort, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('http_requests_total{method="GET",route="/",status="200"} 1');
    expect((await get(server.metricsPort, '/config')).status).toBe(200);
    expect((await get(server.metricsPort, '/')).status).toBe(404);
  });

  it('METRICS_PORT in use: exits 1 naming the port and the variable to change', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const proc = spawnServer({ METRICS_PORT: String(port) });
      expect((await exitWithin(proc, 20_000)).code).toBe(1);
      expect(proc.stdout()).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(fix: free port ${port} or set METRICS_PORT\\)`));
    } finally {
      taken.close();
    }
  });
});
