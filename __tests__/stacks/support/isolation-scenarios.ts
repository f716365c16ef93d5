/**
 * What an attacker holding one environment's deploy role tries on another, and what the role's own
 * job needs, as requests for the IAM evaluator (iam-evaluate.ts). Shared by the evaluation of the
 * synthesised policies (iam-isolation.test.ts) and of the policies read back from the AWS emulator
 * after the bootstrap's apply (bootstrap.test.ts).
 */
import { CLUSTER_NAME_TAGS, ENVIRONMENT_MANAGED_POLICIES } from '../../../stacks/constructs/ci-role-policies.js';
import { ciRoleName, clusterName, stateKmsAlias, workloadBoundaryName, albLogBucketName } from '../../../stacks/naming.js';
import type { PolicyDocument, Request } from './iam-evaluate.js';

export interface IsolationContext {
  readonly account: string;
  readonly region: string;
  readonly project: string;
  readonly stateBucket: string;
  readonly stateKeyArn: string;
  /** The state key's policy (KMS evaluates it with the identity policies). */
  readonly stateKeyPolicy: PolicyDocument;
  readonly hostedZoneId: (env: string) => string | undefined;
}

export function isolationScenarios(c: IsolationContext, env: string, other: string) {
  const { account: ACCOUNT, region: REGION, project, stateBucket: BUCKET } = c;
  const role = (e: string, name: string) => `arn:aws:iam::${ACCOUNT}:role/${project}-${e}-${name}`;
  const boundaryArn = (e: string) => `arn:aws:iam::${ACCOUNT}:policy/${workloadBoundaryName(project, e)}`;
  const cluster = (e: string) => `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${clusterName(project, e)}`;
  const tagged = (e: string) => ({ 'aws:ResourceTag/environment': e });
  const zone = (e: string) => c.hostedZoneId(e) ?? 'NOZONE';

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
    ['the other environment\'s ALB access-log bucket (bucket policies carry no tag condition)', { action: 's3:PutBucketPolicy', resource: `arn:aws:s3:::${albLogBucketName(project, other, ACCOUNT)}` }],
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
    ['records in the other environment\'s hosted zone', { action: 'route53:ChangeResourceRecordSets', resource: `arn:aws:route53:::hostedzone/${zone(other)}` }],
    ['change the code of any Lambda function (it runs with its own role)', { action: 'lambda:UpdateFunctionCode', resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:anything` }],
    ['update a Glue dev endpoint (it runs with its own role)', { action: 'glue:UpdateDevEndpoint', resource: `arn:aws:glue:${REGION}:${ACCOUNT}:devEndpoint/anything` }],
    ['start a CodeBuild build (it runs with the project\'s role)', { action: 'codebuild:StartBuild', resource: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/anything` }],
    ['start a Step Functions execution (it runs with the machine\'s role)', { action: 'states:StartExecution', resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:anything` }],
    ['update a CloudFormation stack (it runs with its service role)', { action: 'cloudformation:UpdateStack', resource: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/anything/0123` }],
    ['replicate the shared registry elsewhere', { action: 'ecr:PutReplicationConfiguration', resource: '*' }],
    ['an inventory export of the state bucket', { action: 's3:PutInventoryConfiguration', resource: `arn:aws:s3:::${BUCKET}` }],
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
    ['encrypt its state with the shared state key', { action: 'kms:GenerateDataKey', resource: c.stateKeyArn, context: tagged('shared'), resourcePolicy: c.stateKeyPolicy }],
    ['records in its own hosted zone', { action: 'route53:ChangeResourceRecordSets', resource: `arn:aws:route53:::hostedzone/${zone(env)}` }],
    ['its own cluster\'s load balancers', { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/k8s-x/0123456789abcdef`, context: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': clusterName(project, env) } }],
    ['read the shared registry (the app stack resolves its image)', { action: 'ecr:DescribeImages', resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/hono-api`, context: tagged('shared') }],
  ];
  return { escalation, otherResources, ownJob };
}
