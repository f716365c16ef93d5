import { describe, expect, it } from 'vitest';
import { NAME_MAX_LENGTH } from '../../../src/routes/greeting.js';
import { createHarness, jsonPost } from '../../helpers/app-harness.js';

describe('GET / and GET /api', () => {
  it('return the configured ROOT_MESSAGE and the version', async () => {
    const h = createHarness({ ROOT_MESSAGE: 'Root says hi', APP_VERSION: '2.3.4' });
    const res = await h.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ message: 'Root says hi', version: '2.3.4' });
  });

  it('return the configured API_MESSAGE and the version', async () => {
    const h = createHarness({ API_MESSAGE: 'API says hi', APP_VERSION: '2.3.4-rc.1' });
    const res = await h.request('/api');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'API says hi', version: '2.3.4-rc.1' });
  });

  it('use the default messages with an empty environment', async () => {
    const h = createHarness();
    expect(((await (await h.request('/')).json()) as { message: string }).message).toBe('Hello from hono-api');
    expect(((await (await h.request('/api')).json()) as { message: string }).message).toBe('Hello from the hono-api API');
  });

  it('answer HEAD with the GET status and headers but no body', async () => {
    const res = await createHarness().request('/api', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.text()).toBe('');
  });
});

describe('GET /hello', () => {
  const h = createHarness();

  it('greets the world by default', async () => {
    const res = await h.request('/hello');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Hello, world!' });
  });

  it('greets the name from the query, decoded', async () => {
    expect(await (await h.request('/hello?name=Ada')).json()).toEqual({ message: 'Hello, Ada!' });
    expect(await (await h.request('/hello?name=Jos%C3%A9%20Mar%C3%ADa')).json()).toEqual({ message: 'Hello, José María!' });
  });

  it(`accepts exactly ${NAME_MAX_LENGTH} characters`, async () => {
    const res = await h.request(`/hello?name=${'a'.repeat(NAME_MAX_LENGTH)}`);
    expect(res.status).toBe(200);
  });

  it(`rejects a name over ${NAME_MAX_LENGTH} characters with a 400 naming the field`, async () => {
    const res = await h.request(`/hello?name=${'a'.repeat(NAME_MAX_LENGTH + 1)}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'invalid_input', field: 'name' });
    expect(body.message).toContain(`1 to ${NAME_MAX_LENGTH} characters`);
  });

  it.each([
    ['markup', '%3Cscript%3E'],
    ['a leading space', '%20Ada'],
    ['an empty value', ''],
    ['a semicolon', 'Ada%3Bdrop'],
    ['a newline', 'Ada%0Aevil'],
  ])('rejects %s with a 400 naming the field', async (_label, value) => {
    const res = await h.request(`/hello?name=${value}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_input', field: 'name' });
  });

  it.each([['%FF'], ['%C3%28'], ['%E0%A4%A'], ['%ZZ']])('answers invalid percent-encoding %s with 400, not 500', async (value) => {
    const res = await h.request(`/hello?name=${value}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_input', field: 'name' });
  });
});

describe('POST /hello', () => {
  const h = createHarness();

  it('greets the name from a JSON object', async () => {
    const res = await h.request('/hello', jsonPost('{"name":"Ada"}'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Hello, Ada!' });
  });

  it('accepts a charset parameter on the content type', async () => {
    const res = await h.request('/hello', jsonPost('{"name":"Ada"}', 'application/json; charset=utf-8'));
    expect(res.status).toBe(200);
  });

  it('greets the world for an object without a name', async () => {
    expect(await (await h.request('/hello', jsonPost('{}'))).json()).toEqual({ message: 'Hello, world!' });
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await h.request('/hello', jsonPost('{"name":'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'malformed_json' });
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/jsonp']])(
    'answers content type %s with 415 and an Accept hint',
    async (type) => {
      const res = await h.request('/hello', jsonPost('{"name":"Ada"}', type));
      expect(res.status).toBe(415);
      expect(res.headers.get('accept')).toBe('application/json');
      expect(await res.json()).toMatchObject({ error: 'unsupported_media_type' });
    },
  );

  it('answers a missing content type with 415', async () => {
    const res = await h.request('/hello', { method: 'POST', body: '{"name":"Ada"}' });
    expect(res.status).toBe(415);
  });

  it.each([['[1,2]'], ['"Ada"'], ['42'], ['null'], ['true']])('answers non-object JSON %s with 400', async (body) => {
    const res = await h.request('/hello', jsonPost(body));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_input' });
  });

  it.each([
    ['a number', '{"name":42}'],
    ['a too long name', JSON.stringify({ name: 'b'.repeat(NAME_MAX_LENGTH + 1) })],
    ['markup', '{"name":"<b>"}'],
  ])('answers %s as name with 400 naming the field', async (_label, body) => {
    const res = await h.request('/hello', jsonPost(body));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_input', field: 'name' });
  });
});
