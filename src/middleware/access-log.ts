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
}

export function createRequestRecorder(logger: Logger, metrics: RequestMetrics | undefined) {
  const logRequests = logger.isEnabled('info');
  return ({ requestId, method, path, route, status, ms }: RequestRecord): void => {
    metrics?.observe(method, route, status, ms / 1000);
    if (!logRequests) return;
    // Hand-built JSON: every field but the path is known-safe (method from the HTTP parser,
    // request id matched against a strict pattern, route from our own table).
    logger.writeRaw(
      status >= 500 ? 'error' : 'info',
      `{"msg":"request","reqId":"${requestId}","method":"${method}","path":${JSON.stringify(path)},"route":${JSON.stringify(route)},"status":${status},"durationMs":${ms.toFixed(3)}}`,
    );
  };
}
