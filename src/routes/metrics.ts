/**
 * Prometheus scrape endpoint. With METRICS_AUTH_TOKEN set it requires that bearer token, compared
 * in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { problem, text } from '../http/reply.js';
import type { RequestMetrics } from '../metrics.js';
import type { AppEnv } from '../types.js';

export const METRICS_PATH = '/metrics';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function registerMetricsRoute(app: Hono<AppEnv>, metrics: RequestMetrics, authToken?: string): void {
  const expected = authToken === undefined ? undefined : digest(`Bearer ${authToken}`);
  app.get(METRICS_PATH, async (c) => {
    // Hashing both sides gives equal lengths, which timingSafeEqual needs, without leaking the length.
    if (expected && !timingSafeEqual(digest(c.req.header('authorization') ?? ''), expected))
      return problem(c, 401, 'unauthorized', 'This endpoint needs the bearer token from METRICS_AUTH_TOKEN.', {
        headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      });
    return text(c, 200, await metrics.render(), metrics.contentType);
  });
}
