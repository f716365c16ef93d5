/**
 * Names that cross stack boundaries. Stacks find each other's resources by these names (through
 * data sources or ARNs built from them), never by passing outputs into provider blocks.
 */
export type CiRole = 'plan' | 'deploy' | 'push-image';

export const ciRoleName = (project: string, role: CiRole) => `${project}-ci-${role}`;
export const clusterName = (project: string, environment: string) => `${project}-${environment}`;
export const vpcName = (project: string, environment: string) => `${project}-${environment}`;
/** Prefix of every IAM name an environment's stacks create: the deploy role may manage only these. */
export const environmentIamPrefix = (project: string, environment: string) => `${project}-${environment}-`;
export const stateKmsAlias = (project: string) => `${project}-tfstate`;
/**
 * Permissions boundary every role an environment creates must carry: the deploy role may only
 * create or change roles that have it, so an apply cannot mint a role more powerful than itself.
 */
export const workloadBoundaryName = (project: string) => `${project}-workload-boundary`;

/** Stack ids: one file per stack kind, one stack per environment where it applies. */
export const stackIds = {
  state: 'state',
  registry: 'registry',
  ciIdentity: 'ci-identity',
  network: (env: string) => `network-${env}`,
  cluster: (env: string) => `cluster-${env}`,
  app: (env: string) => `app-${env}`,
} as const;
