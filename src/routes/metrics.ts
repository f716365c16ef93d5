/**
 * Prometheus scrape endpoint, served on METRICS_PORT only (server.ts), which the chart's
 * NetworkPolicy opens to Prometheus alone. With a token (METRICS_AUTH_TOKEN, or the file
 * METRICS_AUTH_TOKEN_FILE names, re-read on every scrape so a rotated Secret takes effect without a
 * restart) it requires that bearer token, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Hono } from 'hono';
import { METRICS_TOKEN, type ServiceConfig } from '../config.js';
import { problem, text } from '../http/reply.js';
import type { Logger } from '../logger.js';
import type { RequestMetrics } from '../metrics.js';
import type { AppEnv } from '../types.js';

export const METRICS_PATH = '/metrics';

/** The token a scrape must present now; undefined: none. Rejects when the token file cannot be used. */
export type MetricsToken = () => Promise<string | undefined>;

export function metricsToken(config: Pick<ServiceConfig, 'metricsAuthToken' | 'metricsAuthTokenFile'>): MetricsToken {
  const file = config.metricsAuthTokenFile;
  if (file === undefined) return () => Promise.resolve(config.metricsAuthToken);
  return async () => {
    const token = (await readFile(file, 'utf8')).trim();
    if (!METRICS_TOKEN.test(token)) throw new Error(`${file} (METRICS_AUTH_TOKEN_FILE) does not hold a token of 16 to 256 visible ASCII characters`);
    return token;
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function registerMetricsRoute(app: Hono<AppEnv>, metrics: RequestMetrics, token: MetricsToken, logger: Logger): void {
  app.get(METRICS_PATH, async (c) => {
    let expected: string | undefined;
    try {
      expected = await token();
    } catch (err) {
      // Fail closed: an unreadable token never opens the endpoint.
      logger.error('metrics token unavailable', { err });
      return problem(c, 503, 'metrics_token_unavailable', 'The metrics token cannot be read; see the service log.');
    }
    // Hashing both sides gives equal lengths, which timingSafeEqual needs, without leaking the length.
    if (expected !== undefined && !timingSafeEqual(digest(c.req.header('authorization') ?? ''), digest(`Bearer ${expected}`)))
      return problem(c, 401, 'unauthorized', 'This endpoint needs the metrics bearer token (METRICS_AUTH_TOKEN or METRICS_AUTH_TOKEN_FILE).', {
        headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      });
    return text(c, 200, await metrics.render(), metrics.contentType);
  });
}
