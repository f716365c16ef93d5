/**
 * Hostile and malformed input against the real process, over raw sockets so the bytes are exactly
 * what a scanner would send. Every case must get a 4xx, never a 5xx, and the service must stay ready.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../src/http/reply.js';
import { rawRequest } from '../helpers/raw-http.js';
import { type ServerProcess, killAllServers, startServer } from '../helpers/server-process.js';

let server: ServerProcess & { port: number };

beforeAll(async () => {
  server = await startServer({ BODY_LIMIT_BYTES: '1024' });
});

afterAll(killAllServers);

const get = (target: string, extra = '') => rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: localhost${extra}`);

function postHello(body: string, contentType = 'application/json') {
  return rawRequest(
    server.port,
    `POST /hello HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}`,
    body,
  );
}

const jsonBody = (body: string) => JSON.parse(body) as Record<string, unknown>;

describe('bad input against the real server', () => {
  it('answers an oversized body with 413', async () => {
    const res = await postHello(`{"name":"${'a'.repeat(4096)}"}`);
    expect(res.status).toBe(413);
    expect(jsonBody(res.body)).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers an oversized chunked body with 413', async () => {
    const chunk = `{"name":"${'a'.repeat(4096)}"}`;
    const res = await rawRequest(
      server.port,
      'POST /hello HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked',
      `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(res.status).toBe(413);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await postHello('{"name": "Ada"');
    expect(res.status).toBe(400);
    expect(jsonBody(res.body)).toMatchObject({ error: 'malformed_json' });
  });

  it('answers a wrong content type with 415', async () => {
    expect((await postHello('name=Ada', 'application/x-www-form-urlencoded')).status).toBe(415);
  });

  it('answers a header over 16 KiB with 431 from the HTTP parser', async () => {
    const res = await get('/', `\r\nX-Padding: ${'a'.repeat(17 * 1024)}`);
    expect(res.status).toBe(431);
  });

  it.each([['/hello?name=%3Cscript%3E'], ['/hello?name=%ZZ'], ['/hello?name=a%00b'], [`/hello?name=${'x'.repeat(65)}`]])(
    'answers the invalid query %s with 400',
    async (target) => {
      const res = await get(target);
      expect(res.status).toBe(400);
      expect(jsonBody(res.body)).toMatchObject({ error: 'invalid_input', field: 'name' });
    },
  );

  it('answers an unknown method (FOO) with 400 from the HTTP parser', async () => {
    const res = await rawRequest(server.port, 'FOO / HTTP/1.1\r\nHost: localhost');
    expect(res.status).toBe(400);
  });

  it('answers PROPFIND / with 405 and Allow', async () => {
    const res = await rawRequest(server.port, 'PROPFIND / HTTP/1.1\r\nHost: localhost');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    ['/../../etc/passwd'],
    ['/%2e%2e/%2e%2e/etc/passwd'],
    ['/..%2f..%2fetc%2fpasswd'],
    ['/..%2f..%2f'],
    ['/%2e%2e%5c%2e%2e%5cetc%5cpasswd'],
    ['/static/../../../../etc/passwd'],
    ['//etc/passwd'],
  ])('answers the traversal attempt %s with a JSON 404 and no file contents', async (target) => {
    const res = await get(target);
    expect(res.status).toBe(404);
    expect(jsonBody(res.body)).toMatchObject({ error: 'not_found' });
    expect(res.raw).not.toMatch(/root:.*:0:0:/);
  });

  it.each([['/%FF'], ['/%C3%28'], ['/hello?name=%C3%28'], ['/hello?name=%FF%FE'], ['/api%FF?x=%80']])(
    'answers invalid UTF-8 in %s with a 4xx',
    async (target) => {
      const res = await get(target);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    },
  );

  it('puts the security headers and the request id on 4xx answers from the real server', async () => {
    const answers = [
      await get('/../../etc/passwd', '\r\nX-Request-Id: scan-1'),
      await rawRequest(server.port, 'PROPFIND / HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: scan-2'),
      await postHello(`{"name":"${'a'.repeat(4096)}"}`),
    ];
    expect(answers.map((a) => a.status)).toEqual([404, 405, 413]);
    for (const res of answers) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers[name], name).toBe(value);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(answers.map((a) => a.headers['x-request-id'])).toEqual(['scan-1', 'scan-2', expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  });

  it('logged every bad request at info (no 5xx, no errors) and still reports ready', async () => {
    const res = await get('/readyz');
    expect(res.status).toBe(200);
    expect(jsonBody(res.body)).toEqual({ status: 'ready' });
    // Let the logger's 50 ms flush run before reading stdout.
    await new Promise((r) => setTimeout(r, 200));
    const logs = server.logs();
    const requests = logs.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThan(20);
    for (const line of requests) expect(line.status as number).toBeLessThan(500);
    expect(logs.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(server.stderr()).toBe('');
    expect(server.child.exitCode).toBeNull();
  });
});
