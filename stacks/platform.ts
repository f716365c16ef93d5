/**
 * The stack graph: which stacks exist for the selected environments and how they depend on each
 * other, so `cdktf deploy '*'` applies them in order.
 *
 *   state ─┬─ registry ───────────────────────────────────────────────┐
 *          └─ ci-identity ─┐                                           │
 *   network-<env> ──▶ cluster-<env> ──▶ platform-<env> (add-ons) ──▶ app-<env>
 *
 * The app depends on the cluster (it deploys into it) and on the platform (its ingress, secrets and
 * metrics need the controllers, the ClusterSecretStore and Prometheus's CRDs).
 */
import type { App, TerraformStack } from 'cdktf';
import { AppStack } from './app-stack.js';
import { CiIdentityStack } from './ci-identity-stack.js';
import { ClusterStack } from './cluster-stack.js';
import type { EnvironmentConfig, PlatformConfig } from './config/types.js';
import type { BackendKind } from './constructs/backend.js';
import { stackIds } from './naming.js';
import { NetworkStack } from './network-stack.js';
import { PlatformStack } from './platform-stack.js';
import { RegistryStack } from './registry-stack.js';
import { StateStack } from './state-stack.js';

export interface PlatformOptions {
  readonly config: PlatformConfig;
  readonly environments: readonly EnvironmentConfig[];
  /** Backend of the state stack: "local" while bootstrapping, "s3" afterwards. */
  readonly stateBackend: BackendKind;
}

export function definePlatform(app: App, { config, environments, stateBackend }: PlatformOptions): TerraformStack[] {
  const common = { project: config.project, repository: config.shared.github.repository, state: config.state };
  const state = new StateStack(app, stackIds.state, {
    ...common,
    allowedAccountIds: config.shared.allowedAccountIds,
    backend: stateBackend,
  });
  const registry = new RegistryStack(app, stackIds.registry, { ...common, shared: config.shared });
  const ci = new CiIdentityStack(app, stackIds.ciIdentity, {
    ...common,
    shared: config.shared,
    environments: Object.keys(config.environments) as EnvironmentConfig['name'][],
    hostedZoneIds: Object.fromEntries(Object.entries(config.environments).map(([name, env]) => [name, env.dns?.hostedZoneId])),
  });
  registry.addDependency(state);
  ci.addDependency(state);

  const stacks: TerraformStack[] = [state, registry, ci];
  for (const env of environments) {
    const network = new NetworkStack(app, stackIds.network(env.name), { ...common, env });
    const cluster = new ClusterStack(app, stackIds.cluster(env.name), { ...common, env });
    const platform = new PlatformStack(app, stackIds.platform(env.name), { ...common, env, charts: config.charts });
    const application = new AppStack(app, stackIds.app(env.name), { ...common, env, repositoryName: config.shared.registry.repositoryName });
    network.addDependency(state);
    cluster.addDependency(network);
    cluster.addDependency(ci); // access entries name the CI roles
    platform.addDependency(cluster);
    application.addDependency(cluster);
    application.addDependency(platform);
    application.addDependency(registry);
    stacks.push(network, cluster, platform, application);
  }
  return stacks;
}
