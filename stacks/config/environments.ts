/**
 * The platform's environments, in one place. Each environment is the shared defaults with its own
 * differences spread over them (`{ ...defaults, ...overrides }`), so what differs between dev and
 * prod is exactly what is written below each name.
 *
 * Fork checklist: set `state.bucketName` (globally unique), `shared.github.repository`,
 * `shared.github.oidcProvider` ("existing" when the account already has GitHub's), the
 * `allowedAccountIds`, the prod `publicAccessCidrs`, and each environment's `dns` (a public
 * Route53 zone you own and its id: the example.com zones below are placeholders, and the
 * platform stack's plan fails until they are real) or delete `dns` to serve the API on the load
 * balancer's own name without TLS. With External Secrets on, create the secret `<env>/hono-api`
 * (`{"metricsAuthToken": "…"}`) in Secrets Manager before deploying the app.
 */
import { CHARTS } from './charts.js';
import type { AddonVersions, AppConfig, ClusterConfig, DnsConfig, EnvironmentConfig, NetworkConfig, PlatformAddonsConfig, PlatformConfig } from './types.js';

const PROJECT = 'hono-api';
const REGION = 'eu-west-1';

/** The Kubernetes minor of every cluster: the newest EKS offers that every platform chart supports (support-calendar.ts). */
// renovate: datasource=endoflife-date depName=amazon-eks
const KUBERNETES_VERSION = '1.36';

/**
 * EKS add-on versions published for each Kubernetes minor the platform has run, newest last.
 * Refresh with `aws eks describe-addon-versions --kubernetes-version 1.36 --addon-name <name>`;
 * Renovate's aws-eks-addon datasource proposes new builds (renovate.json5). Sources, read
 * 2026-12-07: kube-proxy from AWS's "Manage kube-proxy" version table; the others from
 * `describe-addon-versions` output for 1.35/1.36 quoted in public repositories (Sep–Oct 2026).
 */
export const EKS_ADDONS: Readonly<Record<string, AddonVersions>> = {
  '1.36': {
    kubernetesVersion: '1.36',
    // renovate: eksAddonsFilter={"kubernetesVersion":"1.36","addonName":"vpc-cni"}
    vpcCni: 'v1.23.2-eksbuild.1',
    // renovate: eksAddonsFilter={"kubernetesVersion":"1.36","addonName":"coredns"}
    coredns: 'v1.14.6-eksbuild.4',
    // renovate: eksAddonsFilter={"kubernetesVersion":"1.36","addonName":"kube-proxy"}
    kubeProxy: 'v1.36.0-eksbuild.14',
    // renovate: eksAddonsFilter={"kubernetesVersion":"1.36","addonName":"eks-pod-identity-agent"}
    podIdentityAgent: 'v1.4.0-eksbuild.2',
    // renovate: eksAddonsFilter={"kubernetesVersion":"1.36","addonName":"metrics-server"}
    metricsServer: 'v0.9.0-eksbuild.11',
    // renovate: eksAddonsFilter={"kubernetesVersion":"1.36","addonName":"aws-ebs-csi-driver"}
    ebsCsiDriver: 'v1.66.0-eksbuild.1',
  },
};

const defaultNetwork: NetworkConfig = {
  vpcCidr: '10.0.0.0/16',
  azCount: 3,
  natMode: 'per-az',
  flowLogRetentionDays: 365,
  flowLogAggregationSeconds: 600,
};

const defaultCluster: ClusterConfig = {
  version: KUBERNETES_VERSION,
  // The API server is public so that GitHub-hosted runners (no fixed addresses) can plan and
  // apply the platform and app stacks; IAM authenticates every request and access entries
  // authorise it. Narrow it to your runners' and offices' public ranges when CI runs on runners
  // with fixed egress (README: "Who can reach the cluster API").
  publicEndpoint: true,
  publicAccessCidrs: ['0.0.0.0/0'],
  logRetentionDays: 365,
  logTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
  nodes: {
    instanceTypes: ['m7i.large', 'm6i.large'],
    capacityType: 'ON_DEMAND',
    minSize: 3,
    desiredSize: 3,
    maxSize: 6,
    diskSizeGiB: 50,
    detailedMonitoring: false,
  },
  addons: EKS_ADDONS[KUBERNETES_VERSION]!,
  adminPrincipalArns: [],
};

const defaultApp: AppConfig = {
  releaseName: PROJECT,
  namespace: PROJECT,
  replicas: 3,
  imageTag: '0.1.0',
  resources: { requests: { cpu: '100m', memory: '96Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  rootMessage: 'Hello from hono-api',
  apiMessage: 'Hello from the hono-api API',
};

/**
 * Every add-on on: the ALB controller, DNS records and an ACM certificate for the API host,
 * secrets from Secrets Manager, and Prometheus/Alertmanager/Grafana.
 */
const defaultPlatform: PlatformAddonsConfig = {
  loadBalancerController: { enabled: true, deletionProtection: false, accessLogDays: 30 },
  externalDns: { enabled: true, policy: 'upsert-only' },
  externalSecrets: { enabled: true },
  tls: { mode: 'acm' },
  observability: { enabled: true, retention: '15d', retentionSizeGiB: 20, storage: 'persistent', alertEmails: [] },
};

const environment = (
  name: EnvironmentConfig['name'],
  overrides: {
    network?: Partial<NetworkConfig>;
    cluster?: Partial<ClusterConfig>;
    nodes?: Partial<ClusterConfig['nodes']>;
    app?: Partial<AppConfig>;
    dns?: DnsConfig;
    platform?: Partial<PlatformAddonsConfig>;
    region?: string;
    allowedAccountIds?: readonly string[];
    planRecipient?: string;
    tags?: Record<string, string>;
  },
): EnvironmentConfig => ({
  name,
  region: overrides.region ?? REGION,
  allowedAccountIds: overrides.allowedAccountIds ?? [],
  planRecipient: overrides.planRecipient ?? '',
  network: { ...defaultNetwork, ...overrides.network },
  cluster: {
    ...defaultCluster,
    ...overrides.cluster,
    nodes: { ...defaultCluster.nodes, ...overrides.cluster?.nodes, ...overrides.nodes },
  },
  app: { ...defaultApp, ...overrides.app },
  ...(overrides.dns ? { dns: overrides.dns } : {}),
  platform: { ...defaultPlatform, ...overrides.platform },
  tags: { ...overrides.tags },
});

export const platformConfig: PlatformConfig = {
  project: PROJECT,
  charts: CHARTS,
  state: {
    bucketName: 'hono-api-tfstate-example',
    region: REGION,
    noncurrentVersionExpirationDays: 90,
    dynamodbLockTable: false,
  },
  shared: {
    region: REGION,
    allowedAccountIds: [],
    registry: { repositoryName: PROJECT, keepReleaseImages: 30, untaggedExpiryDays: 7 },
    github: {
      repository: 'example/hono-eks-platform',
      // Fork checklist: `gh api repos/OWNER/REPO --jq '{owner: .owner.id, repository: .id}'`.
      ids: { owner: 0, repository: 0 },
      nameOnlySubject: false,
      mainBranch: 'main',
      oidcProvider: 'create',
    },
  },
  environments: {
    // Cheap and disposable: one NAT gateway, spot nodes.
    // Observability is optional here (set observability.enabled to false to save ~2 GiB of node
    // memory); it is on so dev shows the whole path: DNS, TLS, secrets, metrics and dashboard.
    dev: environment('dev', {
      // Fork checklist: `age-keygen -o dev-plan.key`; its public key here, the file in the GitHub
      // environment's secret PLAN_AGE_IDENTITY (README: Deploying, one-time setup). One per environment.
      planRecipient: '',
      network: { vpcCidr: '10.10.0.0/16', natMode: 'single', flowLogRetentionDays: 14 },
      // Who did what (audit, authenticator), for two weeks: the API server's own logs cost more than they tell in dev.
      cluster: { logRetentionDays: 14, logTypes: ['audit', 'authenticator'] },
      nodes: { instanceTypes: ['t3a.large', 't3.large', 'm6a.large'], capacityType: 'SPOT', minSize: 2, desiredSize: 2, maxSize: 4 },
      app: { replicas: 2 },
      // Fork checklist: placeholders (example.com is reserved); a real delegated zone, or remove.
      dns: { domain: 'dev.example.com', hostedZoneId: 'Z0123456789EXAMPLEDEV' },
      platform: { observability: { enabled: true, retention: '3d', retentionSizeGiB: 5, storage: 'ephemeral', alertEmails: [] } },
    }),
    staging: environment('staging', {
      planRecipient: '',
      network: { vpcCidr: '10.20.0.0/16', natMode: 'single', flowLogRetentionDays: 30 },
      cluster: { logRetentionDays: 30, logTypes: ['api', 'audit', 'authenticator'] },
      nodes: { minSize: 2, desiredSize: 2 },
      app: { replicas: 2 },
      dns: { domain: 'staging.example.com', hostedZoneId: 'Z0123456789EXAMPLESTG' },
      platform: { observability: { enabled: true, retention: '7d', retentionSizeGiB: 10, storage: 'persistent', alertEmails: [] } },
    }),
    // Highly available: a NAT gateway per AZ, on-demand nodes.
    prod: environment('prod', {
      planRecipient: '',
      network: { vpcCidr: '10.30.0.0/16', natMode: 'per-az' },
      // Prod's API server has no public endpoint: its platform and app stacks are planned and applied
      // from inside the VPC (self-hosted runners in the private subnets), or list the fixed public
      // egress ranges of the runners that do it (validation refuses 0.0.0.0/0 in prod).
      cluster: { publicEndpoint: false, publicAccessCidrs: [] },
      app: { replicas: 3 },
      dns: { domain: 'example.com', hostedZoneId: 'Z0123456789EXAMPLEPRD' },
      platform: { loadBalancerController: { enabled: true, deletionProtection: true, accessLogDays: 365 } },
    }),
  },
};

/** Applies the same app settings to every environment (an override given at synth time). */
function withAppSettings(config: PlatformConfig, settings: Partial<AppConfig>): PlatformConfig {
  const set = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined && v !== ''));
  if (Object.keys(set).length === 0) return config;
  const environments = Object.fromEntries(
    Object.entries(config.environments).map(([name, env]) => [name, { ...env, app: { ...env.app, ...set } }]),
  ) as unknown as PlatformConfig['environments'];
  return { ...config, environments };
}

/**
 * The configuration with every environment deploying `imageTag` (the deploy workflow passes the
 * released version). Unset or empty leaves each environment's own tag; validation checks the value.
 */
export const withImageTag = (config: PlatformConfig, imageTag: string | undefined): PlatformConfig =>
  withAppSettings(config, { imageTag });

/**
 * The configuration with the service's messages overridden (`npm run ops -- set-message` passes
 * them as cdktf context). Context rather than ROOT_MESSAGE/API_MESSAGE, which configure the
 * service itself: exporting those for `npm run dev` must not change what a synth deploys.
 */
export const withMessages = (config: PlatformConfig, messages: { rootMessage?: string; apiMessage?: string }): PlatformConfig =>
  withAppSettings(config, messages);
