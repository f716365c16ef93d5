/**
 * The app factory: routes and middleware, no process concerns (those live in server.ts), so the
 * whole service can be exercised in-process through `app.request()`.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type BuildInfo, resolveBuildInfo } from './build-info.js';
import type { ServiceConfig } from './config.js';
import { problem } from './http/reply.js';
import { Lifecycle } from './lifecycle.js';
import { type Logger, createLogger } from './logger.js';
import { type RequestMetrics, createMetrics } from './metrics.js';
import { BODY_METHODS, createBodyLimit } from './middleware/body-limit.js';
import { instrument } from './middleware/instrument.js';
import { registerGreetingRoutes } from './routes/greeting.js';
import { PROBE_PATHS, registerHealthRoutes } from './routes/health.js';
import { CONFIG_PATH, registerConfigRoute, registerVersionRoute } from './routes/info.js';
import { METRICS_PATH, metricsToken, registerMetricsRoute } from './routes/metrics.js';
import type { RequestTracer } from './tracing.js';
import type { AppEnv } from './types.js';

export interface AppDeps {
  logger: Logger;
  /** Undefined when METRICS_ENABLED is false: nothing is recorded and /metrics is 404. */
  metrics: RequestMetrics | undefined;
  lifecycle: Lifecycle;
  build: BuildInfo;
  /** Present when tracing is on; server.ts starts it (see tracing.ts). */
  tracer?: RequestTracer | undefined;
}

/**
 * Defaults for anything the caller does not inject: stdout logging, a fresh registry (with the
 * process metrics), a new lifecycle. Built only when missing: a metrics registry installs
 * process-wide observers, so one the caller replaces must never be created.
 */
/** The service's JSON logger at the configured level; server.ts creates it before anything else, to log a stop during start. */
export const createServiceLogger = (config: Pick<ServiceConfig, 'logLevel'>) => createLogger({ level: config.logLevel, base: { service: 'hono-api' } });

export function resolveDeps(config: ServiceConfig, overrides: Partial<AppDeps>): AppDeps {
  return {
    ...overrides,
    logger: overrides.logger ?? createServiceLogger(config),
    metrics: 'metrics' in overrides ? overrides.metrics : config.metricsEnabled ? createMetrics() : undefined,
    lifecycle: overrides.lifecycle ?? new Lifecycle(),
    build: overrides.build ?? resolveBuildInfo(config),
  };
}

export interface App {
  app: Hono<AppEnv>;
  deps: AppDeps;
}

export function createApp(config: ServiceConfig, overrides: Partial<AppDeps> = {}): App {
  const deps = resolveDeps(config, overrides);
  const { logger, metrics, lifecycle, build } = deps;
  const app = new Hono<AppEnv>();

  const allowedMethods = new Map<string, Set<string>>();

  app.on(BODY_METHODS, '*', createBodyLimit(config.bodyLimitBytes));

  registerHealthRoutes(app, lifecycle);
  registerGreetingRoutes(app, config, build);
  registerVersionRoute(app, build);

  for (const route of app.routes) {
    if (route.method === 'ALL' || route.path === '*') continue; // middleware
    let methods = allowedMethods.get(route.path);
    if (!methods) allowedMethods.set(route.path, (methods = new Set()));
    methods.add(route.method);
    if (route.method === 'GET') methods.add('HEAD'); // Hono answers HEAD with the GET handler
  }

  app.notFound((c) => {
    const methods = allowedMethods.get(c.req.path);
    if (!methods) return problem(c, 404, 'not_found', `No route for ${c.req.method} ${c.req.path}.`);
    const allow = [...methods].join(', ');
    if (c.req.method === 'OPTIONS') return c.body(null, 204, { allow });
    return problem(c, 405, 'method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`, {
      headers: { allow },
    });
  });

  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status < 500) {
      return problem(c, err.status, 'bad_request', err.message || 'The request could not be processed.');
    }
    // The stack goes to the log, never to the client.
    logger.error('unhandled error', { reqId: c.env.requestId, method: c.req.method, path: c.req.path, err });
    return problem(c, 500, 'internal_error', 'Something went wrong; quote the request id when reporting it.');
  });

  instrument(app, {
    logger,
    metrics,
    requestTimeoutMs: config.requestTimeoutMs,
    unobservedPaths: new Set(PROBE_PATHS),
    tracer: deps.tracer,
  });
  return { app, deps };
}

/**
 * The app of METRICS_PORT: /metrics (when METRICS_ENABLED) and /config, which the chart's
 * NetworkPolicy opens to Prometheus only and no Ingress routes, so neither is public. Neither path
 * is logged or counted (a scrape every 30 s is not traffic).
 */
export function createMetricsApp(config: ServiceConfig, deps: Pick<AppDeps, 'logger' | 'metrics'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  if (deps.metrics) registerMetricsRoute(app, deps.metrics, metricsToken(config), deps.logger);
  registerConfigRoute(app, config);
  app.notFound((c) => problem(c, 404, 'not_found', `No route for ${c.req.method} ${c.req.path} on the metrics port.`));
  instrument(app, { logger: deps.logger, metrics: undefined, requestTimeoutMs: config.requestTimeoutMs, unobservedPaths: new Set([METRICS_PATH, CONFIG_PATH]) });
  return app;
}
