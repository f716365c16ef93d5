import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/app-harness.js';

describe('unknown routes', () => {
  it('answer a JSON 404 naming the method and path', async () => {
    const res = await createHarness().request('/no/such/thing');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      error: 'not_found',
      message: 'No route for GET /no/such/thing.',
      requestId: res.headers.get('x-request-id'),
    });
  });

  it('answer OPTIONS on an unknown path with 404, not 204', async () => {
    expect((await createHarness().request('/nope', { method: 'OPTIONS' })).status).toBe(404);
  });
});

describe('wrong method on a known path', () => {
  it.each([
    ['DELETE', '/api', 'GET, HEAD'],
    ['POST', '/', 'GET, HEAD'],
    ['PUT', '/hello', 'GET, HEAD, POST'],
    ['PATCH', '/version', 'GET, HEAD'],
    ['POST', '/readyz', 'GET, HEAD'],
  ])('%s %s is a JSON 405 with Allow: %s', async (method, path, allow) => {
    const res = await createHarness().request(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'method_not_allowed', requestId: res.headers.get('x-request-id') });
    expect(body.message).toBe(`${method} is not allowed on ${path}; use ${allow}.`);
  });
});

describe('OPTIONS on a known path', () => {
  it.each([
    ['/api', 'GET, HEAD'],
    ['/hello', 'GET, HEAD, POST'],
  ])('%s is 204 with Allow: %s and no body', async (path, allow) => {
    const res = await createHarness().request(path, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe(allow);
    expect(await res.text()).toBe('');
  });
});

describe('a route that throws', () => {
  function withThrowingRoute() {
    const h = createHarness();
    h.app.get('/explode', () => {
      throw new Error('kaboom: secret internals');
    });
    return h;
  }

  it('answers a JSON 500 with the request id and no stack trace', async () => {
    const h = withThrowingRoute();
    const res = await h.request('/explode', { headers: { 'x-request-id': 'trace-500' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: 'internal_error',
      message: 'Something went wrong; quote the request id when reporting it.',
      requestId: 'trace-500',
    });
    expect(text).not.toContain('kaboom');
    expect(text).not.toMatch(/\bat .*:\d+:\d+/);
  });

  it('logs the error with its stack and the request id at level error', async () => {
    const h = withThrowingRoute();
    await h.request('/explode', { headers: { 'x-request-id': 'trace-500' } });
    const errors = h.logs().filter((l) => l.msg === 'unhandled error');
    expect(errors).toHaveLength(1);
    const line = errors[0]!;
    expect(line).toMatchObject({ level: 'error', reqId: 'trace-500', method: 'GET', path: '/explode' });
    const err = line.err as { type: string; message: string; stack: string };
    expect(err.type).toBe('Error');
    expect(err.message).toBe('kaboom: secret internals');
    expect(err.stack).toContain('kaboom: secret internals');
    expect(err.stack).toMatch(/\n\s+at /);
  });

  it('keeps the status of a thrown 4xx HTTPException', async () => {
    const h = createHarness();
    h.app.get('/forbidden', () => {
      throw new HTTPException(403, { message: 'no entry' });
    });
    const res = await h.request('/forbidden');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'bad_request', message: 'no entry' });
    expect(h.logs().filter((l) => l.msg === 'unhandled error')).toEqual([]);
  });
});

describe('CORS', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/nope'],
    ['OPTIONS', '/api'],
  ])('sends no CORS headers on %s %s, even with an Origin', async (method, path) => {
    const res = await createHarness().request(path, {
      method,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    for (const [name] of res.headers) expect(name).not.toMatch(/^access-control-/);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
