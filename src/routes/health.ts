/**
 * Kubernetes probes. Liveness never depends on anything downstream: restarting a pod because a
 * dependency is down only makes an outage worse. Readiness is 503 while starting and draining.
 */
import type { Hono } from 'hono';
import { json } from '../http/reply.js';
import type { Lifecycle } from '../lifecycle.js';
import type { AppEnv } from '../types.js';

export const LIVENESS_PATHS = ['/livez', '/alive'] as const;
export const READINESS_PATHS = ['/readyz', '/ready'] as const;
export const STARTUP_PATH = '/startupz';
export const PROBE_PATHS: readonly string[] = [...LIVENESS_PATHS, ...READINESS_PATHS, STARTUP_PATH];

export function registerHealthRoutes(app: Hono<AppEnv>, lifecycle: Lifecycle): void {
  for (const path of LIVENESS_PATHS) app.get(path, (c) => json(c, 200, { status: 'ok' }));
  for (const path of READINESS_PATHS)
    app.get(path, (c) =>
      lifecycle.ready ? json(c, 200, { status: 'ready' }) : json(c, 503, { status: lifecycle.phase }, { 'retry-after': '1' }),
    );
  app.get(STARTUP_PATH, (c) =>
    lifecycle.started ? json(c, 200, { status: 'started' }) : json(c, 503, { status: lifecycle.phase }),
  );
}
