/**
 * Process entry point: configuration, the HTTP server, signals and exit codes. Everything else is
 * in createApp().
 *
 * Node handles SIGTERM itself here, so it behaves correctly as PID 1 in a container (no init
 * needed, though `docker run --init` does no harm).
 */
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApp, createMetricsApp, createServiceLogger } from './app.js';
import { resolveBuildInfo } from './build-info.js';
import { ConfigError, type ServiceConfig, parseConfig } from './config.js';
import { createShutdown, isTraffic } from './shutdown.js';
import { TRACE_FLUSH_MS, startTracing } from './tracing.js';

function loadConfig(): ServiceConfig {
  try {
    return parseConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) process.stderr.write(`invalid configuration: ${problem}\n`);
    process.exit(1);
  }
}

const config = loadConfig();
const logger = createServiceLogger(config);

// Signals before anything asynchronous: as PID 1 a process without a handler ignores SIGTERM, so
// a pod deleted while tracing still loads would sit out its whole grace period. Until the server
// listens nothing has been accepted, so there is nothing to drain: stop at once.
let onSignal: (signal: string) => void = (signal) => {
  logger.info('stopped before start', { signal });
  logger.flush();
  process.exit(0);
};
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

const tracer = await startTracing(config, resolveBuildInfo(config));
const { app, deps } = createApp(config, { tracer, logger });
const { lifecycle, build } = deps;
const listener = getRequestListener(app.fetch);
// /metrics and /config on a port of their own, which only Prometheus may reach (the chart's
// NetworkPolicy) and no Ingress routes. It keeps serving through the drain: scrapes are not traffic.
const metricsServer = createServer(getRequestListener(createMetricsApp(config, deps).fetch));
/** When the last request that was not a probe or a scrape arrived (the quiet-period drain reads it). */
let lastTrafficAt = 0;

const server = createServer(
  {
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Slow-client defences: headers within 20 s, the whole request (headers and body) within
    // 30 s or twice the handler timeout. Neither affects idle keep-alive sockets.
    headersTimeout: 20_000,
    requestTimeout: Math.max(30_000, 2 * config.requestTimeoutMs),
    // Larger headers get 431 from Node before they reach the app.
    maxHeaderSize: 16 * 1024,
  },
  (req, res) => {
    if (isTraffic(req.url)) lastTrafficAt = performance.now();
    // While draining, tell keep-alive clients to reconnect (to another pod) after this response.
    if (!lifecycle.ready) res.setHeader('connection', 'close');
    void listener(req, res);
  },
);

const shutdown = createShutdown({
  server,
  lifecycle,
  logger,
  drainDelayMs: config.drainDelayMs,
  drainQuietMs: config.drainQuietMs,
  ...(config.drainMaxMs !== undefined ? { drainMaxMs: config.drainMaxMs } : {}),
  lastTrafficAt: () => lastTrafficAt,
  timeoutMs: config.shutdownTimeoutMs,
  // Pending spans get up to TRACE_FLUSH_MS to reach the collector; the hard timeout still applies.
  exit: (code) => {
    const flushed = tracer ? Promise.race([tracer.shutdown(), new Promise((r) => setTimeout(r, TRACE_FLUSH_MS).unref())]) : Promise.resolve();
    void flushed.finally(() => process.exit(code));
  },
});
onSignal = shutdown;

const crash = (kind: string) => (err: unknown) => {
  logger.log('fatal', kind, { err });
  logger.flush();
  process.exit(1);
};
process.on('uncaughtException', crash('uncaught exception'));
process.on('unhandledRejection', crash('unhandled rejection'));

const listen = (s: typeof server, port: number, variable: string) =>
  new Promise<string>((resolve) => {
    s.on('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'EADDRINUSE' ? ` (fix: free port ${port} or set ${variable})` : '';
      logger.log('fatal', `cannot listen on ${config.host}:${port}${hint}`, { err });
      logger.flush();
      process.exit(1);
    });
    s.listen(port, config.host, () => {
      const address = s.address();
      resolve(typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address));
    });
  });

const [address, metricsAddress] = await Promise.all([listen(server, config.port, 'PORT'), listen(metricsServer, config.metricsPort, 'METRICS_PORT')]);
lifecycle.markReady();
logger.info('listening', { address, metricsAddress, version: build.version, commit: build.commit });
