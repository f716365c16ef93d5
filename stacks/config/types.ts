/**
 * The typed platform configuration: one object per environment plus what the environments share.
 * Values are checked by validate.ts before any construct is built.
 */

export type EnvironmentName = 'dev' | 'staging' | 'prod';

export type NatMode = 'single' | 'per-az';
export type CapacityType = 'ON_DEMAND' | 'SPOT';

export interface NodeGroupConfig {
  /** EC2 instance types, most preferred first; several types make spot capacity more reliable. */
  readonly instanceTypes: readonly string[];
  readonly capacityType: CapacityType;
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  /** Root volume size in GiB (gp3, encrypted). */
  readonly diskSizeGiB: number;
}

export interface AddonVersions {
  readonly vpcCni: string;
  readonly coredns: string;
  readonly kubeProxy: string;
  readonly podIdentityAgent: string;
  readonly metricsServer: string;
}

export interface ClusterConfig {
  /** Kubernetes minor version, e.g. "1.32". */
  readonly version: string;
  /** Whether the API server has a public endpoint (the private one is always on). */
  readonly publicEndpoint: boolean;
  /** CIDRs allowed to reach the public endpoint. Must not be empty in prod when it is public. */
  readonly publicAccessCidrs: readonly string[];
  /** Days to keep control-plane logs. */
  readonly logRetentionDays: number;
  readonly nodes: NodeGroupConfig;
  readonly addons: AddonVersions;
  /** Extra IAM principals (role ARNs) given cluster-admin through access entries, e.g. an SSO admin role. */
  readonly adminPrincipalArns: readonly string[];
}

export interface NetworkConfig {
  readonly vpcCidr: string;
  /** Availability zones to use (2 or 3); local and wavelength zones are never chosen. */
  readonly azCount: number;
  /** One NAT gateway for the VPC (cheap, one AZ's failure cuts egress) or one per AZ. */
  readonly natMode: NatMode;
  /** Days to keep VPC flow logs. */
  readonly flowLogRetentionDays: number;
}

export interface AppConfig {
  /** Helm release name (≤ 53 characters, a Helm limit). */
  readonly releaseName: string;
  readonly namespace: string;
  readonly replicas: number;
  /** Immutable image tag deployed; the deploy workflow overrides it with the released version. */
  readonly imageTag: string;
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
  };
  /** Public host name for the ingress; unset means the ALB's own DNS name, without TLS. */
  readonly host?: string;
  /** Messages the service answers on / and /api. */
  readonly rootMessage: string;
  readonly apiMessage: string;
}

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  readonly region: string;
  /** If set, Terraform refuses to run against any other account (the provider's allowed_account_ids). */
  readonly allowedAccountIds: readonly string[];
  readonly network: NetworkConfig;
  readonly cluster: ClusterConfig;
  readonly app: AppConfig;
  /** Extra tags for every taggable resource in this environment. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface StateConfig {
  /** Globally unique S3 bucket name for Terraform state. */
  readonly bucketName: string;
  readonly region: string;
  /** Days to keep noncurrent state versions (the history a bad apply can be rolled back to). */
  readonly noncurrentVersionExpirationDays: number;
  /** Also create a DynamoDB lock table, for Terraform older than 1.10 (S3-native locking is used regardless). */
  readonly dynamodbLockTable: boolean;
}

export interface SharedConfig {
  readonly region: string;
  readonly allowedAccountIds: readonly string[];
  readonly registry: {
    readonly repositoryName: string;
    /** Release images (version tags such as 1.4.0) kept by the lifecycle policy. */
    readonly keepReleaseImages: number;
    /** Days after which untagged images expire. */
    readonly untaggedExpiryDays: number;
  };
  readonly github: {
    /** owner/name of the repository whose workflows may assume the CI roles. */
    readonly repository: string;
    /** Branch whose pushes may plan (drift detection) and deploy dev. */
    readonly mainBranch: string;
  };
}

export interface PlatformConfig {
  /** Project name: prefixes resource names and tags. */
  readonly project: string;
  readonly state: StateConfig;
  readonly shared: SharedConfig;
  readonly environments: Readonly<Record<EnvironmentName, EnvironmentConfig>>;
}
