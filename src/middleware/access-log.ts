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

/** Requests whose access-log lines are formatted together. */
const BATCH_SIZE = 256;
/** Longest a request waits before its line is written (the logger's own interval). */
const BATCH_INTERVAL_MS = 50;

/**
 * Access-log lines are formatted in batches rather than one per request: the request path only
 * stores a few references and numbers, and the formatting loop then runs with warm caches.
 * Measured on this service, per-request formatting cost several times what the same work costs
 * in a batch. The logger drains the batch before every flush, so shutdown loses nothing.
 */
function createAccessLogBatch(logger: Logger) {
  const requestIds: string[] = new Array<string>(BATCH_SIZE);
  const methods: string[] = new Array<string>(BATCH_SIZE);
  const paths: string[] = new Array<string>(BATCH_SIZE);
  const routes: string[] = new Array<string>(BATCH_SIZE);
  const traceIds: (string | undefined)[] = new Array<string | undefined>(BATCH_SIZE);
  const statuses = new Int32Array(BATCH_SIZE);
  const durations = new Float64Array(BATCH_SIZE);
  const times = new Float64Array(BATCH_SIZE);
  let count = 0;
  let scheduled = false;

  const drain = (): void => {
    for (let i = 0; i < count; i++) {
      const status = statuses[i]!;
      const traceId = traceIds[i];
      // The method comes from the HTTP parser, the request id matched a strict pattern and the
      // route is from our own table: only the path can need escaping.
      logger.writeFields(
        status >= 500 ? 'error' : 'info',
        `"msg":"request","reqId":"${requestIds[i]}","method":"${methods[i]}","path":${jsonString(paths[i]!)},"route":"${routes[i]}","status":${status},"durationMs":${Math.round(durations[i]! * 1000) / 1000}${traceId ? `,"traceId":"${traceId}"` : ''}`,
        times[i],
      );
    }
    count = 0;
  };
  logger.beforeFlush(drain);

  return (r: RequestRecord): void => {
    const i = count++;
    requestIds[i] = r.requestId;
    methods[i] = r.method;
    paths[i] = r.path;
    routes[i] = r.route;
    traceIds[i] = r.traceId;
    statuses[i] = r.status;
    durations[i] = r.ms;
    times[i] = Date.now();
    if (count === BATCH_SIZE) drain();
    else if (!scheduled) {
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        logger.flush();
      }, BATCH_INTERVAL_MS).unref();
    }
  };
}

export function createRequestRecorder(logger: Logger, metrics: RequestMetrics | undefined) {
  const log = logger.isEnabled('info') ? createAccessLogBatch(logger) : undefined;
  return (r: RequestRecord): void => {
    metrics?.observe(r.method, r.route, r.status, r.ms / 1000);
    log?.(r);
  };
}
