/**
 * The app stack for a cluster reached through a kubeconfig (kind on a laptop, the suite's local
 * control plane) instead of EKS: the same namespace and Helm release (AppRelease) with the same chart
 * values logic, minus what only AWS provides. No AWS provider, no remote state (a local state file
 * next to the stack), no ECR lookup: the image is one loaded into the cluster by name.
 *
 *   ENVIRONMENTS=local LOCAL_KUBECONFIG=~/.kube/config LOCAL_KUBE_CONTEXT=kind-hono-api npm run synth
 */
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Aspects, LocalBackend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AppRelease, chartValues } from './app-stack.js';
import type { EnvironmentConfig } from './config/types.js';
import { ProviderVersionAspect } from './constructs/provider-versions.js';

/** Where the local app stack deploys. */
export interface LocalTarget {
  /** Path of the kubeconfig file. */
  readonly kubeconfig: string;
  /** Its context to use; unset: the file's current context. */
  readonly context?: string;
  /** Image repository the cluster already holds (kind: `npm run kind -- load`), e.g. "hono-api". */
  readonly imageRepository: string;
  /** Seconds Helm waits for the rollout before `atomic` rolls it back (default 120). */
  readonly timeoutSeconds?: number;
  /**
   * A dedicated node pool: nodes labelled and tainted (NoSchedule) `key=value`. The pods select the
   * label and tolerate the taint, e.g. the offline harness's real node (`hono-api.dev/real-node=true`).
   * Unset: wherever the scheduler puts them.
   */
  readonly nodePool?: { readonly key: string; readonly value: string };
  /** Namespace to deploy into; unset: the environment's (`app.namespace`). */
  readonly namespace?: string;
}

export interface LocalAppStackProps {
  /** The environment whose app settings (release, namespace, replicas, resources, messages) are deployed. */
  readonly env: EnvironmentConfig;
  readonly target: LocalTarget;
}

/** An environment as a cluster without AWS sees it: no load balancer, DNS, TLS, Secrets Manager or Prometheus. */
export function withoutAwsAddons(env: EnvironmentConfig): EnvironmentConfig {
  const { dns: _dns, ...rest } = env;
  return {
    ...rest,
    platform: {
      ...env.platform,
      loadBalancerController: { ...env.platform.loadBalancerController, enabled: false },
      externalDns: { ...env.platform.externalDns, enabled: false },
      externalSecrets: { enabled: false },
      tls: { mode: 'none' },
      observability: { ...env.platform.observability, enabled: false },
    },
  };
}

export class LocalAppStack extends TerraformStack {
  readonly app: AppRelease;

  constructor(scope: Construct, id: string, props: LocalAppStackProps) {
    super(scope, id);
    const { nodePool, namespace } = props.target;
    const local = withoutAwsAddons(props.env);
    const env = namespace ? { ...local, app: { ...local.app, namespace } } : local;
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    const connection = { configPath: props.target.kubeconfig, ...(props.target.context ? { configContext: props.target.context } : {}) };
    new KubernetesProvider(this, 'kubernetes', connection);
    new HelmProvider(this, 'helm', { kubernetes: connection });
    Aspects.of(this).add(new ProviderVersionAspect());
    // No load balancer here: the Service stays in the cluster (kubectl port-forward reaches it).
    const placement = nodePool
      ? { nodeSelector: { [nodePool.key]: nodePool.value }, tolerations: [{ key: nodePool.key, operator: 'Equal', value: nodePool.value, effect: 'NoSchedule' }] }
      : {};
    const values = { ...chartValues(env), ingress: { enabled: false }, ...placement };
    this.app = new AppRelease(this, 'app', { env, values: [values], imageRepository: props.target.imageRepository, timeoutSeconds: props.target.timeoutSeconds ?? 120 });
  }
}
