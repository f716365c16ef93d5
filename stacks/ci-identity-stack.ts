/**
 * CI identity for GitHub Actions: the account's GitHub OIDC provider and three roles.
 *
 * - plan: read-only, plus reading state and taking the state lock. Assumable from pull requests,
 *   the main branch (drift detection, deploy plans) and release tags.
 * - deploy: changes infrastructure. Assumable only from jobs running in a GitHub environment, and
 *   those environments carry the required reviewers, so every apply was approved by a person.
 * - push-image: pushes to the service's ECR repository, and nothing else. Release tags only.
 *
 * Apply this stack by hand (an administrator), never from CI: the deploy role cannot modify these
 * roles, because its IAM permissions cover only the environments' own name prefixes.
 */
import { DataAwsKmsAlias } from '@cdktf/provider-aws/lib/data-aws-kms-alias';
import { DataAwsIamOpenidConnectProvider } from '@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { Fn, TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentName, SharedConfig } from './config/types.js';
import { AwsStack, type AwsStackProps } from './constructs/aws-stack.js';
import { GITHUB_OIDC_HOST, GithubOidcRole, type PolicyStatement } from './constructs/github-oidc-role.js';
import { type CiRole, ciRoleName, environmentIamPrefix, stateKmsAlias, workloadBoundaryName } from './naming.js';

export interface CiIdentityStackProps extends Omit<AwsStackProps, 'environment' | 'region' | 'allowedAccountIds'> {
  readonly shared: SharedConfig;
  /** Environments that get a GitHub environment (and so may deploy). */
  readonly environments: readonly EnvironmentName[];
}

/** The OIDC token subjects each role trusts; the workflow tests compare these with .github/. */
export function ciRoleSubjects(repository: string, mainBranch: string, environments: readonly string[]): Record<CiRole, string[]> {
  const repo = `repo:${repository}`;
  return {
    plan: [`${repo}:pull_request`, `${repo}:ref:refs/heads/${mainBranch}`, `${repo}:ref:refs/tags/v*`],
    deploy: environments.map((env) => `${repo}:environment:${env}`),
    'push-image': [`${repo}:ref:refs/tags/v*`],
  };
}

export class CiIdentityStack extends AwsStack {
  constructor(scope: Construct, id: string, props: CiIdentityStackProps) {
    super(scope, id, { ...props, environment: 'shared', region: props.shared.region, allowedAccountIds: props.shared.allowedAccountIds });
    const { project, shared, state } = props;
    const partition = this.partition;
    const stateKey = new DataAwsKmsAlias(this, 'state-key', { name: `alias/${stateKmsAlias(project)}` });

    // One provider per URL and account: create it, or trust the one the account already has.
    const url = `https://${GITHUB_OIDC_HOST}`;
    const provider =
      shared.github.oidcProvider === 'existing'
        ? new DataAwsIamOpenidConnectProvider(this, 'github', { url })
        : new IamOpenidConnectProvider(this, 'github', { url, clientIdList: ['sts.amazonaws.com'] });

    const subjects = ciRoleSubjects(shared.github.repository, shared.github.mainBranch, props.environments);
    const bucketArn = `arn:${partition}:s3:::${state.bucketName}`;
    const stateObjects = `${bucketArn}/${project}/*`;
    const iam = (kind: string, name: string) => `arn:${partition}:iam::${this.accountId}:${kind}/${name}`;

    const stateRead: PolicyStatement[] = [
      { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn },
      { Sid: 'ReadState', Effect: 'Allow', Action: 's3:GetObject', Resource: stateObjects },
      // The lock is an object beside the state (use_lockfile), so even a plan writes one.
      { Sid: 'LockState', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `${bucketArn}/${project}/*.tflock` },
      { Sid: 'StateKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: stateKey.targetKeyArn },
    ];

    // Roles the environments create carry this boundary: whatever policies an apply attaches to
    // them, they can never manage IAM, the organisation or the account.
    const boundary = new IamPolicy(this, 'workload-boundary', {
      name: workloadBoundaryName(project),
      description: 'Permissions boundary for every role an environment stack creates',
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'AllButIdentityAndAccount', Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
          { Sid: 'ReadIamAndServiceLinkedRoles', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'iam:CreateServiceLinkedRole'], Resource: '*' },
        ],
      }),
    });
    const envRoles = props.environments.map((env) => iam('role', `${environmentIamPrefix(project, env)}*`));

    const roles: Record<CiRole, GithubOidcRole> = {
      plan: new GithubOidcRole(this, 'plan', {
        roleName: ciRoleName(project, 'plan'),
        description: 'Read-only: cdktf plan on pull requests, drift detection, deploy plans',
        oidcProviderArn: provider.arn,
        subjects: subjects.plan,
        managedPolicyArns: [`arn:${partition}:iam::aws:policy/ReadOnlyAccess`],
        statements: stateRead,
      }),
      deploy: new GithubOidcRole(this, 'deploy', {
        roleName: ciRoleName(project, 'deploy'),
        description: 'Applies approved plans; only from GitHub environments with required reviewers',
        oidcProviderArn: provider.arn,
        subjects: subjects.deploy,
        managedPolicyArns: [`arn:${partition}:iam::aws:policy/PowerUserAccess`],
        statements: [
          ...stateRead,
          { Sid: 'WriteState', Effect: 'Allow', Action: 's3:PutObject', Resource: stateObjects },
          {
            // Roles under the environments' prefixes only, and only with the workload boundary:
            // not the CI roles, and never a role more powerful than the boundary allows.
            Sid: 'CreateBoundedEnvironmentRoles',
            Effect: 'Allow',
            Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
            Resource: envRoles,
            Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary.arn } },
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
            Resource: props.environments.flatMap((env) => [
              iam('policy', `${environmentIamPrefix(project, env)}*`),
              iam('instance-profile', `${environmentIamPrefix(project, env)}*`),
            ]),
          },
          { Sid: 'ServiceLinkedRoles', Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole', Resource: '*' },
        ],
      }),
      'push-image': new GithubOidcRole(this, 'push-image', {
        roleName: ciRoleName(project, 'push-image'),
        description: 'Pushes release images to the service repository only',
        oidcProviderArn: provider.arn,
        subjects: subjects['push-image'],
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
    };

    new TerraformOutput(this, 'github_oidc_provider_arn', { value: provider.arn });
    new TerraformOutput(this, 'workload_boundary_arn', { value: boundary.arn });
    for (const [name, role] of Object.entries(roles))
      new TerraformOutput(this, `${name.replace('-', '_')}_role_arn`, {
        value: role.role.arn,
        description: `Set as the repository variable AWS_${name.replace('-', '_').toUpperCase()}_ROLE_ARN`,
      });
  }
}
