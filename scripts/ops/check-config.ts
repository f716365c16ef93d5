/**
 * `check-config <env>` and the guard every command that touches AWS runs first: the configuration
 * must carry no example values (stacks/config/placeholders.ts) before a plan, an apply or a
 * bootstrap. Synth and `deploy --dry-run` stay open to the example configuration.
 *
 * With --github it also checks, with the `gh` CLI, the repository settings the workflows will read
 * for that environment: scripts/ci/preflight.sh, the workflows' own preflight, run with the
 * repository's variables and the GitHub environment's secret names (which no workflow can see
 * before an approval).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { placeholderProblems, renderPlaceholderProblems, workflowPlaceholderProblems } from '../../stacks/config/placeholders.js';
import type { EnvironmentName } from '../../stacks/config/types.js';
import type { OpsDeps } from './deps.js';

/** True when `env` (or, without one, the shared stacks) may run; otherwise prints every field to fill in. */
export function configReady(deps: Pick<OpsDeps, 'config' | 'err'>, env: string | undefined, what: string): boolean {
  const problems = placeholderProblems(deps.config, env as EnvironmentName | undefined);
  if (problems.length === 0) return true;
  deps.err(renderPlaceholderProblems(problems, what));
  return false;
}

export interface CheckConfigOptions {
  /** Print only the environment's planRecipient once the check passes (deploy.yml seals the plans to it). */
  readonly planRecipient?: boolean;
  /** Also check the GitHub repository's settings for the environment's workflow runs. */
  readonly github?: boolean;
}

const PREFLIGHT = fileURLToPath(new URL('../ci/preflight.sh', import.meta.url));
const SETTINGS = fileURLToPath(new URL('../ci/settings.json', import.meta.url));

export async function checkConfig(deps: Pick<OpsDeps, 'config' | 'err' | 'out' | 'run' | 'lookPath'>, env: string, options: CheckConfigOptions = {}): Promise<number> {
  if (!configReady(deps, env, `the ${env} environment`)) return 1;
  // The deploy workflow runs this command: it also needs the key it seals the plans to.
  const forWorkflow = workflowPlaceholderProblems(deps.config, env as EnvironmentName);
  if (forWorkflow.length > 0) {
    deps.err(renderPlaceholderProblems(forWorkflow, `the deploy workflow of ${env}`));
    return 1;
  }
  if (options.planRecipient) {
    deps.out(deps.config.environments[env as EnvironmentName].planRecipient);
    return 0;
  }
  deps.out(`The configuration of ${env} (and of the shared stacks) has no example values left.`);
  return options.github ? ((await githubSettingsReady(deps, env)) ? 0 : 1) : 0;
}

/** The workflow runs that use an environment's settings: its deploy, the pull-request plans, drift, and for prod the release. */
export const githubRuns = (env: string): string[] => [`deploy:${env}`, 'pull-request', 'drift', ...(env === 'prod' ? ['release'] : [])];

async function githubSettingsReady(deps: Pick<OpsDeps, 'err' | 'out' | 'run' | 'lookPath' | 'config'>, env: string): Promise<boolean> {
  const repository = deps.config.shared.github.repository;
  if (!deps.lookPath('gh')) {
    deps.err('--github needs the GitHub CLI (gh): https://cli.github.com, then `gh auth login` as an administrator of the repository');
    return false;
  }
  const read = async (args: string[], what: string) => {
    const r = await deps.run('gh', [...args, '--repo', repository, '--json', args[0] === 'variable' ? 'name,value' : 'name']);
    if (r.exitCode !== 0) {
      deps.err(`cannot read ${what} of ${repository} with gh (run \`gh auth login\` as an administrator of it): ${r.stderr.trim()}`);
      return undefined;
    }
    return JSON.parse(r.stdout) as { name: string; value?: string }[];
  };
  const variables = await read(['variable', 'list'], 'the repository variables');
  const secrets = await read(['secret', 'list', '--env', env], `the secrets of the GitHub environment ${env}`);
  if (!variables || !secrets) return false;
  // Every setting the preflight knows, from the repository or unset: never from this shell's environment.
  const settings = JSON.parse(readFileSync(SETTINGS, 'utf8')) as { variables: Record<string, unknown> };
  const values = Object.fromEntries(Object.keys(settings.variables).map((name) => [name, variables.find((v) => v.name === name)?.value]));
  let ready = true;
  for (const run of githubRuns(env)) {
    const r = await deps.run('bash', [PREFLIGHT, run], {
      env: { ...values, GITHUB_REPOSITORY: repository, ENVIRONMENT_SECRETS: secrets.map((s) => s.name).join(' ') },
    });
    for (const line of r.stdout.split('\n').filter(Boolean)) (r.exitCode === 0 ? deps.out : deps.err)(line.replace(/^::(error|notice)::/, r.exitCode === 0 ? '' : '  - '));
    ready &&= r.exitCode === 0;
  }
  if (ready) deps.out(`The GitHub settings of ${repository} have what ${githubRuns(env).join(', ')} need.`);
  return ready;
}
