/**
 * In-process harness: the real app from createApp() with a capturing logger, a fresh metrics
 * registry and an injectable lifecycle, driven through `app.request()`.
 */
import { type App, createApp, createMetricsApp } from '../../src/app.js';
import { type ServiceConfig, parseConfig } from '../../src/config.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { type Logger, createLogger } from '../../src/logger.js';
import { type RequestMetrics, createMetrics } from '../../src/metrics.js';
import type { RequestTracer } from '../../src/tracing.js';

export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** A log sink that keeps every chunk written to it, decoded as UTF-8. */
export function captureSink() {
  const chunks: string[] = [];
  return {
    chunks,
    write(chunk: string | Uint8Array) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
    text: () => chunks.join(''),
    lines: (): LogLine[] =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as LogLine),
  };
}

export interface Harness {
  app: App['app'];
  config: ServiceConfig;
  lifecycle: Lifecycle;
  /** Undefined when METRICS_ENABLED=false. */
  metrics: RequestMetrics | undefined;
  logger: Logger;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A request to the METRICS_PORT app (/metrics, /config). */
  metricsRequest(path: string, init?: RequestInit): Promise<Response>;
  /** Flushes the logger, then returns every line written so far, parsed. */
  logs(): LogLine[];
  /** Flushes the logger, then returns the raw log text. */
  logText(): string;
  /** Access log lines only (msg "request"). */
  accessLogs(): LogLine[];
}

export interface HarnessOptions {
  /** Lifecycle to inject; by default a fresh one already marked ready, as after listen(). */
  lifecycle?: Lifecycle;
  /** Request tracer, as server.ts starts it when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracer?: RequestTracer;
}

export function createHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Harness {
  const config = parseConfig(env);
  const sink = captureSink();
  const logger = createLogger({ level: config.logLevel, sink });
  const lifecycle = options.lifecycle ?? readyLifecycle();
  const metrics = config.metricsEnabled ? createMetrics() : undefined;
  const { app } = createApp(config, { logger, lifecycle, ...(metrics ? { metrics } : {}), tracer: options.tracer });
  const metricsApp = createMetricsApp(config, { logger, metrics });
  const logs = () => {
    logger.flush();
    return sink.lines();
  };
  return {
    app,
    config,
    lifecycle,
    metrics,
    logger,
    request: async (path, init) => app.request(path, init),
    metricsRequest: async (path, init) => metricsApp.request(path, init),
    logs,
    logText: () => {
      logger.flush();
      return sink.text();
    },
    accessLogs: () => logs().filter((l) => l.msg === 'request'),
  };
}

export function readyLifecycle(): Lifecycle {
  const lifecycle = new Lifecycle();
  lifecycle.markReady();
  return lifecycle;
}

export const jsonPost = (body: string, contentType = 'application/json'): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': contentType },
  body,
});

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
