/**
 * The service's lifecycle as the probes see it: starting → ready → draining.
 *
 * Liveness never consults this (a draining or starting process is alive); readiness is true only
 * while ready, so a load balancer stops sending traffic the moment a drain begins.
 */
export type Phase = 'starting' | 'ready' | 'draining';

export class Lifecycle {
  #phase: Phase = 'starting';

  get phase(): Phase {
    return this.#phase;
  }

  get ready(): boolean {
    return this.#phase === 'ready';
  }

  get started(): boolean {
    return this.#phase !== 'starting';
  }

  /** Called once the server listens. A drain that already began wins. */
  markReady(): void {
    if (this.#phase === 'starting') this.#phase = 'ready';
  }

  markDraining(): void {
    this.#phase = 'draining';
  }
}
