/** What is running: build identity and the effective (redacted) configuration. */
import type { Hono } from 'hono';
import type { BuildInfo } from '../build-info.js';
import { type ServiceConfig, describeConfig } from '../config.js';
import { json } from '../http/reply.js';
import type { AppEnv } from '../types.js';

export function registerInfoRoutes(app: Hono<AppEnv>, config: ServiceConfig, build: BuildInfo): void {
  const version = { version: build.version, commit: build.commit, buildTime: build.buildTime, node: process.version };
  const effective = describeConfig(config);
  app.get('/version', (c) => json(c, 200, version));
  app.get('/config', (c) => json(c, 200, effective));
}
