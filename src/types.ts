import type { HttpBindings } from '@hono/node-server';

/**
 * Per-request bindings: node-server's `incoming`/`outgoing` (absent under `app.request()` in
 * tests) and the request id the instrumentation assigns before routing.
 */
export interface AppBindings extends Partial<HttpBindings> {
  requestId: string;
}

export interface AppEnv {
  Bindings: AppBindings;
}
