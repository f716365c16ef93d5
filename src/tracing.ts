/**
 * Optional OpenTelemetry tracing: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
 *
 * The SDK is imported lazily, so with tracing off it is neither loaded nor parsed (the bundle
 * keeps it in a separate chunk) and costs nothing at start or per request. With tracing on, the
 * request instrumentation (middleware/instrument.ts) opens one SERVER span per request, continues an
 * incoming W3C `traceparent`, and writes the trace id into the access log line.
 */
import type { Context as OtelContext, Span, Tracer } from '@opentelemetry/api';
import type { BuildInfo } from './build-info.js';
import type { ServiceConfig } from './config.js';

/**
 * How long the service waits at exit for pending spans to reach the collector. The chart's
 * shutdown.marginSeconds (the time between the service's hard timeout and the kubelet's SIGKILL)
 * must exceed it: its schema minimum is checked against this value.
 */
export const TRACE_FLUSH_MS = 2000;

export interface RequestTracer {
  /** Starts the server span for a request, continuing the caller's trace when headers carry one. */
  start(method: string, path: string, headers: Record<string, string | string[] | undefined>): Span;
  /**
   * Runs the request's handler with its span as the active context: a span a handler starts
   * (`trace.getTracer(…).startSpan`) is its child, and `propagation.inject(context.active(), headers)`
   * carries the trace to a downstream call.
   */
  run<T>(span: Span, handler: () => T): T;
  /** Names the span after the route template, records the status and ends it. */
  end(span: Span, method: string, route: string, status: number): void;
  /** Flushes pending spans; called at shutdown. */
  shutdown(): Promise<void>;
}

/** The OpenTelemetry packages are CommonJS: a dynamic import may put their exports under `default`. */
async function load<T extends object>(module: Promise<T>): Promise<T> {
  const m = (await module) as T & { default?: Partial<T> };
  return { ...m.default, ...m } as T;
}

export async function startTracing(
  config: Pick<ServiceConfig, 'otlpEndpoint' | 'serviceName' | 'traceSampleRatio'>,
  build: BuildInfo,
): Promise<RequestTracer | undefined> {
  if (!config.otlpEndpoint) return undefined;
  const [api, core, contextAsyncHooks, sdk, resources, exporterModule, semconv] = await Promise.all([
    load(import('@opentelemetry/api')),
    load(import('@opentelemetry/core')),
    load(import('@opentelemetry/context-async-hooks')),
    load(import('@opentelemetry/sdk-trace-base')),
    load(import('@opentelemetry/resources')),
    load(import('@opentelemetry/exporter-trace-otlp-http')),
    load(import('@opentelemetry/semantic-conventions')),
  ]);

  const exporter = new exporterModule.OTLPTraceExporter({ url: `${config.otlpEndpoint.replace(/\/$/, '')}/v1/traces` });
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({
      [semconv.ATTR_SERVICE_NAME]: config.serviceName,
      [semconv.ATTR_SERVICE_VERSION]: build.version,
    }),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(config.traceSampleRatio) }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
  });
  const tracer: Tracer = provider.getTracer('hono-api', build.version);
  const propagator = new core.W3CTraceContextPropagator();
  // Registered globally, so code a fork adds needs only @opentelemetry/api: its spans find the
  // request's span through AsyncLocalStorage, and its outgoing calls can carry the trace on.
  api.context.setGlobalContextManager(new contextAsyncHooks.AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(provider);
  api.propagation.setGlobalPropagator(propagator);
  const getter = {
    keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
    get: (carrier: Record<string, string | string[] | undefined>, key: string) => carrier[key],
  };

  return {
    start(method, path, headers) {
      const parent: OtelContext = propagator.extract(api.ROOT_CONTEXT, headers, getter);
      return tracer.startSpan(
        method,
        {
          kind: api.SpanKind.SERVER,
          attributes: { [semconv.ATTR_HTTP_REQUEST_METHOD]: method, [semconv.ATTR_URL_PATH]: path },
        },
        parent,
      );
    },
    run: (span, handler) => api.context.with(api.trace.setSpan(api.ROOT_CONTEXT, span), handler),
    end(span, method, route, status) {
      span.updateName(`${method} ${route}`);
      span.setAttribute(semconv.ATTR_HTTP_ROUTE, route);
      span.setAttribute(semconv.ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.end();
    },
    shutdown: async () => {
      await provider.shutdown();
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}
