/**
 * Graceful shutdown, the part of the service that makes rolling deploys lossless:
 *
 *   signal → readiness 503 at once → keep serving for the drain delay (the load balancer and
 *   kube-proxy deregister the pod meanwhile) → stop accepting → let in-flight requests finish →
 *   close idle keep-alive sockets → exit 0.
 *
 * A hard timeout, set below the pod's termination grace period, exits 1 if anything hangs.
 */
import type { Server } from 'node:http';
import type { Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';

export interface ShutdownOptions {
  server: Server;
  lifecycle: Lifecycle;
  logger: Logger;
  drainDelayMs: number;
  timeoutMs: number;
  exit: (code: number) => void;
}

/** How often idle sockets are closed while in-flight requests finish. */
const IDLE_SWEEP_MS = 50;

export function createShutdown({ server, lifecycle, logger, drainDelayMs, timeoutMs, exit }: ShutdownOptions) {
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
    logger.info('draining', { signal, drainDelayMs, timeoutMs });

    setTimeout(
      () => finish(1, 'shutdown timed out; exiting with requests still open', { timeoutMs }),
      timeoutMs,
    ).unref();

    setTimeout(() => {
      // close() stops accepting and fires once every connection has ended; the sweep closes
      // keep-alive sockets as soon as their in-flight request is answered.
      server.close(() => finish(0, 'stopped', { signal, ms: Math.round(performance.now() - begun) }));
      server.closeIdleConnections();
      setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
    }, drainDelayMs);
  };
}
