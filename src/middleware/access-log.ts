/**
 * The access log and the request metrics, recorded once per request from one measurement.
 */
import type { Logger } from '../logger.js';
import type { RequestMetrics } from '../metrics.js';

export interface RequestRecord {
  requestId: string;
  method: string;
  path: string;
  /** Route template (bounded), never the raw path. */
  route: string;
  status: number;
  ms: number;
  /** Set when tracing is on: joins the log line to the trace. */
  traceId?: string;
}

/** Paths made only of characters that need no JSON escaping are written as they are. */
const JSON_SAFE = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;
const jsonString = (value: string) => (JSON_SAFE.test(value) ? `"${value}"` : JSON.stringify(value));

export function createRequestRecorder(logger: Logger, metrics: RequestMetrics | undefined) {
  const logRequests = logger.isEnabled('info');
  return ({ requestId, method, path, route, status, ms, traceId }: RequestRecord): void => {
    metrics?.observe(method, route, status, ms / 1000);
    if (!logRequests) return;
    // One template, one copy into the log buffer. The method comes from the HTTP parser, the
    // request id matched a strict pattern and the route is from our own table: no escaping needed.
    logger.writeFields(
      status >= 500 ? 'error' : 'info',
      `"msg":"request","reqId":"${requestId}","method":"${method}","path":${jsonString(path)},"route":"${route}","status":${status},"durationMs":${Math.round(ms * 1000) / 1000}${traceId ? `,"traceId":"${traceId}"` : ''}`,
    );
  };
}
