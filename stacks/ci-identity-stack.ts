/**
 * CI identity for GitHub Actions: the account's GitHub OIDC provider and the CI roles.
 *
 * - pr-plan: pull requests (any same-repository branch, Dependabot's included). Plans the shared and
 *   non-prod stacks only, with -refresh=false and -lock=false: AWS's ViewOnlyAccess (metadata,
 *   never data) plus the few reads its data sources make, those stacks' state and nothing else; no
 *   access entry on any cluster, so no Kubernetes Secret is within reach.
 * - plan: the main branch (drift detection) and jobs running in the GitHub environment `plan`
 *   (PLAN_ENVIRONMENT: every deploy plan, a release tag's prod plan included), whose deployment
 *   policy GitHub enforces and the deploy's pre-flight checks (main and v* tags only,
 *   scripts/ci/check-environment.sh --plan). No bare tag subject: a tag pushed past the tag ruleset
 *   still cannot take this role outside that environment. ReadOnlyAccess, all state, the state
 *   lock, and view access (Secrets included: Helm keeps releases there) on the clusters, for prod as
 *   much as the others.
 * - deploy-<environment>: changes one environment. Assumable only from jobs running in that GitHub
 *   environment, whose required reviewers approve every run; PowerUserAccess confined by explicit
 *   denies to that environment's resources (tags, cluster and secret names, state keys) and IAM
 *   under that environment's name prefix only. Approving a dev deploy yields nothing that can
 *   change prod.
 * - push-image: pushes to the service's ECR repository, and nothing else. Release tags only.
 *
 * Apply this stack by hand (an administrator), never from CI: no deploy role can modify these
 * roles, because its IAM permissions cover only its environment's own name prefix.
 */
import { DataAwsKmsAlias } from '@cdktf/provider-aws/lib/data-aws-kms-alias';
import { DataAwsIamOpenidConnectProvider } from '@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { Fn, TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentName, SharedConfig } from './config/types.js';
import { AwsStack, type AwsStackProps } from './constructs/aws-stack.js';
import {
  ENVIRONMENT_MANAGED_POLICIES,
  PULL_REQUEST_EXTRA_READS,
  type StateBucket,
  environmentConfinement,
  environmentStateObjects,
  sharedStateObjects,
  stateLock,
  stateRead,
  workloadBoundary,
} from './constructs/ci-role-policies.js';
import { GITHUB_OIDC_HOST, GithubOidcRole, type GithubRepositoryIdentity, type PolicyStatement, subjectRepositories } from './constructs/github-oidc-role.js';
import { ENVIRONMENT_TAG } from './constructs/tagging-aspect.js';
import { type CiRole, SHARED_ENVIRONMENT, ciRoleName, clusterName, deployRole, environmentIamPrefix, secretsPrefix, stateKmsAlias, workloadBoundaryName } from './naming.js';

export interface CiIdentityStackProps extends Omit<AwsStackProps, 'environment' | 'region' | 'allowedAccountIds'> {
  readonly shared: SharedConfig;
  /** Environments that get a GitHub environment (and so may deploy). */
  readonly environments: readonly EnvironmentName[];
  /** Each environment's public hosted zone id, where it has one (environments.<env>.dns). */
  readonly hostedZoneIds: Readonly<Record<string, string | undefined>>;
}

/** Environments whose stacks pull requests plan: all but prod, which only main and tags may read. */
export const pullRequestEnvironments = (environments: readonly string[]) => environments.filter((env) => env !== 'prod');

/**
 * The GitHub environment deploy.yml's plan job runs in. Its deployment branch and tag policy (main
 * and v* tags, nothing else) is what admits a job to the plan role's environment subject, enforced by
 * GitHub before the job starts, rather than whatever ref a workflow file claims.
 */
export const PLAN_ENVIRONMENT = 'plan';

/** The OIDC token subjects each role trusts; the workflow tests compare these with .github/. */
export function ciRoleSubjects(github: GithubRepositoryIdentity & { readonly mainBranch: string }, environments: readonly string[]): Record<CiRole, string[]> {
  const each = (suffix: string) => subjectRepositories(github).map((repo) => `${repo}:${suffix}`);
  return {
    'pr-plan': each('pull_request'),
    plan: [...each(`ref:refs/heads/${github.mainBranch}`), ...each(`environment:${PLAN_ENVIRONMENT}`)],
    ...Object.fromEntries(environments.map((env) => [deployRole(env), each(`environment:${env}`)])),
    'push-image': each('ref:refs/tags/v*'),
  };
}

export class CiIdentityStack extends AwsStack {
  constructor(scope: Construct, id: string, props: CiIdentityStackProps) {
    super(scope, id, { ...props, environment: 'shared', region: props.shared.region, allowedAccountIds: props.shared.allowedAccountIds });
    const { project, shared, environments } = props;
    const partition = this.partition;
    const stateKey = new DataAwsKmsAlias(this, 'state-key', { name: `alias/${stateKmsAlias(project)}` });
    const state: StateBucket = { partition, bucketName: props.state.bucketName, project, keyArn: stateKey.targetKeyArn };

    // One provider per URL and account: create it, or trust the one the account already has.
    const url = `https://${GITHUB_OIDC_HOST}`;
    const provider =
      shared.github.oidcProvider === 'existing'
        ? new DataAwsIamOpenidConnectProvider(this, 'github', { url })
        : new IamOpenidConnectProvider(this, 'github', { url, clientIdList: ['sts.amazonaws.com'] });

    const subjects = ciRoleSubjects(shared.github, environments);
    const allState = `arn:${partition}:s3:::${state.bucketName}/${project}/*`;
    const iam = (kind: string, name: string) => `arn:${partition}:iam::${this.accountId}:${kind}/${name}`;
    const managed = (name: string) => `arn:${partition}:iam::aws:policy/${name}`;
    const role = (name: CiRole, props: { description: string; managedPolicyArns?: string[]; statements: PolicyStatement[] }) =>
      new GithubOidcRole(this, name, { roleName: ciRoleName(project, name), oidcProviderArn: provider.arn, subjects: subjects[name]!, ...props });

    // Everything that confines one environment, for its deploy role and, as a permissions boundary,
    // for every role its stacks create: whatever policies an apply attaches to such a role, it can
    // manage no IAM, organisation or account, and reach no other environment.
    const scopeOf = (env: string) => ({
      partition,
      accountId: this.accountId,
      environment: env,
      others: environments.filter((e) => e !== env),
      clusterName: (e: string) => clusterName(project, e),
      secretsPrefix,
      bucketPrefix: (e: string) => `${project}-${e}-`,
      environmentTag: ENVIRONMENT_TAG,
      sharedTag: SHARED_ENVIRONMENT,
      stateKeyAlias: stateKmsAlias(project),
      hostedZoneIds: props.hostedZoneIds,
    });
    const boundaries = new Map(
      environments.map((env) => [
        env,
        new IamPolicy(this, `workload-boundary-${env}`, {
          name: workloadBoundaryName(project, env),
          description: `Permissions boundary for every role the ${env} stacks create: confined to ${env}`,
          policy: Fn.jsonencode({ Version: '2012-10-17', Statement: workloadBoundary(scopeOf(env), state) }),
        }),
      ]),
    );

    const prEnvironments = pullRequestEnvironments(environments);
    const roles = new Map<CiRole, GithubOidcRole>();
    roles.set(
      'pr-plan',
      role('pr-plan', {
        description: `Pull requests: plans the shared and ${prEnvironments.join(', ') || 'no'} stacks, metadata only, without refresh or lock`,
        managedPolicyArns: [managed('job-function/ViewOnlyAccess')],
        statements: [
          ...stateRead(state, [...sharedStateObjects(state), ...prEnvironments.map((env) => environmentStateObjects(state, env))]),
          { Sid: 'DataSourceReads', Effect: 'Allow', Action: [...PULL_REQUEST_EXTRA_READS], Resource: '*' },
        ],
      }),
    );
    roles.set(
      'plan',
      role('plan', {
        description: `Main branch (drift detection) and the ${PLAN_ENVIRONMENT} environment (deploy plans): read-only`,
        managedPolicyArns: [managed('ReadOnlyAccess')],
        statements: [...stateRead(state, [allState]), ...stateLock(state, [`${allState}.tflock`])],
      }),
    );
    for (const env of environments) {
      const prefix = environmentIamPrefix(project, env);
      const envRoles = iam('role', `${prefix}*`);
      const boundary = boundaries.get(env)!;
      // The managed policies the environment's stacks attach, and its own customer-managed ones.
      const attachable = [...ENVIRONMENT_MANAGED_POLICIES.map(managed), iam('policy', `${prefix}*`)];
      roles.set(
        deployRole(env),
        role(deployRole(env), {
          description: `Applies approved plans to ${env} only; assumable only from the GitHub environment ${env}`,
          managedPolicyArns: [managed('PowerUserAccess')],
          statements: [
            ...stateRead(state, [environmentStateObjects(state, env)]),
            ...stateLock(state, [environmentStateObjects(state, env, '.tflock')]),
            { Sid: 'WriteState', Effect: 'Allow', Action: 's3:PutObject', Resource: environmentStateObjects(state, env) },
            {
              // Roles under this environment's prefix only, and only with this environment's
              // boundary: not the CI roles, and never a role that reaches beyond the environment.
              Sid: 'CreateBoundedEnvironmentRoles',
              Effect: 'Allow',
              Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
              Resource: envRoles,
              Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary.arn } },
            },
            {
              // …and only the managed policies the environment's stacks use, or its own.
              Sid: 'AttachKnownPoliciesToBoundedRoles',
              Effect: 'Allow',
              Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
              Resource: envRoles,
              Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary.arn }, ArnLike: { 'iam:PolicyARN': attachable } },
            },
            {
              Sid: 'ManageEnvironmentRoles',
              Effect: 'Allow',
              Action: [
                'iam:GetRole',
                'iam:GetRolePolicy',
                'iam:ListRolePolicies',
                'iam:ListAttachedRolePolicies',
                'iam:ListInstanceProfilesForRole',
                'iam:UpdateRole',
                'iam:UpdateRoleDescription',
                'iam:UpdateAssumeRolePolicy',
                'iam:TagRole',
                'iam:UntagRole',
                'iam:DeleteRole',
                'iam:PassRole',
              ],
              Resource: envRoles,
            },
            { Sid: 'KeepTheBoundary', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: envRoles },
            {
              Sid: 'ManageEnvironmentPoliciesAndProfiles',
              Effect: 'Allow',
              Action: ['iam:*Policy*', 'iam:*InstanceProfile*'],
              Resource: [iam('policy', `${prefix}*`), iam('instance-profile', `${prefix}*`)],
            },
            { Sid: 'ServiceLinkedRoles', Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole', Resource: '*' },
            ...environmentConfinement(scopeOf(env), state),
          ],
        }),
      );
    }
    roles.set(
      'push-image',
      role('push-image', {
        description: 'Pushes release images to the service repository only',
        statements: [
          { Sid: 'Login', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
          {
            Sid: 'PushToServiceRepository',
            Effect: 'Allow',
            Action: [
              'ecr:BatchCheckLayerAvailability',
              'ecr:BatchGetImage',
              'ecr:CompleteLayerUpload',
              'ecr:DescribeImages',
              'ecr:DescribeImageScanFindings',
              'ecr:InitiateLayerUpload',
              'ecr:PutImage',
              'ecr:UploadLayerPart',
            ],
            Resource: `arn:${partition}:ecr:${shared.region}:${this.accountId}:repository/${shared.registry.repositoryName}`,
          },
        ],
      }),
    );

    new TerraformOutput(this, 'github_oidc_provider_arn', { value: provider.arn });
    for (const [env, boundary] of boundaries) new TerraformOutput(this, `workload_boundary_${env}_arn`, { value: boundary.arn });
    for (const [name, r] of roles) {
      const where = ciRoleVariable(name);
      new TerraformOutput(this, `${name.replaceAll('-', '_')}_role_arn`, {
        value: r.role.arn,
        description: `Set as the repository variable ${where.variable}`,
      });
    }
  }
}

/**
 * The repository variable the workflows read each role's ARN from (scripts/ci/settings.json lists
 * them for the preflight): AWS_PLAN_ROLE_ARN, AWS_DEPLOY_ROLE_ARN_PROD, … Repository variables, not
 * a GitHub environment's, so the preflight sees them before any approval; naming another
 * environment's deploy role gains nothing, since each trusts only jobs in its own environment.
 */
export function ciRoleVariable(role: CiRole): { variable: string } {
  if (role.startsWith('deploy-')) return { variable: `AWS_DEPLOY_ROLE_ARN_${role.slice('deploy-'.length).toUpperCase()}` };
  return { variable: `AWS_${role.replaceAll('-', '_').toUpperCase()}_ROLE_ARN` };
}
