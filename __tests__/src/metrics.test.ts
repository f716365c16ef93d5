import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS, createMetrics } from '../../src/metrics.js';
import { find, parseSamples, valueOf } from '../helpers/prometheus.js';

const samplesOf = async (m: ReturnType<typeof createMetrics>) => parseSamples(await m.render());

describe('createMetrics', () => {
  it('renders no request series before any observation, only the HELP and TYPE lines', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const text = await m.render();
    expect(text).toContain('# HELP http_requests_total');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(parseSamples(text)).toEqual([]);
  });

  it('includes the process and Node.js defaults unless disabled', async () => {
    const withDefaults = await samplesOf(createMetrics());
    expect(find(withDefaults, 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(find(withDefaults, 'nodejs_heap_size_total_bytes')).toHaveLength(1);
    expect(find(withDefaults, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
    const without = await samplesOf(createMetrics({ defaultMetrics: false }));
    expect(find(without, 'process_cpu_user_seconds_total')).toEqual([]);
  });

  it('applies a prefix to the defaults only', async () => {
    const s = await samplesOf(createMetrics({ prefix: 'svc_' }));
    expect(find(s, 'svc_process_cpu_user_seconds_total')).toHaveLength(1);
    expect(find(s, 'process_cpu_user_seconds_total')).toEqual([]);
  });

  it('keeps registries independent', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.observe('GET', '/', 200, 0.001);
    expect(find(await samplesOf(b), 'http_requests_total')).toEqual([]);
    expect(a.registry).not.toBe(b.registry);
  });

  it('counts per (method, route, status) series', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.observe('GET', '/', 200, 0.001);
    m.observe('GET', '/', 200, 0.002);
    m.observe('GET', '/', 404, 0.001);
    m.observe('POST', '/hello', 200, 0.003);
    const s = await samplesOf(m);
    expect(valueOf(s, 'http_requests_total', { method: 'GET', route: '/', status: '200' })).toBe(2);
    expect(valueOf(s, 'http_requests_total', { method: 'GET', route: '/', status: '404' })).toBe(1);
    expect(valueOf(s, 'http_requests_total', { method: 'POST', route: '/hello', status: '200' })).toBe(1);
    expect(find(s, 'http_requests_total')).toHaveLength(3);
  });

  it.each([['PROPFIND'], ['FOO'], ['get'], ['TRACE'], ['CONNECT']])('counts method %s as OTHER', async (method) => {
    const m = createMetrics({ defaultMetrics: false });
    m.observe(method, '/', 405, 0.001);
    const s = await samplesOf(m);
    expect(valueOf(s, 'http_requests_total', { method: 'OTHER', route: '/', status: '405' })).toBe(1);
    expect(find(s, 'http_requests_total', { method })).toEqual([]);
  });

  it.each([['GET'], ['HEAD'], ['POST'], ['PUT'], ['PATCH'], ['DELETE'], ['OPTIONS']])('keeps known method %s', async (method) => {
    const m = createMetrics({ defaultMetrics: false });
    m.observe(method, '/', 200, 0.001);
    expect(valueOf(await samplesOf(m), 'http_requests_total', { method })).toBe(1);
  });
});

describe('latency histogram', () => {
  const series = { method: 'GET', route: '/api', status: '200' };

  async function histogram(observations: number[]) {
    const m = createMetrics({ defaultMetrics: false });
    for (const seconds of observations) m.observe('GET', '/api', 200, seconds);
    const s = await samplesOf(m);
    const buckets = new Map(find(s, 'http_request_duration_seconds_bucket', series).map((b) => [b.labels.le!, b.value]));
    return {
      buckets,
      count: valueOf(s, 'http_request_duration_seconds_count', series),
      sum: valueOf(s, 'http_request_duration_seconds_sum', series),
    };
  }

  it('has one bucket per boundary plus +Inf, in ascending order', async () => {
    const { buckets } = await histogram([0.01]);
    expect([...buckets.keys()]).toEqual([...LATENCY_BUCKETS.map(String), '+Inf']);
  });

  it('is cumulative, counts a value equal to a boundary in that bucket, and +Inf equals the count', async () => {
    // 0.0005 → le 0.001; 0.001 (on the boundary) → le 0.001; 0.003 → le 0.005; 0.3 → le 0.5; 60 → only +Inf.
    const { buckets, count, sum } = await histogram([0.0005, 0.001, 0.003, 0.3, 60]);
    expect(buckets.get('0.001')).toBe(2);
    expect(buckets.get('0.0025')).toBe(2);
    expect(buckets.get('0.005')).toBe(3);
    expect(buckets.get('0.25')).toBe(3);
    expect(buckets.get('0.5')).toBe(4);
    expect(buckets.get('10')).toBe(4);
    expect(buckets.get('+Inf')).toBe(5);
    expect(count).toBe(5);
    expect(sum).toBeCloseTo(0.0005 + 0.001 + 0.003 + 0.3 + 60, 9);
    const values = [...buckets.values()];
    for (let i = 1; i < values.length; i += 1) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
  });

  it('keeps +Inf equal to the count for many random observations', async () => {
    const observations = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 1000) / 50);
    const { buckets, count } = await histogram(observations);
    expect(buckets.get('+Inf')).toBe(500);
    expect(count).toBe(500);
    for (const le of LATENCY_BUCKETS) expect(buckets.get(String(le))).toBe(observations.filter((o) => o <= le).length);
  });

  it('clears the request series on registry reset', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.observe('GET', '/', 200, 0.001);
    m.registry.resetMetrics();
    expect(parseSamples(await m.render())).toEqual([]);
  });
});
