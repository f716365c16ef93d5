/**
 * A load balancer that deregisters late, for the rollout tests on the real node: a TCP proxy that
 * follows a Service's EndpointSlices, adds a ready pod at once, and keeps sending new connections
 * to a pod that is no longer ready (terminating, or gone) for `lagMs` more, standing in for the AWS
 * Load Balancer Controller plus the ALB's propagation. No retries: a connection the pod refuses or
 * drops fails the client's request, as an ALB answers 502 or 504.
 */
import net from 'node:net';
import type { CommandResult } from '../../scripts/lib/run.js';

interface Target {
  readonly address: string;
  readonly port: number;
  /** performance.now() when it was first seen not ready; undefined while it is. */
  notReadySince?: number;
}

interface EndpointSliceList {
  items: { ports?: { port?: number }[]; endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[];
}

export interface LaggingProxy {
  readonly port: number;
  /** Connections that could not reach their pod (refused, reset, timed out): when, which pod, why. */
  readonly failures: () => readonly { at: number; target: string; error: string }[];
  /** When each pod entered and left the pool (ms since start). */
  readonly changes: () => readonly string[];
  stop(): Promise<void>;
}

export async function startLaggingProxy(options: {
  kube: (args: readonly string[]) => Promise<CommandResult>;
  namespace: string;
  service: string;
  lagMs: number;
}): Promise<LaggingProxy> {
  const targets = new Map<string, Target>();
  const t0 = performance.now();
  const failures: { at: number; target: string; error: string }[] = [];
  const changes: string[] = [];
  const at = () => Math.round(performance.now() - t0);
  let next = 0;
  let polling = true;

  const refresh = async () => {
    const r = await options.kube(['get', 'endpointslices', '-n', options.namespace, '-l', `kubernetes.io/service-name=${options.service}`, '-o', 'json']);
    if (r.exitCode !== 0) return;
    const now = performance.now();
    const ready = new Set<string>();
    for (const slice of (JSON.parse(r.stdout) as EndpointSliceList).items) {
      const port = slice.ports?.[0]?.port;
      if (!port) continue;
      for (const endpoint of slice.endpoints ?? []) {
        const key = `${endpoint.addresses[0]}:${port}`;
        if (endpoint.conditions?.ready !== true) continue;
        ready.add(key);
        const known = targets.get(key);
        if (known) known.notReadySince = undefined;
        else {
          targets.set(key, { address: endpoint.addresses[0]!, port });
          changes.push(`${at()} ms +${key}`);
        }
      }
    }
    for (const [key, target] of targets) {
      if (ready.has(key)) continue;
      target.notReadySince ??= now;
      if (now - target.notReadySince >= options.lagMs) {
        targets.delete(key);
        changes.push(`${at()} ms -${key}`);
      }
    }
  };
  await refresh();
  const poller = (async () => {
    while (polling) {
      await refresh();
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  const server = net.createServer((client) => {
    const pool = [...targets.values()];
    if (pool.length === 0) {
      failures.push({ at: at(), target: 'none', error: 'no target' });
      client.destroy();
      return;
    }
    const target = pool[(next += 1) % pool.length]!;
    const upstream = net.connect({ host: target.address, port: target.port, timeout: 10_000 });
    const fail = (err?: NodeJS.ErrnoException) => {
      failures.push({ at: at(), target: `${target.address}:${target.port}`, error: err?.code ?? 'timeout' });
      client.destroy();
      upstream.destroy();
    };
    upstream.on('timeout', () => fail());
    upstream.on('error', fail);
    client.on('error', () => upstream.destroy());
    upstream.on('connect', () => upstream.setTimeout(0));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    failures: () => failures,
    changes: () => changes,
    stop: async () => {
      polling = false;
      await poller;
      await new Promise((r) => server.close(r));
    },
  };
}
