/**
 * Access log and request metrics, measured once per request.
 *
 * Probe and metrics routes are skipped: they are polled constantly and would drown the signal.
 * The route label is the route template, never the raw path, so the series count stays bounded.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../logger.js';
import type { RequestMetrics } from '../metrics.js';
import type { AppEnv } from '../types.js';

export interface ObserveOptions {
  logger: Logger;
  metrics?: RequestMetrics;
  /** Paths neither logged nor counted. */
  excludedPaths: ReadonlySet<string>;
  /** Static route paths: for these the template is the path itself, with no router lookup. */
  staticRoutes: ReadonlySet<string>;
}

export const UNMATCHED_ROUTE = 'unmatched';

function routeTemplate(c: Context<AppEnv>, path: string, staticRoutes: ReadonlySet<string>): string {
  if (staticRoutes.has(path)) return path;
  // After next() the route index points at the last handler that ran; the catch-all middleware
  // pattern means no route matched (a 404 or 405).
  const template = routePath(c);
  return template === '' || template === '*' || template === '/*' ? UNMATCHED_ROUTE : template;
}

export const observe = ({ logger, metrics, excludedPaths, staticRoutes }: ObserveOptions): MiddlewareHandler<AppEnv> => {
  const logRequests = logger.isEnabled('info');
  return async (c, next) => {
    const path = c.req.path;
    if (excludedPaths.has(path)) return next();
    const start = performance.now();
    await next();
    const ms = performance.now() - start;
    const status = c.res.status;
    const method = c.req.method;
    const route = routeTemplate(c, path, staticRoutes);
    metrics?.observe(method, route, status, ms / 1000);
    if (logRequests) {
      // Hand-built JSON: every field but the path is known-safe (method from the HTTP parser,
      // request id matched against a strict pattern, route from our own table).
      logger.writeRaw(
        status >= 500 ? 'error' : 'info',
        `{"msg":"request","reqId":"${c.get('requestId')}","method":"${method}","path":${JSON.stringify(path)},"route":${JSON.stringify(route)},"status":${status},"durationMs":${ms.toFixed(3)}}`,
      );
    }
  };
};
