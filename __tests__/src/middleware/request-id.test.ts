import { describe, expect, it } from 'vitest';
import { isSaneRequestId } from '../../../src/middleware/request-id.js';
import { UUID_PATTERN, createHarness } from '../../helpers/app-harness.js';

describe('x-request-id', () => {
  const h = createHarness();

  it.each([['abc-123'], ['0af7651916cd43dd8448eb211c80319c'], ['trace.span:01_a'], ['x'.repeat(128)]])(
    'echoes a sane incoming id %s on the response, in the error body and in the access log',
    async (id) => {
      const res = await h.request('/missing', { headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(await res.json()).toMatchObject({ requestId: id });
      expect(h.accessLogs().at(-1)).toMatchObject({ reqId: id });
    },
  );

  it.each([
    ['too long', 'x'.repeat(129)],
    ['with spaces', 'abc def'],
    ['with markup', '<script>alert(1)</script>'],
    ['with quotes', 'a"b'],
    ['with a slash', 'a/b'],
    ['with non-ASCII', 'idé'],
  ])('replaces an id %s with a generated UUID', async (_label, id) => {
    const res = await h.request('/', { headers: { 'x-request-id': id } });
    const echoed = res.headers.get('x-request-id');
    expect(echoed).toMatch(UUID_PATTERN);
    expect(echoed).not.toBe(id);
    expect(h.logText()).not.toContain(id);
  });

  it('generates a different UUID for each request without one', async () => {
    const a = (await h.request('/')).headers.get('x-request-id');
    const b = (await h.request('/')).headers.get('x-request-id');
    expect(a).toMatch(UUID_PATTERN);
    expect(b).toMatch(UUID_PATTERN);
    expect(a).not.toBe(b);
  });

  it('isSaneRequestId rejects the empty string and undefined', () => {
    expect(isSaneRequestId('')).toBe(false);
    expect(isSaneRequestId(undefined)).toBe(false);
    expect(isSaneRequestId('ok-1')).toBe(true);
  });
});
