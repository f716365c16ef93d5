/**
 * `check-config <env>` and the guard every command that touches AWS runs first: the configuration
 * must carry no example values (stacks/config/placeholders.ts) before a plan, an apply or a
 * bootstrap. Synth and `deploy --dry-run` stay open to the example configuration.
 */
import { placeholderProblems, renderPlaceholderProblems } from '../../stacks/config/placeholders.js';
import type { EnvironmentName } from '../../stacks/config/types.js';
import type { OpsDeps } from './deps.js';

/** True when `env` (or, without one, the shared stacks) may run; otherwise prints every field to fill in. */
export function configReady(deps: Pick<OpsDeps, 'config' | 'err'>, env: string | undefined, what: string): boolean {
  const problems = placeholderProblems(deps.config, env as EnvironmentName | undefined);
  if (problems.length === 0) return true;
  deps.err(renderPlaceholderProblems(problems, what));
  return false;
}

/** With `planRecipient`, prints only the environment's age public key once the check passes (deploy.yml's plan job seals to it). */
export function checkConfig(deps: Pick<OpsDeps, 'config' | 'err' | 'out'>, env: string, { planRecipient = false } = {}): number {
  if (!configReady(deps, env, `the ${env} environment`)) return 1;
  deps.out(planRecipient ? deps.config.environments[env as EnvironmentName].planRecipient : `The configuration of ${env} (and of the shared stacks) has no example values left.`);
  return 0;
}
