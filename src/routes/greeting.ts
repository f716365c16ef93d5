/**
 * The demo API: configurable greetings on / and /api, and a validated hello.
 */
import type { Hono } from 'hono';
import type { BuildInfo } from '../build-info.js';
import type { ServiceConfig } from '../config.js';
import { json, preserialisedJson, problem } from '../http/reply.js';
import type { AppEnv } from '../types.js';

export const NAME_MAX_LENGTH = 64;
/** Letters and digits in any script, with space, dot, apostrophe, hyphen and underscore between them. */
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} .'_-]*$/u;

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

export function checkName(value: unknown): NameCheck {
  if (value === undefined) return { ok: true, name: 'world' };
  if (typeof value !== 'string') return { ok: false, reason: 'name must be a string' };
  if (value.length === 0 || value.length > NAME_MAX_LENGTH)
    return { ok: false, reason: `name must be 1 to ${NAME_MAX_LENGTH} characters long` };
  if (!NAME_PATTERN.test(value))
    return { ok: false, reason: "name may contain letters, digits, spaces and . ' _ - only, starting with a letter or digit" };
  return { ok: true, name: value };
}

export function registerGreetingRoutes(
  app: Hono<AppEnv>,
  config: Pick<ServiceConfig, 'rootMessage' | 'apiMessage'>,
  build: BuildInfo,
): void {
  // Built once: the bodies never change while the process runs.
  const root = JSON.stringify({ message: config.rootMessage, version: build.version });
  const api = JSON.stringify({ message: config.apiMessage, version: build.version });

  app.get('/', (c) => preserialisedJson(c, 200, root));
  app.get('/api', (c) => preserialisedJson(c, 200, api));

  const hello = (c: Parameters<typeof problem>[0], value: unknown) => {
    const check = checkName(value);
    if (!check.ok) return problem(c, 400, 'invalid_input', check.reason, { details: { field: 'name' } });
    return json(c, 200, { message: `Hello, ${check.name}!` });
  };

  app.get('/hello', (c) => hello(c, c.req.query('name')));

  app.post('/hello', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type))
      return problem(c, 415, 'unsupported_media_type', 'Send the body as application/json: {"name": "..."}', {
        headers: { accept: 'application/json' },
      });
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return problem(c, 400, 'malformed_json', 'The request body is not valid JSON.');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return problem(c, 400, 'invalid_input', 'The body must be a JSON object such as {"name": "Ada"}.');
    return hello(c, (body as Record<string, unknown>).name);
  });
}
