/**
 * The typed platform configuration: one object per environment plus what the environments share.
 * Values are checked by validate.ts before any construct is built.
 */
import type { ComponentSupport } from './support-calendar.js';

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
  /** EC2 detailed (1-minute) monitoring, billed per instance; off, Prometheus's node-exporter already samples every node. */
  readonly detailedMonitoring: boolean;
}

/** EKS control-plane log types (EKS API, LogSetup). */
export type ControlPlaneLogType = 'api' | 'audit' | 'authenticator' | 'controllerManager' | 'scheduler';

export interface AddonVersions {
  /** The Kubernetes minor these versions were published for (`aws eks describe-addon-versions --kubernetes-version`). */
  readonly kubernetesVersion: string;
  readonly vpcCni: string;
  readonly coredns: string;
  readonly kubeProxy: string;
  readonly podIdentityAgent: string;
  readonly metricsServer: string;
  /** The EBS CSI driver: persistent volumes (Prometheus, Alertmanager and Grafana in prod). */
  readonly ebsCsiDriver: string;
}

export interface ClusterConfig {
  /** Kubernetes minor version, e.g. "1.36": one of stacks/config/support-calendar.ts, in EKS standard support. */
  readonly version: string;
  /** Whether the API server has a public endpoint (the private one is always on). */
  readonly publicEndpoint: boolean;
  /** CIDRs allowed to reach the public endpoint. Must not be empty in prod when it is public. */
  readonly publicAccessCidrs: readonly string[];
  /** Days to keep control-plane logs. */
  readonly logRetentionDays: number;
  /**
   * Control-plane logs sent to CloudWatch, each billed per GB ingested. `audit` (who did what) is
   * required everywhere; prod keeps all five.
   */
  readonly logTypes: readonly ControlPlaneLogType[];
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
  /** Seconds each flow log record aggregates: 600 (AWS's default, fewer records) or 60. */
  readonly flowLogAggregationSeconds: 60 | 600;
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
  /**
   * Public host name for the ingress. Unset: api.<dns.domain> when the environment has `dns`,
   * otherwise the ALB's own DNS name, without TLS.
   */
  readonly host?: string;
  /** Messages the service answers on / and /api. */
  readonly rootMessage: string;
  readonly apiMessage: string;
}

/**
 * Public DNS of an environment: the Route53 hosted zone ExternalDNS writes records to and TLS
 * certificates are validated in. Fork checklist: a real public zone you own.
 */
export interface DnsConfig {
  /** Domain of the public hosted zone, e.g. "dev.example.com"; the API is published as api.<domain>. */
  readonly domain: string;
  /** Route53 hosted zone id of that domain, e.g. "Z0123456789ABCDEFGHIJ" (without "/hostedzone/"). */
  readonly hostedZoneId: string;
}

/** ExternalDNS policy: upsert-only never deletes records, sync also deletes the ones it owns. */
export type ExternalDnsPolicy = 'upsert-only' | 'sync';

export type AcmeServer = 'production' | 'staging';

/**
 * How the API's host gets a certificate.
 *
 * - `acm` (default): the ALB terminates TLS with an ACM certificate. The platform stack requests a
 *   DNS-validated certificate for the host in the hosted zone (unless `certificateArn` names an
 *   existing one, which the ingress then pins); the AWS Load Balancer Controller finds it by host.
 * - `acme`: cert-manager with a Let's Encrypt ClusterIssuer solving DNS-01 in the hosted zone; the
 *   ingress asks for a certificate with `cert-manager.io/cluster-issuer`. The certificate lands in
 *   a Kubernetes Secret, which TLS terminated in the cluster can use (another ingress class, a
 *   Gateway, mTLS between services); an ALB cannot serve a Secret, it only serves ACM certificates,
 *   so validation refuses `acme` while the app's Ingress is the ALB (today, always).
 * - `none`: plain HTTP on the load balancer's own name.
 */
export type TlsConfig =
  | { readonly mode: 'none' }
  | { readonly mode: 'acm'; readonly certificateArn?: string }
  | { readonly mode: 'acme'; readonly email: string; readonly server: AcmeServer };

export interface ObservabilityConfig {
  /** kube-prometheus-stack: Prometheus, Alertmanager, Grafana (and the app's ServiceMonitor, rules, dashboard). */
  readonly enabled: boolean;
  /** How long Prometheus keeps samples, e.g. "15d" (a Prometheus duration). */
  readonly retention: string;
  /** Size cap for the Prometheus data, in GiB; its volume is half as large again. */
  readonly retentionSizeGiB: number;
  /**
   * Where Prometheus, Alertmanager and Grafana keep their data. `persistent`: EBS volumes of the
   * platform's gp3 StorageClass (the cluster stack installs the EBS CSI driver), surviving pod
   * restarts and node replacement; required in prod. `ephemeral`: the node's disk (emptyDir),
   * lost whenever the pod moves; cheaper, for dev.
   */
  readonly storage: 'persistent' | 'ephemeral';
  /**
   * Who gets the alerts: email addresses subscribed to the environment's SNS topic
   * (`<project>-<env>-alerts`, where Alertmanager sends every alert and a daily heartbeat). Each
   * address confirms its subscription once. Empty: subscribe PagerDuty, Chatbot or a mailing list
   * to the topic yourself.
   */
  readonly alertEmails: readonly string[];
}

/**
 * The ALB the controller creates for the app's Ingress, hardened from here (Security Hub ELB.4, 5
 * and 6): invalid header fields dropped and access logs on, always; deletion protection per
 * environment; a TLS 1.3 policy (ALB_TLS_POLICY).
 */
export interface LoadBalancerConfig {
  readonly enabled: boolean;
  /** Refuse to delete the ALB (prod): removing the Ingress then fails until it is turned off. */
  readonly deletionProtection: boolean;
  /** Days the access logs stay in the platform stack's bucket `<project>-<env>-alb-logs-<account>`. */
  readonly accessLogDays: number;
}

/** The platform-<env> stack: which add-ons run in the environment's cluster. */
export interface PlatformAddonsConfig {
  /** AWS Load Balancer Controller: turns the app's Ingress into an ALB (and LoadBalancer Services into NLBs). */
  readonly loadBalancerController: LoadBalancerConfig;
  /** ExternalDNS: publishes ingress hosts in the hosted zone (needs `dns`). */
  readonly externalDns: { readonly enabled: boolean; readonly policy: ExternalDnsPolicy };
  /** External Secrets Operator with a ClusterSecretStore for Secrets Manager `<env>/*`. */
  readonly externalSecrets: { readonly enabled: boolean };
  /** Certificates for the API host (needs `dns` unless `none`). */
  readonly tls: TlsConfig;
  readonly observability: ObservabilityConfig;
}

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  readonly region: string;
  /** If set, Terraform refuses to run against any other account (the provider's allowed_account_ids). */
  readonly allowedAccountIds: readonly string[];
  /**
   * The age public key (age1…) deploy.yml's plan job seals this environment's saved plans to. Its
   * private key is the secret PLAN_AGE_IDENTITY of the GitHub environment of the same name, which
   * GitHub releases to the apply job only after a reviewer approves (scripts/ci/seal-plans.sh).
   * Empty until generated: `age-keygen -o <env>-plan.key` (README: Deploying, one-time setup).
   */
  readonly planRecipient: string;
  readonly network: NetworkConfig;
  readonly cluster: ClusterConfig;
  readonly app: AppConfig;
  /** Public DNS for the API host; unset means the load balancer's own name, without TLS. */
  readonly dns?: DnsConfig;
  /** Add-ons of the platform-<env> stack. */
  readonly platform: PlatformAddonsConfig;
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
    /**
     * GitHub's numeric ids of the repository's owner and of the repository, which the immutable
     * OIDC subject carries (`repo:OWNER@OWNER_ID/REPO@REPO_ID:…`). Read them with
     * `gh api repos/OWNER/REPO --jq '{owner: .owner.id, repository: .id}'`. 0 means not filled in.
     */
    readonly ids: { readonly owner: number; readonly repository: number };
    /**
     * Also trust the older name-only subject (`repo:OWNER/REPO:…`). GitHub still issues it only to
     * a repository created before 2026-07-15 and never renamed or transferred since (a fork is a
     * new repository). Default false: a name can be taken over after a rename, an id cannot.
     */
    readonly nameOnlySubject: boolean;
    /** Branch whose pushes may plan (drift detection) and deploy dev. */
    readonly mainBranch: string;
    /**
     * The account's IAM OIDC provider for token.actions.githubusercontent.com. An account holds one
     * per URL, so creating a second fails with EntityAlreadyExists. `create` (default): ci-identity
     * creates it. `existing`: it looks the account's provider up and trusts that one. Find out with
     * `aws iam list-open-id-connect-providers`.
     */
    readonly oidcProvider: 'create' | 'existing';
  };
}

/** One upstream Helm chart, pinned to an exact version. */
export interface ChartPin {
  /** Chart repository URL (https). */
  readonly repository: string;
  readonly chart: string;
  /** Exact chart version: never a range, a wildcard or "latest". */
  readonly version: string;
  /** The application version that chart version ships (documentation; Helm does not check it). */
  readonly appVersion: string;
  /** Where the version pair was confirmed. */
  readonly source: string;
  /** What upstream says this version supports (Kubernetes minors, end of support); validation holds the cluster to it. */
  readonly support: ComponentSupport;
}

export type AddonChart = 'awsLoadBalancerController' | 'externalDns' | 'certManager' | 'externalSecrets' | 'kubePrometheusStack';
export type PlatformCharts = Readonly<Record<AddonChart, ChartPin>>;

export interface PlatformConfig {
  /** Project name: prefixes resource names and tags. */
  readonly project: string;
  /** Upstream charts of the platform stacks (stacks/config/charts.ts). */
  readonly charts: PlatformCharts;
  readonly state: StateConfig;
  readonly shared: SharedConfig;
  readonly environments: Readonly<Record<EnvironmentName, EnvironmentConfig>>;
}
