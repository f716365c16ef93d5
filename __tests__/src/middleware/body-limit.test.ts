import { describe, expect, it } from 'vitest';
import { createHarness } from '../../helpers/app-harness.js';

const LIMIT = 64;

/** A JSON body of exactly `size` bytes: {"name":"aaa…"}. */
const bodyOfSize = (size: number) => `{"name":"${'a'.repeat(size - 11)}"}`;

/** A request body streamed in chunks, with no Content-Length (as with Transfer-Encoding: chunked). */
function streamed(text: string, chunkSize = 16): RequestInit {
  const bytes = new TextEncoder().encode(text);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunkSize) controller.enqueue(bytes.subarray(i, i + chunkSize));
      controller.close();
    },
  });
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit;
}

describe('body limit (BODY_LIMIT_BYTES)', () => {
  const h = createHarness({ BODY_LIMIT_BYTES: String(LIMIT)});

  it('sanity: the fixture builds bodies of the exact size', () => {
    expect(Buffer.byteLength(bodyOfSize(LIMIT))).toBe(LIMIT);
  });

  it('passes a body of exactly the limit through to the route', async () => {
    const res = await h.request('/hello', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(LIMIT) },
      body: bodyOfSize(LIMIT),
    });
    // The name is 53 characters, under the 64-character rule: the route answered, not the limit.
    expect(res.status).toBe(200);
  });

  it('answers a body announced over the limit by Content-Length with a JSON 413', async () => {
    const res = await h.request('/hello', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(LIMIT + 1) },
      body: bodyOfSize(LIMIT + 1),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'payload_too_large' });
    expect(body.message).toContain(`${LIMIT} bytes`);
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers a streamed body that grows over the limit with 413', async () => {
    const res = await h.request('/hello', streamed(bodyOfSize(LIMIT * 4)));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('passes a streamed body under the limit through', async () => {
    const res = await h.request('/hello', streamed('{"name":"Ada"}', 4));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Hello, Ada!' });
  });

  it('records the 413 in the access log and metrics under the route, not as a 200 or 500', async () => {
    const fresh = createHarness({ BODY_LIMIT_BYTES: String(LIMIT) });
    await fresh.request('/hello', streamed(bodyOfSize(LIMIT * 2)));
    const [line, ...rest] = fresh.accessLogs();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ method: 'POST', path: '/hello', route: '/hello', status: 413, level: 'info' });
    expect(fresh.logs().filter((l) => l.level === 'error')).toEqual([]);
    expect(await fresh.metrics!.render()).toContain('http_requests_total{method="POST",route="/hello",status="413"} 1');
  });
});
