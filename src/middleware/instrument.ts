/**
 * The per-request concerns every route shares: request id, security headers, request timeout,
 * access log and metrics. They wrap `app.fetch` instead of being a Hono middleware.
 *
 * Why not `app.use()`: with any middleware matched, Hono composes the chain asynchronously and
 * node-server then takes its slow path (a promise per layer, a close listener per response).
 * Without one, a synchronous handler's Response goes straight to the socket. Measured on this
 * service: the middleware form cost about twice the CPU per request of raw node:http; this form
 * is what lets the service keep its throughput target (see README, Benchmarks).
 */
import type { Span } from '@opentelemetry/api';
import type { Hono } from 'hono';
import { problemWithId } from '../http/reply.js';
import type { Logger } from '../logger.js';
import type { RequestTracer } from '../tracing.js';
import type { RequestMetrics } from '../metrics.js';
import type { AppBindings, AppEnv } from '../types.js';
import { createRequestRecorder } from './access-log.js';
import { resolveRequestId } from './request-id.js';
import { ensureSecureHeaders } from './secure-headers.js';
import { RequestTimeoutError, createDeadlines } from './timeout.js';

export interface InstrumentOptions {
  logger: Logger;
  metrics: RequestMetrics | undefined;
  requestTimeoutMs: number;
  /** Paths neither logged nor counted (probes, /metrics): polled constantly, they would drown the signal. */
  unobservedPaths: ReadonlySet<string>;
  /** Present when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT). */
  tracer?: RequestTracer | undefined;
}

export const UNMATCHED_ROUTE = 'unmatched';

/** The path without the query string, from the raw request line when served by node-server. */
function pathOf(request: Request, bindings: Partial<AppBindings>): string {
  const url = bindings.incoming?.url ?? new URL(request.url).pathname;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function instrument(app: Hono<AppEnv>, options: InstrumentOptions): void {
  const { logger, requestTimeoutMs, unobservedPaths, tracer } = options;
  const record = createRequestRecorder(logger, options.metrics);
  const deadlines = createDeadlines(requestTimeoutMs);
  const dispatch = app.fetch;

  // Route templates, not raw paths, label metrics. Static routes are their own template; for any
  // other path the router says which route (if any) would serve it.
  const staticRoutes = new Set(app.routes.filter((r) => r.method !== 'ALL' && !/[:*]/.test(r.path)).map((r) => r.path));
  const routeTemplate = (method: string, path: string): string => {
    if (staticRoutes.has(path)) return path;
    const [matches] = app.router.match(method, path) as unknown as [[[unknown, { path: string; method: string }], unknown][]];
    const route = matches.map(([[, r]]) => r).findLast((r) => r.method !== 'ALL');
    return route?.path ?? UNMATCHED_ROUTE;
  };

  const complete = (res: Response, requestId: string, method: string, path: string, start: number, span: Span | undefined): Response => {
    ensureSecureHeaders(res, requestId);
    if (unobservedPaths.has(path)) return res;
    const route = routeTemplate(method, path);
    const status = res.status;
    if (span) tracer!.end(span, method, route, status);
    record({ requestId, method, path, route, status, ms: performance.now() - start, traceId: span?.spanContext().traceId });
    return res;
  };

  app.fetch = (request, env, executionCtx) => {
    const start = performance.now();
    // node-server passes a fresh { incoming, outgoing } per request; app.request() passes none.
    const bindings = (env ?? {}) as AppBindings;
    const requestId = resolveRequestId(request, bindings.incoming);
    bindings.requestId = requestId;
    const method = request.method;
    const path = pathOf(request, bindings);
    const span =
      tracer && !unobservedPaths.has(path)
        ? tracer.start(method, path, bindings.incoming?.headers ?? Object.fromEntries(request.headers))
        : undefined;

    const result = span ? tracer!.run(span, () => dispatch(request, bindings, executionCtx)) : dispatch(request, bindings, executionCtx);
    // Synchronous handlers cannot overrun; only pending work is timed. The synchronous path
    // allocates no closure.
    if (!(result instanceof Promise)) return complete(result, requestId, method, path, start, span);
    return deadlines.run(result).then(
      (res) => complete(res, requestId, method, path, start, span),
      (err: unknown) => {
        if (!(err instanceof RequestTimeoutError)) throw err;
        logger.warn('request timed out', { reqId: requestId, path, timeoutMs: err.timeoutMs });
        const timedOut = problemWithId(requestId, 503, 'request_timeout', 'The request took too long and was abandoned; retry it.', {
          headers: { 'retry-after': '1' },
        });
        return complete(timedOut, requestId, method, path, start, span);
      },
    );
  };
}
