import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { startTracing } from '../../src/tracing.js';
import { createHarness } from '../helpers/app-harness.js';

/** A stand-in OTLP/HTTP collector on loopback that keeps every JSON export it receives. */
function fakeCollector() {
  const exports: { path: string; body: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      exports.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { server, exports };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}

const spansOf = (exports: { body: unknown }[]): OtlpSpan[] =>
  exports.flatMap((e) =>
    ((e.body as { resourceSpans?: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans ?? []).flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans),
    ),
  );

const attr = (span: OtlpSpan, key: string) => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];

describe('tracing', () => {
  const collector = fakeCollector();
  let endpoint = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => collector.server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => collector.server.close(() => resolve())));

  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT: no tracer, no trace id in the access log', async () => {
    const tracer = await startTracing(parseConfig({}), { version: '1.0.0', commit: 'x', buildTime: 'y' });
    expect(tracer).toBeUndefined();
    const h = createHarness();
    await h.request('/');
    expect(h.accessLogs()[0]).not.toHaveProperty('traceId');
  });

  it('exports one server span per request, continues an incoming traceparent and logs the trace id', async () => {
    const config = parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'hono-api-test' });
    const tracer = await startTracing(config, { version: '1.2.3', commit: 'abc', buildTime: 'now' });
    expect(tracer).toBeDefined();
    const h = createHarness({}, { tracer: tracer! });

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await h.request('/api', { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await h.request('/no-such-route');
    await h.request('/readyz'); // probes are not traced, like they are not logged
    await tracer!.shutdown();

    const spans = spansOf(collector.exports);
    expect(collector.exports.every((e) => e.path === '/v1/traces')).toBe(true);
    expect(spans.map((s) => s.name).sort()).toEqual(['GET /api', 'GET unmatched']);

    const api = spans.find((s) => s.name === 'GET /api')!;
    expect(api.traceId).toBe(traceId);
    expect(api.parentSpanId).toBe('00f067aa0ba902b7');
    expect(api.kind).toBe(2); // SERVER
    expect(attr(api, 'http.route')).toBe('/api');
    expect(Number(attr(api, 'http.response.status_code'))).toBe(200);

    const logs = h.accessLogs();
    expect(logs.find((l) => l.path === '/api')?.traceId).toBe(traceId);
    const unmatched = spans.find((s) => s.name === 'GET unmatched')!;
    expect(logs.find((l) => l.path === '/no-such-route')?.traceId).toBe(unmatched.traceId);
    expect(unmatched.traceId).not.toBe(traceId);
  });

  it('a span a handler starts is a child of the request\'s span, and a downstream fetch carries the trace on (the context manager)', async () => {
    // A downstream service on loopback that records the traceparent it receives.
    const received: (string | undefined)[] = [];
    const downstream = createServer((req, res) => (received.push(req.headers.traceparent as string | undefined), res.end('ok')));
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/`;
    try {
      const tracer = await startTracing(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }), { version: '1.0.0', commit: 'x', buildTime: 'y' });
      const h = createHarness({}, { tracer: tracer! });
      // A fork's route, written with nothing but @opentelemetry/api.
      h.app.get('/calls-downstream', async (c) => {
        await trace.getTracer('fork').startActiveSpan('GET downstream', async (span) => {
          const headers: Record<string, string> = {};
          propagation.inject(context.active(), headers);
          await (await fetch(url, { headers })).text();
          span.end();
        });
        return c.json({ ok: true });
      });
      expect((await h.request('/calls-downstream')).status).toBe(200);
      await tracer!.shutdown();

      const spans = spansOf(collector.exports);
      const request = spans.find((s) => s.name === 'GET /calls-downstream')!;
      const child = spans.find((s) => s.name === 'GET downstream')!;
      expect(child.traceId).toBe(request.traceId);
      expect(child.parentSpanId).toBe(request.spanId);
      expect(received).toEqual([`00-${request.traceId}-${child.spanId}-01`]);
    } finally {
      await new Promise<void>((resolve) => downstream.close(() => resolve()));
    }
  });

  it('rejects an endpoint that is not an http(s) URL, naming the variable', () => {
    expect(() => parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT="otel-collector:4318"/);
    expect(() => parseConfig({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG="1.5".*from 0 to 1/);
  });
});
