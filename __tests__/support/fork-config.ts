/**
 * The example configuration with the fork checklist filled in (stacks/config/placeholders.ts lists
 * what that is): what a fork's stacks/config/environments.ts looks like once it is ready to deploy.
 * Tests of commands that refuse example values run against this.
 */
import { platformConfig } from '../../stacks/config/environments.js';
import type { PlatformConfig } from '../../stacks/config/types.js';

export const FORK_ACCOUNT = '123456789012';
/** The role the ops fakes' caller identity assumes (arn:aws:sts::…:assumed-role/admin/me), with an SSO-style path. */
export const FORK_ADMIN_ROLE = `arn:aws:iam::${FORK_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/admin`;

/** The fork's GitHub identity: `gh api repos/acme-corp/hono-eks-platform --jq '{owner: .owner.id, repository: .id}'`. */
export const FORK_GITHUB = { repository: 'acme-corp/hono-eks-platform', ids: { owner: 81_234_567, repository: 912_345_678 } } as const;

/** One age public key per environment (their private keys are not needed by any test that uses this). */
export const FORK_PLAN_RECIPIENTS: Readonly<Record<string, string>> = {
  dev: 'age1tcjugg25sz3m36q25uk9lzz9erm9pfjf2meqw8spqpsg28nseauq2lwg8j',
  staging: 'age1z0dd02lppgs9t9qkkle7yjjp4xknvvmnt6fggr9mdp5tn7ph8aqqhryf64',
  prod: 'age1qf4vhsr8d8sexuqc2x35ckvs5me68luugpcl7c3lmz6fp0wwvq6slka8d3',
};

const forkRole = (name: string) => `arn:aws:iam::${FORK_ACCOUNT}:role/hono-api-ci-${name}`;
/** The repository variables a fork sets once ci-identity is applied (scripts/ci/settings.json; README: Deploying, one-time setup). */
export const FORK_REPOSITORY_VARIABLES: Readonly<Record<string, string>> = {
  AWS_REGION: 'eu-west-1',
  AWS_PR_PLAN_ROLE_ARN: forkRole('pr-plan'),
  AWS_PLAN_ROLE_ARN: forkRole('plan'),
  AWS_DEPLOY_ROLE_ARN_DEV: forkRole('deploy-dev'),
  AWS_DEPLOY_ROLE_ARN_STAGING: forkRole('deploy-staging'),
  AWS_DEPLOY_ROLE_ARN_PROD: forkRole('deploy-prod'),
  AWS_PUSH_IMAGE_ROLE_ARN: forkRole('push-image'),
  ECR_REPOSITORY: 'hono-api',
};

export function forkConfig(base: PlatformConfig = platformConfig, account = FORK_ACCOUNT): PlatformConfig {
  const environments = Object.fromEntries(
    Object.entries(base.environments).map(([name, env]) => [
      name,
      {
        ...env,
        allowedAccountIds: [account],
        planRecipient: FORK_PLAN_RECIPIENTS[name] ?? '',
        cluster: { ...env.cluster, adminPrincipalArns: [FORK_ADMIN_ROLE.replace(FORK_ACCOUNT, account)] },
        ...(env.dns ? { dns: { domain: `${name}.hono-api.acme-corp.net`, hostedZoneId: `Z0${name.toUpperCase()}FORK0000000001` } } : {}),
      },
    ]),
  ) as unknown as PlatformConfig['environments'];
  return {
    ...base,
    state: { ...base.state, bucketName: 'acme-corp-hono-api-tfstate' },
    shared: { ...base.shared, allowedAccountIds: [account], github: { ...base.shared.github, ...FORK_GITHUB } },
    environments,
  };
}
