import http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApp } from './src/app.ts';
import { parseConfig } from './src/config.ts';
import { createLogger } from './src/logger.ts';
const cfg = parseConfig({ LOG_LEVEL: 'silent' });
const { app } = createApp(cfg, { logger: createLogger({ level: 'silent' }) });
http.createServer(getRequestListener(app.fetch)).listen(Number(process.argv[2]), '127.0.0.1');
