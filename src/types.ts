import type { HttpBindings } from '@hono/node-server';

/** Per-request variables every handler may read. */
export interface AppVariables {
  requestId: string;
}

/** Hono environment: node-server bindings (absent under `app.request()` in tests) and our variables. */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: AppVariables;
}
