/** What is running: build identity (public) and the effective, redacted configuration (METRICS_PORT only). */
import type { Hono } from 'hono';
import type { BuildInfo } from '../build-info.js';
import { type ServiceConfig, describeConfig } from '../config.js';
import { json } from '../http/reply.js';
import type { AppEnv } from '../types.js';

export const CONFIG_PATH = '/config';

export function registerVersionRoute(app: Hono<AppEnv>, build: BuildInfo): void {
  const version = { version: build.version, commit: build.commit, buildTime: build.buildTime, node: process.version };
  app.get('/version', (c) => json(c, 200, version));
}

export function registerConfigRoute(app: Hono<AppEnv>, config: ServiceConfig): void {
  const effective = describeConfig(config);
  app.get(CONFIG_PATH, (c) => json(c, 200, effective));
}
