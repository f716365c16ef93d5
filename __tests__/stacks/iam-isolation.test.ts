/**
 * Approving a deploy of one environment yields nothing that can change another, judged by an IAM
 * evaluator (support/iam-evaluate.ts) on the synthesised policies, for every pair of environments:
 * each step of the escalation through a role the deploy role creates, each write on another
 * environment's or the shared resources, with the tags AWS really puts on them and with none where
 * the deny is by name; and each action the role needs for its own job is allowed. The broken twin is
 * the boundary as it was before (identity and account changes excluded, no environment denies):
 * the escalated role must reach the other environment through it, or this test proves nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_NAME_TAGS, ENVIRONMENT_MANAGED_POLICIES } from '../../stacks/constructs/ci-role-policies.js';
import { ciRoleName, clusterName, stateKmsAlias, workloadBoundaryName } from '../../stacks/naming.js';
import { FORK_ACCOUNT, forkConfig } from '../support/fork-config.js';
import { ACCOUNT, type Decision, type PolicyDocument, type Principal, REGION, type Request, STATE_KEY_ARN, boundaryPolicy, ciRole, decide, managedPolicy, stateKeyPolicy } from './support/iam-evaluate.js';
import { synthPlatform } from './support/platform.js';
import { resources } from './support/tfjson.js';

const config = forkConfig();
const { project } = config;
const ENVIRONMENTS = Object.keys(config.environments);
const platform = synthPlatform({ environments: 'all', config });
const ci = platform.json('ci-identity');
const stateKey = stateKeyPolicy(platform.json('state'));
const pairs = ENVIRONMENTS.flatMap((env) => ENVIRONMENTS.filter((o) => o !== env).map((other) => [env, other] as const));
const BUCKET = config.state.bucketName;

const role = (env: string, name: string) => `arn:aws:iam::${ACCOUNT}:role/${project}-${env}-${name}`;
const boundaryArn = (env: string) => `arn:aws:iam::${ACCOUNT}:policy/${workloadBoundaryName(project, env)}`;
const cluster = (env: string) => `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${clusterName(project, env)}`;
const tagged = (env: string) => ({ 'aws:ResourceTag/environment': env });

/** What an attacker holding `env`'s deploy role tries on `other`, and what `env`'s own job needs; each with the decision AWS must reach. */
function scenarios(env: string, other: string) {
  const own = role(env, 'x');
  const escalation: [string, Request][] = [
    ['create a role without a boundary', { action: 'iam:CreateRole', resource: own }],
    ['create a role with the other environment\'s boundary', { action: 'iam:CreateRole', resource: own, context: { 'iam:PermissionsBoundary': boundaryArn(other) } }],
    ['create a role under the other environment\'s prefix', { action: 'iam:CreateRole', resource: role(other, 'x'), context: { 'iam:PermissionsBoundary': boundaryArn(env) } }],
    ['create a CI role', { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/${ciRoleName(project, 'plan')}x`, context: { 'iam:PermissionsBoundary': boundaryArn(env) } }],
    [
      'attach AdministratorAccess to its own bounded role',
      { action: 'iam:AttachRolePolicy', resource: own, context: { 'iam:PermissionsBoundary': boundaryArn(env), 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' } },
    ],
    ['rewrite its own boundary', { action: 'iam:CreatePolicyVersion', resource: boundaryArn(env) }],
    ['remove the boundary of its role', { action: 'iam:DeleteRolePermissionsBoundary', resource: own }],
  ];
  const otherResources: [string, Request][] = [
    ['EKS access entry on the other cluster', { action: 'eks:CreateAccessEntry', resource: cluster(other) }],
    ['anything on a resource tagged for the other environment', { action: 'ec2:TerminateInstances', resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`, context: tagged(other) }],
    ['a resource created tagged for the other environment', { action: 'ec2:CreateVolume', resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`, context: { 'aws:RequestTag/environment': other } }],
    ['the other environment\'s secrets', { action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${other}/hono-api-AbCdEf` }],
    ['the other environment\'s state', { action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/${project}/app-${other}.tfstate` }],
    ['the shared stacks\' state', { action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/${project}/ci-identity.tfstate` }],
    ['push to the shared registry', { action: 'ecr:PutImage', resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/hono-api`, context: tagged('shared') }],
    ['delete images of the shared registry', { action: 'ecr:BatchDeleteImage', resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/hono-api`, context: tagged('shared') }],
    ['schedule the deletion of a shared key', { action: 'kms:ScheduleKeyDeletion', resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/registry-key`, context: tagged('shared') }],
    ['point the state key\'s alias elsewhere', { action: 'kms:UpdateAlias', resource: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/${stateKmsAlias(project)}` }],
    ...CLUSTER_NAME_TAGS.map((key): [string, Request] => [
      `a resource AWS tagged ${key} for the other cluster (and nothing else)`,
      { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/k8s-x/0123456789abcdef`, context: { [`aws:ResourceTag/${key}`]: clusterName(project, other) } },
    ]),
    ['the other cluster\'s security group, tagged by EKS only', { action: 'ec2:AuthorizeSecurityGroupIngress', resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0123456789abcdef0`, context: { 'aws:ResourceTag/aws:eks:cluster-name': clusterName(project, other) } }],
    ['the other node group\'s Auto Scaling group, tagged by EKS only', { action: 'autoscaling:UpdateAutoScalingGroup', resource: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:0123:autoScalingGroupName/eks-nodes-0123`, context: { 'aws:ResourceTag/eks:cluster-name': clusterName(project, other) } }],
    ['records in the other environment\'s hosted zone', { action: 'route53:ChangeResourceRecordSets', resource: `arn:aws:route53:::hostedzone/${config.environments[other as keyof typeof config.environments].dns!.hostedZoneId}` }],
    ['tag a new resource as shared', { action: 'ec2:CreateVolume', resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`, context: { 'aws:RequestTag/environment': 'shared' } }],
  ];
  const ownJob: [string, Request][] = [
    ['create a role under its prefix with its boundary', { action: 'iam:CreateRole', resource: own, context: { 'iam:PermissionsBoundary': boundaryArn(env) } }],
    ...ENVIRONMENT_MANAGED_POLICIES.map(
      (policy): [string, Request] => [`attach ${policy}`, { action: 'iam:AttachRolePolicy', resource: own, context: { 'iam:PermissionsBoundary': boundaryArn(env), 'iam:PolicyARN': `arn:aws:iam::aws:policy/${policy}` } }],
    ),
    ['attach its own customer-managed policy', { action: 'iam:AttachRolePolicy', resource: own, context: { 'iam:PermissionsBoundary': boundaryArn(env), 'iam:PolicyARN': `arn:aws:iam::${ACCOUNT}:policy/${project}-${env}-pods` } }],
    ['manage its own cluster', { action: 'eks:CreateAccessEntry', resource: cluster(env) }],
    ['change its own tagged resources', { action: 'ec2:TerminateInstances', resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`, context: tagged(env) }],
    ['read its own secrets', { action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${env}/hono-api-AbCdEf` }],
    ['write its own state', { action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/${project}/app-${env}.tfstate` }],
    ['encrypt its state with the shared state key', { action: 'kms:GenerateDataKey', resource: STATE_KEY_ARN, context: tagged('shared'), resourcePolicy: stateKey }],
    ['records in its own hosted zone', { action: 'route53:ChangeResourceRecordSets', resource: `arn:aws:route53:::hostedzone/${config.environments[env as keyof typeof config.environments].dns!.hostedZoneId}` }],
    ['its own cluster\'s load balancers', { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/k8s-x/0123456789abcdef`, context: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': clusterName(project, env) } }],
    ['read the shared registry (the app stack resolves its image)', { action: 'ecr:DescribeImages', resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/hono-api`, context: tagged('shared') }],
  ];
  return { escalation, otherResources, ownJob };
}

/** A role the deploy role of `env` could create and make as powerful as it may: AdministratorAccess inside `boundary`. */
const escalated = (env: string, boundary: PolicyDocument): Principal => ({ name: `${project}-${env}-escalated`, identity: [managedPolicy('AdministratorAccess')], boundary });

/** The boundary as it was before this change: no environment denies. */
const BOUNDARY_BEFORE: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'AllButIdentityAndAccount', Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    { Sid: 'ReadIamAndServiceLinkedRoles', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'iam:CreateServiceLinkedRole'], Resource: '*' },
  ],
};

describe('the policies under evaluation', () => {
  it('are those of the fork\'s account, with one boundary per environment', () => {
    expect(ACCOUNT).toBe(FORK_ACCOUNT);
    expect(resources(ci, 'aws_iam_policy').map((p) => p.attrs.name).sort()).toEqual(ENVIRONMENTS.map((e) => workloadBoundaryName(project, e)).sort());
  });
});

describe('what the environments attach', () => {
  it('every managed policy an environment stack attaches is one the deploy role may attach (iam:PolicyARN), or its own', () => {
    for (const env of ENVIRONMENTS)
      for (const id of platform.ids.filter((i) => i.endsWith(`-${env}`)))
        for (const a of resources(platform.json(id), 'aws_iam_role_policy_attachment')) {
          const arn = String(a.attrs.policy_arn);
          const awsManaged = /:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
          expect(awsManaged ? (ENVIRONMENT_MANAGED_POLICIES as readonly string[]).includes(awsManaged) : arn.includes(`:policy/${project}-${env}-`), `${id}: ${arn}`).toBe(true);
        }
  });
});

describe.each(pairs)('deploy-%s against %s', (env, other) => {
  let deployer: Principal;
  let boundary: PolicyDocument;
  const { escalation, otherResources, ownJob } = scenarios(env, other);
  const denied = (d: Decision) => d !== 'Allowed';

  beforeAll(() => {
    deployer = ciRole(ci, ciRoleName(project, `deploy-${env}`));
    boundary = boundaryPolicy(ci, workloadBoundaryName(project, env));
  });

  it.each(escalation)('escalation step refused: %s', async (_, request) => {
    expect(denied(await decide(deployer, request))).toBe(true);
  });

  // Explicitly: refused by a deny written for it, not merely left unallowed (PowerUserAccess allows them all).
  it.each(otherResources)('the deploy role is refused: %s', async (_, request) => {
    expect(await decide(deployer, request)).toBe('ExplicitlyDenied');
  });

  it.each(otherResources)('a role it creates, even with AdministratorAccess, is refused by the boundary: %s', async (_, request) => {
    expect(await decide(escalated(env, boundary), request)).toBe('ExplicitlyDenied');
  });

  it.each(ownJob)('its own job is allowed: %s', async (_, request) => {
    expect(await decide(deployer, request)).toBe('Allowed');
  });

  it('the broken twin: through the boundary as it was, the escalated role reaches the other environment', async () => {
    const through = await Promise.all(otherResources.map(async ([what, request]) => [what, await decide(escalated(env, BOUNDARY_BEFORE), request)] as const));
    expect(through.filter(([, d]) => d === 'Allowed').map(([what]) => what)).toEqual(
      expect.arrayContaining(['EKS access entry on the other cluster', 'the other environment\'s secrets', 'the other environment\'s state', 'push to the shared registry', 'point the state key\'s alias elsewhere']),
    );
  });
});
