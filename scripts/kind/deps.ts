/**
 * What the kind workflow needs from the outside world (scripts/lib/tools.ts), injected so the logic
 * runs against stubs in tests.
 */
import { type ToolDeps, createToolDeps } from '../lib/tools.js';

export type KindDeps = ToolDeps;

/** The real dependencies. */
export function createDeps(): KindDeps {
  return createToolDeps('hono-api-kind-');
}
