/**
 * What a fork must fill in before anything runs against AWS. The example configuration synthesises
 * (the README's first command needs it), but its account guard is empty, its hosted zones and
 * repository are examples and nobody is named cluster administrator, so a plan would fail or,
 * worse, run in the wrong account. `ops doctor --env`, `ops bootstrap`, `ops deploy` and the
 * workflows (`ops check-config`) refuse until every field below is real, one message per field.
 */
import type { EnvironmentName, PlatformConfig } from './types.js';
import { Problems } from './validate.js';

const CONFIG_FILE = 'stacks/config/environments.ts';

/** RFC 2606 / RFC 6761 names that exist only for examples and tests. */
const RESERVED_DOMAIN = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/;

const HOW_TO_FIND_ACCOUNT = 'the 12-digit id `aws sts get-caller-identity --query Account` prints with credentials for that account';

/** Problems with the fields every stack needs (state bucket, account guard, CI repository). */
function sharedPlaceholders(p: Problems, config: PlatformConfig): void {
  p.check(!config.state.bucketName.endsWith('-example'), 'state.bucketName', config.state.bucketName, 'is the example bucket name', `choose a globally unique name in ${CONFIG_FILE}, e.g. <company>-hono-api-tfstate`);
  p.check(config.shared.allowedAccountIds.length > 0, 'shared.allowedAccountIds', config.shared.allowedAccountIds, 'is empty, so nothing stops the shared stacks (state, registry, ci-identity) from running in whatever account the credentials belong to', `list ${HOW_TO_FIND_ACCOUNT}`);
  const { github } = config.shared;
  p.check(!github.repository.startsWith('example/'), 'shared.github.repository', github.repository, 'is the example repository: the CI roles would trust workflows of a repository that is not yours', 'set it to your fork, owner/name as in its GitHub URL');
  p.check(
    github.ids.owner > 0 && github.ids.repository > 0,
    'shared.github.ids',
    github.ids,
    'is not filled in: GitHub\'s OIDC subject for a repository created since 2026-07-15 (every fork) carries these ids, so no CI role could be assumed',
    `run \`gh api repos/${github.repository.startsWith('example/') ? 'OWNER/REPO' : github.repository} --jq '{owner: .owner.id, repository: .id}'\` and copy both numbers`,
  );
}

/** Problems with one environment's fields. */
function environmentPlaceholders(p: Problems, config: PlatformConfig, name: EnvironmentName): void {
  const env = config.environments[name];
  const at = `environments.${name}`;
  p.check(env.allowedAccountIds.length > 0, `${at}.allowedAccountIds`, env.allowedAccountIds, `is empty, so nothing stops ${name}'s stacks from running in whatever account the credentials belong to`, `list ${HOW_TO_FIND_ACCOUNT}`);
  p.check(
    env.cluster.adminPrincipalArns.length > 0,
    `${at}.cluster.adminPrincipalArns`,
    env.cluster.adminPrincipalArns,
    'is empty: only the CI roles get access entries, so you (and `ops deploy` run with your credentials) would get 401 from the cluster on the platform and app stacks',
    'add the IAM role you administer the cluster with, e.g. your SSO role: `aws iam get-role --role-name <name in aws sts get-caller-identity> --query Role.Arn`',
  );
  if (env.dns) {
    p.check(!RESERVED_DOMAIN.test(env.dns.domain), `${at}.dns.domain`, env.dns.domain, 'is an example domain (reserved by RFC 2606): no one can own its hosted zone', `set a public Route53 zone you own, or remove ${at}.dns to serve the API on the load balancer's own name without TLS`);
    p.check(!/EXAMPLE/.test(env.dns.hostedZoneId), `${at}.dns.hostedZoneId`, env.dns.hostedZoneId, 'is an example hosted zone id', `copy the zone's Id from \`aws route53 list-hosted-zones-by-name --dns-name ${env.dns.domain}\``);
  }
  const tls = env.platform.tls;
  if (tls.mode === 'acme') p.check(!RESERVED_DOMAIN.test(tls.email.split('@')[1] ?? ''), `${at}.platform.tls.email`, tls.email, 'is an example address: expiry notices would go nowhere', 'use an address you read');
}

/**
 * What only the deploy workflow needs of an environment: the public key its saved plans are sealed
 * to (`ops check-config`, which the workflow runs; a workstation deploy seals nothing).
 */
export function workflowPlaceholderProblems(config: PlatformConfig, name: EnvironmentName): string[] {
  const p = new Problems();
  const env = config.environments[name];
  p.check(
    env.planRecipient !== '',
    `environments.${name}.planRecipient`,
    env.planRecipient,
    `is empty: the deploy workflow seals ${name}'s saved plans to this public key, and only ${name}'s approved apply job may open them`,
    `run \`age-keygen -o ${name}-plan.key\`, put the public key it prints here and the file into the GitHub environment: \`gh secret set PLAN_AGE_IDENTITY --env ${name} < ${name}-plan.key\`, then delete the file`,
  );
  return p.list;
}

/**
 * Every placeholder the given environment's deploy would run with (the shared fields included),
 * or only the shared ones when `environment` is undefined (bootstrap, the shared stacks).
 */
export function placeholderProblems(config: PlatformConfig, environment?: EnvironmentName): string[] {
  const p = new Problems();
  sharedPlaceholders(p, config);
  if (environment) environmentPlaceholders(p, config, environment);
  return p.list;
}

/** The problems as the CLI prints them: what to fill in, where, and then one line per field. */
export function renderPlaceholderProblems(problems: readonly string[], what: string): string {
  return [`error: ${what} still runs with example values; fill them in in ${CONFIG_FILE} first:`, ...problems.map((line) => `  - ${line}`)].join('\n');
}
