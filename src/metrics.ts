/**
 * Prometheus metrics: prom-client's process and runtime defaults, plus the request counter and
 * latency histogram.
 *
 * The two request metrics are aggregated by this module rather than by prom-client's Counter and
 * Histogram: prom-client validates and hashes the label object on every observation, which costs
 * more than the rest of a request's handling. Here one string key per (method, route, status)
 * series finds a preallocated bucket array; prom-client still renders the exposition format, so
 * the output is the standard text (or OpenMetrics) a scraper expects.
 */
import type { Registry as PromRegistry } from 'prom-client';
import collectDefaultMetrics from 'prom-client/lib/defaultMetrics.js';
import Registry from 'prom-client/lib/registry.js';

/** Latency buckets in seconds; the low end is fine-grained because the service answers in well under 10 ms. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Methods outside this set are counted as OTHER so a client cannot grow the series count. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface Series {
  readonly labels: { method: string; route: string; status: string };
  readonly status: number;
  count: number;
  sum: number;
  /** Non-cumulative bucket counts; the last slot is +Inf. */
  readonly buckets: Float64Array;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

export interface RequestMetrics {
  readonly registry: PromRegistry;
  observe(method: string, route: string, status: number, seconds: number): void;
  /** Prometheus exposition text for every registered metric. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(options: { defaultMetrics?: boolean; prefix?: string } = {}): RequestMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: options.prefix ?? '' });

  // Series by route, then a short list per route (one entry per method and status seen): no key
  // string is built per request, and the route strings come from a fixed table, so their hashes
  // are cached.
  const byRoute = new Map<string, Series[]>();
  const allSeries = () => [...byRoute.values()].flat();
  const reset = () => byRoute.clear();

  const observe: RequestMetrics['observe'] = (rawMethod, route, status, seconds) => {
    const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : 'OTHER';
    let list = byRoute.get(route);
    if (list === undefined) byRoute.set(route, (list = []));
    let s: Series | undefined;
    for (const candidate of list) if (candidate.status === status && candidate.labels.method === method) s = candidate;
    if (s === undefined) {
      s = {
        labels: { method, route, status: String(status) },
        status,
        count: 0,
        sum: 0,
        buckets: new Float64Array(LATENCY_BUCKETS.length + 1),
      };
      list.push(s);
    }
    s.count += 1;
    s.sum += seconds;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i += 1;
    s.buckets[i]! += 1;
  };

  registry.registerMetric(
    customMetric('http_requests_total', 'HTTP requests handled, by method, route template and status.', 'counter', () =>
      allSeries().map((s) => ({ labels: s.labels, value: s.count })),
      reset,
    ),
  );

  registry.registerMetric(
    customMetric(
      'http_request_duration_seconds',
      'HTTP request latency in seconds, by method, route template and status.',
      'histogram',
      () => {
        const values: MetricValue[] = [];
        for (const s of allSeries()) {
          let cumulative = 0;
          LATENCY_BUCKETS.forEach((le, i) => {
            cumulative += s.buckets[i]!;
            values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: 'http_request_duration_seconds_bucket' });
          });
          values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: 'http_request_duration_seconds_bucket' });
          values.push({ labels: s.labels, value: s.sum, metricName: 'http_request_duration_seconds_sum' });
          values.push({ labels: s.labels, value: s.count, metricName: 'http_request_duration_seconds_count' });
        }
        return values;
      },
      reset,
    ),
  );

  return {
    registry,
    observe,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/** The shape prom-client's Registry renders: anything with a name and an async `get()`. */
function customMetric(
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  values: () => MetricValue[],
  reset: () => void,
) {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum' as const,
    get: async () => ({ name, help, type, aggregator: 'sum' as const, values: values() }),
    reset,
  };
  // Registry.registerMetric is typed for prom-client's own classes; its runtime contract is the shape above.
  return metric as unknown as Parameters<PromRegistry['registerMetric']>[0];
}
