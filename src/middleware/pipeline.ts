/**
 * Every per-request concern in one Hono middleware: request id, body limit, timeout, security
 * headers, access log and metrics.
 *
 * One layer rather than five because each Hono middleware layer is an async dispatch of its own:
 * measured on this service, every extra layer cost about 4% of throughput. The concerns still live
 * in their own modules; this file only sequences them.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { problem } from '../http/reply.js';
import type { Logger } from '../logger.js';
import type { RequestMetrics } from '../metrics.js';
import type { AppEnv } from '../types.js';
import { createRequestRecorder } from './access-log.js';
import { BODYLESS_METHODS, createBodyLimit } from './body-limit.js';
import { resolveRequestId } from './request-id.js';
import { ensureSecureHeaders } from './secure-headers.js';
import { RequestTimeoutError, createDeadlines } from './timeout.js';

export interface PipelineOptions {
  logger: Logger;
  metrics: RequestMetrics | undefined;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  /** Paths neither logged nor counted (probes, /metrics): polled constantly, they would drown the signal. */
  unobservedPaths: ReadonlySet<string>;
  /** Static route paths: for these the route template is the path itself, no router lookup needed. */
  staticRoutes: ReadonlySet<string>;
}

export const UNMATCHED_ROUTE = 'unmatched';

function routeTemplate(c: Context<AppEnv>, path: string, staticRoutes: ReadonlySet<string>): string {
  if (staticRoutes.has(path)) return path;
  // After next() the route index points at the last handler that ran; the catch-all middleware
  // pattern means no route matched (a 404).
  const template = routePath(c);
  return template === '' || template === '*' || template === '/*' ? UNMATCHED_ROUTE : template;
}

export function requestPipeline(options: PipelineOptions): MiddlewareHandler<AppEnv> {
  const { logger, requestTimeoutMs, unobservedPaths, staticRoutes } = options;
  const limitBody = createBodyLimit(options.bodyLimitBytes);
  const record = createRequestRecorder(logger, options.metrics);
  const deadlines = createDeadlines(requestTimeoutMs);

  const onTimeout = (c: Context<AppEnv>, err: unknown): void => {
    if (!(err instanceof RequestTimeoutError)) throw err;
    logger.warn('request timed out', { reqId: c.get('requestId'), path: c.req.path, timeoutMs: err.timeoutMs });
    c.res = problem(c, 503, 'request_timeout', 'The request took too long and was abandoned; retry it.', {
      headers: { 'retry-after': '1' },
    });
  };

  return (c, next) => {
    const requestId = resolveRequestId(c);
    c.set('requestId', requestId);
    const method = c.req.method;
    const path = c.req.path;
    const start = performance.now();
    // The body limit answers an oversized body by returning its 413 rather than setting c.res;
    // called directly (not through Hono's compose) that return value must be adopted here.
    const downstream = BODYLESS_METHODS.has(method)
      ? next()
      : limitBody(c, next).then((res) => {
          if (res instanceof Response) c.res = res;
        });
    const finish = (): void => {
      ensureSecureHeaders(c.res, requestId);
      if (unobservedPaths.has(path)) return;
      const status = c.res.status;
      record({ requestId, method, path, route: routeTemplate(c, path, staticRoutes), status, ms: performance.now() - start });
    };
    return deadlines.run(downstream).then(finish, (err: unknown) => {
      onTimeout(c, err);
      finish();
    });
  };
}
