/**
 * Graceful shutdown, the part of the service that makes rolling deploys lossless:
 *
 *   signal → readiness 503 at once → keep serving for at least the drain delay (kube-proxy and the
 *   load balancer stop sending meanwhile) → with a quiet period, keep serving until no request has
 *   arrived for that long, capped → stop accepting → let in-flight requests finish → close idle
 *   keep-alive sockets → exit 0.
 *
 * The quiet period is for load balancers that keep sending new requests for a while after the pod
 * leaves the endpoints (the AWS Load Balancer Controller and the ALB: 10 to 40 s and more,
 * kubernetes-sigs/aws-load-balancer-controller #1064, #2106, #3270): a fixed delay shorter than
 * that drops requests, one long enough for the worst case slows every rollout. Probes and metric
 * scrapes are not traffic (they never stop). A hard timeout, set below the pod's termination grace
 * period, exits 1 if anything hangs.
 */
import type { Server } from 'node:http';
import type { Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';

export interface ShutdownOptions {
  server: Server;
  lifecycle: Lifecycle;
  logger: Logger;
  /** The shortest drain: serve this long after the signal whatever arrives. */
  drainDelayMs: number;
  /** 0: stop accepting at the drain delay. Otherwise, once past it, stop after this long without a request. */
  drainQuietMs?: number;
  /** The longest drain, quiet or not (default: the drain delay plus the quiet period, so the quiet period always fits once). */
  drainMaxMs?: number;
  /** performance.now() of the last request that was traffic (see isTraffic). */
  lastTrafficAt?: () => number;
  timeoutMs: number;
  exit: (code: number) => void;
}

/** How often idle sockets are closed while in-flight requests finish, and the quiet period is checked. */
const IDLE_SWEEP_MS = 50;
const QUIET_CHECK_MS = 100;

/** Paths that are not traffic: the kubelet's probes go on whether or not the load balancer still sends requests (scrapes go to METRICS_PORT). */
const NOT_TRAFFIC = new Set(['/livez', '/readyz', '/startupz']);
export const isTraffic = (url: string | undefined): boolean => !NOT_TRAFFIC.has((url ?? '/').split('?')[0]!);

export function createShutdown({ server, lifecycle, logger, drainDelayMs, drainQuietMs = 0, drainMaxMs = drainDelayMs + drainQuietMs, lastTrafficAt = () => 0, timeoutMs, exit }: ShutdownOptions) {
  let started = false;
  const finish = (code: number, msg: string, fields?: Record<string, unknown>) => {
    if (code === 0) logger.info(msg, fields);
    else logger.error(msg, fields);
    logger.flush();
    exit(code);
  };

  return function shutdown(signal: string): void {
    if (started) {
      logger.warn('shutdown already in progress', { signal });
      return;
    }
    started = true;
    const begun = performance.now();
    lifecycle.markDraining();
    logger.info('draining', { signal, drainDelayMs, drainQuietMs, drainMaxMs, timeoutMs });

    setTimeout(
      () => finish(1, 'shutdown timed out; exiting with requests still open', { timeoutMs }),
      timeoutMs,
    ).unref();

    const stopAccepting = (why: string) => {
      const drainedMs = Math.round(performance.now() - begun);
      logger.info('stopped accepting', { why, drainedMs });
      // close() stops accepting and fires once every connection has ended; the sweep closes
      // keep-alive sockets as soon as their in-flight request is answered.
      server.close(() => finish(0, 'stopped', { signal, ms: Math.round(performance.now() - begun) }));
      server.closeIdleConnections();
      setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
    };
    const check = () => {
      const now = performance.now();
      if (drainQuietMs === 0) return stopAccepting('drain delay');
      if (now - Math.max(lastTrafficAt(), begun) >= drainQuietMs) return stopAccepting('quiet');
      if (now - begun >= drainMaxMs) return stopAccepting('longest drain');
      setTimeout(check, QUIET_CHECK_MS);
    };
    setTimeout(check, drainDelayMs);
  };
}
