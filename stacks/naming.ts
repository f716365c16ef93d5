/**
 * Names that cross stack boundaries. Stacks find each other's resources by these names (through
 * data sources or ARNs built from them), never by passing outputs into provider blocks.
 */
/**
 * The CI roles: `pr-plan` (pull requests, non-prod only), `plan` (main and release tags),
 * `deploy-<environment>` (one per GitHub environment) and `push-image` (release tags).
 */
export type CiRole = 'pr-plan' | 'plan' | `deploy-${string}` | 'push-image';

export const ciRoleName = (project: string, role: CiRole) => `${project}-ci-${role}`;
export const deployRole = (environment: string): CiRole => `deploy-${environment}`;
export const clusterName = (project: string, environment: string) => `${project}-${environment}`;
export const vpcName = (project: string, environment: string) => `${project}-${environment}`;
/** Prefix of every IAM name an environment's stacks create: the deploy role may manage only these. */
export const environmentIamPrefix = (project: string, environment: string) => `${project}-${environment}-`;
export const stateKmsAlias = (project: string) => `${project}-tfstate`;
/**
 * Permissions boundary every role an environment creates must carry: the deploy role may only
 * create or change roles that have its environment's one, which holds the same environment denies
 * as the deploy role, so an apply cannot mint a role that reaches another environment. Named outside
 * the environment's IAM prefix, so the deploy role (which manages `<project>-<env>-*` policies) cannot
 * edit it.
 */
export const workloadBoundaryName = (project: string, environment: string) => `${project}-workload-boundary-${environment}`;
/** The tag value of the account-wide stacks' resources (state, registry, CI identity). */
export const SHARED_ENVIRONMENT = 'shared';

/** Stack ids: one file per stack kind, one stack per environment where it applies. */
export const stackIds = {
  state: 'state',
  registry: 'registry',
  ciIdentity: 'ci-identity',
  network: (env: string) => `network-${env}`,
  cluster: (env: string) => `cluster-${env}`,
  platform: (env: string) => `platform-${env}`,
  app: (env: string) => `app-${env}`,
} as const;

/**
 * The environment's ALB access-log bucket (platform stack) that the app's Ingress names. S3 names
 * are global: the account id makes a fork's name its own.
 */
export const albLogBucketName = (project: string, environment: string, accountId: string) => `${project}-${environment}-alb-logs-${accountId}`;
/** Key prefix of the ALB's logs in that bucket (AWS appends AWSLogs/<account>/elasticloadbalancing/…). */
export const ALB_LOG_PREFIX = 'alb';

/** Namespace of kube-prometheus-stack; the app's NetworkPolicy lets it scrape /metrics. */
export const MONITORING_NAMESPACE = 'monitoring';
/** The ClusterSecretStore the platform stack creates and the app's ExternalSecret reads from. */
export const CLUSTER_SECRET_STORE = 'aws-secrets-manager';
/** The cert-manager ClusterIssuer (ACME mode) the app's ingress names. */
export const CLUSTER_ISSUER = 'letsencrypt';
/** Secrets Manager names an environment may read through External Secrets: `<env>/…`. */
export const secretsPrefix = (environment: string) => `${environment}/`;
/**
 * The Secrets Manager secret holding the app's secret settings, a JSON object whose property
 * `metricsAuthToken` becomes METRICS_AUTH_TOKEN (fork checklist: create it before the app).
 */
export const appSecretName = (environment: string, releaseName: string) => `${secretsPrefix(environment)}${releaseName}`;
export const METRICS_TOKEN_PROPERTY = 'metricsAuthToken';

/** The API's public host: the configured one, else api.<dns.domain>, else none (the ALB's own name). */
export function apiHost(env: { readonly app: { readonly host?: string }; readonly dns?: { readonly domain: string } }): string | undefined {
  return env.app.host ?? (env.dns ? `api.${env.dns.domain}` : undefined);
}
