/**
 * What each CI role may do, as IAM statements. The ci-identity stack attaches them; the tests read
 * them to check that every data source a pull-request plan evaluates is covered (ci-identity tests).
 *
 * The state bucket holds one object per stack, `<project>/<stack>.tfstate` (constructs/backend.ts),
 * and environment stacks are named `<kind>-<environment>` (naming.ts), so "this environment's
 * state" is the key pattern `<project>/*-<environment>.tfstate`, plus its `.tflock` beside it.
 */
import type { PolicyStatement } from './github-oidc-role.js';

export interface StateBucket {
  readonly partition: string;
  readonly bucketName: string;
  readonly project: string;
  /** ARN of the state KMS key (SSE-KMS with an S3 Bucket Key: its encryption context is the bucket). */
  readonly keyArn: string;
}

/** The account-wide stacks, applied by an administrator (never by a CI role). */
export const SHARED_STACKS = ['state', 'registry', 'ci-identity'] as const;

const bucketArn = (s: StateBucket) => `arn:${s.partition}:s3:::${s.bucketName}`;
/** State objects of an environment's stacks, or of the shared stacks; `suffix` '*' adds the lock files. */
export const environmentStateObjects = (s: StateBucket, env: string, suffix = '') => `${bucketArn(s)}/${s.project}/*-${env}.tfstate${suffix}`;
export const sharedStateObjects = (s: StateBucket, suffix = '') => SHARED_STACKS.map((id) => `${bucketArn(s)}/${s.project}/${id}.tfstate${suffix}`);

/** Reading state: list the bucket, get the given objects, decrypt with the state key. */
export function stateRead(s: StateBucket, objects: readonly string[]): PolicyStatement[] {
  return [
    { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn(s) },
    { Sid: 'ReadState', Effect: 'Allow', Action: 's3:GetObject', Resource: objects },
    { Sid: 'DecryptState', Effect: 'Allow', Action: 'kms:Decrypt', Resource: s.keyArn },
  ];
}

/** Taking the S3-native lock (use_lockfile): a `.tflock` object beside the state. */
export function stateLock(s: StateBucket, locks: readonly string[]): PolicyStatement[] {
  return [
    { Sid: 'LockState', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: locks },
    { Sid: 'EncryptLock', Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey'], Resource: s.keyArn },
  ];
}

/**
 * What a pull-request plan reads beyond AWS's ViewOnlyAccess (metadata only). Those plans run
 * with -refresh=false, so Terraform calls AWS only for the data sources; each data source the
 * planned stacks use is listed here with the reads it makes, and a test fails on a data source
 * that is missing, or whose reads neither ViewOnlyAccess nor this list allows.
 */
export const PULL_REQUEST_DATA_SOURCE_READS: Readonly<Record<string, readonly string[]>> = {
  aws_availability_zones: ['ec2:DescribeAvailabilityZones'],
  aws_caller_identity: [], // sts:GetCallerIdentity needs no permission
  aws_ecr_image: ['ecr:DescribeImages'],
  aws_elb_service_account: [], // a table in the provider: no API call
  aws_secretsmanager_secrets: ['secretsmanager:ListSecrets'], // names only, never a value
  aws_ecr_repository: ['ecr:DescribeRepositories', 'ecr:DescribeImages', 'ecr:ListTagsForResource'],
  aws_eks_cluster: ['eks:DescribeCluster'],
  aws_iam_openid_connect_provider: ['iam:ListOpenIDConnectProviders', 'iam:GetOpenIDConnectProvider'],
  aws_kms_alias: ['kms:ListAliases', 'kms:DescribeKey'],
  aws_partition: [],
  aws_region: [],
  aws_route53_zone: ['route53:ListHostedZones', 'route53:GetHostedZone', 'route53:ListTagsForResource'],
  aws_subnets: ['ec2:DescribeSubnets'],
  aws_vpc: ['ec2:DescribeVpcs', 'ec2:DescribeVpcAttribute'],
};

/** The reads of PULL_REQUEST_DATA_SOURCE_READS that ViewOnlyAccess does not grant. */
export const PULL_REQUEST_EXTRA_READS = ['ecr:DescribeImages', 'ecr:ListTagsForResource', 'iam:GetOpenIDConnectProvider', 'kms:ListAliases', 'kms:DescribeKey', 'secretsmanager:ListSecrets'] as const;

/**
 * The AWS managed policies an environment's stacks attach to their roles (cluster, nodes, EBS CSI
 * driver): the deploy role may attach these and its environment's own customer-managed policies,
 * nothing else (`iam:PolicyARN`), so it cannot attach AdministratorAccess to a role it creates. A
 * synth test fails on an attachment missing here.
 */
export const ENVIRONMENT_MANAGED_POLICIES = [
  'AmazonEKSClusterPolicy',
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEC2ContainerRegistryReadOnly',
  'AmazonSSMManagedInstanceCore',
  'service-role/AmazonEBSCSIDriverPolicy',
] as const;

/**
 * What an environment may still do to the account-wide resources (tagged `environment: shared`):
 * read them, and use the state key for its own state. Every other action on them is denied, so no
 * environment can push to or delete from the registry, or change the registry's or state's keys.
 */
export const SHARED_RESOURCE_USES = [
  'ecr:Describe*',
  'ecr:List*',
  'ecr:BatchGetImage',
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'kms:Describe*',
  'kms:List*',
  'kms:Get*',
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  's3:Get*',
  's3:List*',
  's3:PutObject',
  's3:DeleteObject',
] as const;

export interface EnvironmentScope {
  readonly partition: string;
  readonly accountId: string;
  readonly environment: string;
  /** Every other environment: the deploy role of this one must not touch theirs. */
  readonly others: readonly string[];
  readonly clusterName: (env: string) => string;
  readonly secretsPrefix: (env: string) => string;
  /** The tag key the tagging aspect puts on every resource, naming its environment. */
  readonly environmentTag: string;
  /** The tag value of the account-wide resources. */
  readonly sharedTag: string;
  /** The state key's alias name, without `alias/` (backends name the key by it). */
  readonly stateKeyAlias: string;
  /** The prefix of an environment's S3 bucket names (`<project>-<env>-`): S3 buckets are denied by name. */
  readonly bucketPrefix: (env: string) => string;
  /** Each environment's public hosted zone id, where it has one: its records are that environment's. */
  readonly hostedZoneIds: Readonly<Record<string, string | undefined>>;
}

/**
 * Tags AWS and the cluster's controllers put on what they create for a cluster, naming it: the
 * cluster security group (EKS), the node group's Auto Scaling group (EKS managed node groups), the
 * load balancers, target groups and listeners (AWS Load Balancer Controller). Denied by these for
 * another environment's cluster, even where our own environment tag is missing. The VPC CNI tags
 * the network interfaces it creates for pods with `cluster.k8s.amazonaws.com/name`.
 */
export const CLUSTER_NAME_TAGS = ['aws:eks:cluster-name', 'eks:cluster-name', 'elbv2.k8s.aws/cluster', 'cluster.k8s.amazonaws.com/name'] as const;

/**
 * Denies that confine an environment's deploy role (which holds PowerUserAccess) and every role its
 * stacks create (through the environment's permissions boundary) to that environment: nothing
 * tagged with another environment, no new resource tagged for one or as shared, only reads and state
 * encryption on the shared resources, none of the other environments' EKS clusters (by name), Secrets
 * Manager secrets (by prefix) or state objects, and no change to the state bucket, its key or the
 * key's alias. An explicit Deny wins over every Allow, the managed policy's included.
 */
export function environmentConfinement(scope: EnvironmentScope, state: StateBucket): PolicyStatement[] {
  const { partition, accountId, others, environmentTag, sharedTag } = scope;
  const tag = `aws:ResourceTag/${environmentTag}`;
  const requestTag = `aws:RequestTag/${environmentTag}`;
  const otherZones = others.flatMap((e) => scope.hostedZoneIds[e] ?? []).filter((id, i, all) => all.indexOf(id) === i && id !== scope.hostedZoneIds[scope.environment]);
  const otherEnvironments: PolicyStatement[] =
    others.length === 0
      ? []
      : [
          { Sid: 'NotOtherEnvironmentsResources', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { [tag]: [...others] } } },
          {
            Sid: 'NotOtherClusters',
            Effect: 'Deny',
            Action: 'eks:*',
            // cluster/<name>, and nodegroup/<name>/…, addon/<name>/…, access-entry/<name>/… and the like.
            Resource: others.flatMap((e) => [`arn:${partition}:eks:*:${accountId}:cluster/${scope.clusterName(e)}`, `arn:${partition}:eks:*:${accountId}:*/${scope.clusterName(e)}/*`]),
          },
          {
            Sid: 'NotOtherSecrets',
            Effect: 'Deny',
            Action: 'secretsmanager:*',
            Resource: others.map((e) => `arn:${partition}:secretsmanager:*:${accountId}:secret:${scope.secretsPrefix(e)}*`),
          },
          { Sid: 'NotOtherState', Effect: 'Deny', Action: 's3:*', Resource: others.map((e) => environmentStateObjects(state, e, '*')) },
          // Bucket policies and settings are not covered by tag conditions: deny the other environments' buckets by name.
          { Sid: 'NotOtherBuckets', Effect: 'Deny', Action: 's3:*', Resource: others.flatMap((e) => [`arn:${partition}:s3:::${scope.bucketPrefix(e)}*`]) },
          ...CLUSTER_NAME_TAGS.map(
            (key, i): PolicyStatement => ({ Sid: `NotOtherClustersResources${i + 1}`, Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { [`aws:ResourceTag/${key}`]: others.map(scope.clusterName) } } }),
          ),
          ...(otherZones.length > 0 ? [{ Sid: 'NotOtherZones', Effect: 'Deny' as const, Action: 'route53:*', Resource: otherZones.map((id) => `arn:${partition}:route53:::hostedzone/${id}`) }] : []),
        ];
  return [
    ...otherEnvironments,
    { Sid: 'NotForOtherEnvironments', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { [requestTag]: [...others, sharedTag] } } },
    { Sid: 'OnlyUseSharedResources', Effect: 'Deny', NotAction: [...SHARED_RESOURCE_USES], Resource: '*', Condition: { StringEquals: { [tag]: sharedTag } } },
    { Sid: 'NotSharedState', Effect: 'Deny', Action: 's3:*', Resource: sharedStateObjects(state, '*') },
    {
      Sid: 'NotTheStateBucketItself',
      Effect: 'Deny',
      Action: [
        's3:DeleteBucket*',
        's3:PutBucket*',
        's3:PutEncryptionConfiguration',
        's3:PutLifecycleConfiguration',
        's3:PutReplicationConfiguration',
        's3:PutInventoryConfiguration',
        's3:PutAnalyticsConfiguration',
        's3:PutMetricsConfiguration',
        's3:PutIntelligentTieringConfiguration',
        's3:PutAccelerateConfiguration',
      ],
      Resource: bucketArn(state),
    },
    {
      // Registry-wide settings carry no tag: replication or a pull-through rule would copy every
      // image of the shared registry elsewhere.
      Sid: 'NotTheRegistrySettings',
      Effect: 'Deny',
      Action: ['ecr:PutRegistryPolicy', 'ecr:DeleteRegistryPolicy', 'ecr:PutReplicationConfiguration', 'ecr:CreatePullThroughCacheRule', 'ecr:PutRegistryScanningConfiguration'],
      Resource: '*',
    },
    { Sid: 'NotTheStateKeyItself', Effect: 'Deny', Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:CreateGrant'], Resource: state.keyArn },
    {
      // PowerUserAccess may make existing resources run code with their own roles, whatever
      // environment (or none) they belong to: change a Lambda function or a Glue dev endpoint
      // (cloudsplaining names both, cloudsplaining.test.ts), start a CodeBuild build with its
      // buildspec overridden, a Step Functions execution, a CloudFormation stack update with its
      // service role, an SSM Automation. The stacks use none of these services.
      Sid: 'NotServicesTheStacksDoNotUse',
      Effect: 'Deny',
      Action: ['lambda:*', 'glue:*', 'codebuild:*', 'states:*', 'cloudformation:*', 'ssm:StartAutomationExecution'],
      Resource: '*',
    },
    {
      // Backends name the state key by alias: pointing the alias at another key would encrypt every
      // later state write with a key the environment controls.
      Sid: 'NotTheStateKeyAlias',
      Effect: 'Deny',
      Action: ['kms:CreateAlias', 'kms:UpdateAlias', 'kms:DeleteAlias'],
      Resource: [`arn:${partition}:kms:*:${accountId}:alias/${scope.stateKeyAlias}`, state.keyArn],
    },
  ];
}

/**
 * The permissions boundary of an environment's roles: everything but identity, organisation and
 * account changes, minus that environment's confinement. Whatever policy an apply attaches to a role
 * it creates, the role can do no more than this.
 */
export function workloadBoundary(scope: EnvironmentScope, state: StateBucket): PolicyStatement[] {
  return [
    { Sid: 'AllButIdentityAndAccount', Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    { Sid: 'ReadIamAndServiceLinkedRoles', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'iam:CreateServiceLinkedRole'], Resource: '*' },
    ...environmentConfinement(scope, state),
  ];
}
