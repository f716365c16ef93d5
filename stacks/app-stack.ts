/**
 * The service on the environment's cluster: a namespace (Pod Security "restricted") and a Helm
 * release of our own chart, shipped with the synthesised stack as an asset.
 *
 * The helm and kubernetes providers find the cluster by name through data sources and
 * authenticate with `aws eks get-token`; they never take another stack's outputs, because a
 * provider configured from values unknown at plan time breaks planning (hashicorp/terraform-cdk#2662).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataAwsEcrRepository } from '@cdktf/provider-aws/lib/data-aws-ecr-repository';
import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { AssetType, Fn, TerraformAsset, TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from './config/types.js';
import { AwsStack, type AwsStackProps } from './constructs/aws-stack.js';
import { clusterName } from './naming.js';

export const CHART_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helm/hono-api');

export interface AppStackProps extends Omit<AwsStackProps, 'environment' | 'region' | 'allowedAccountIds' | 'tags'> {
  readonly env: EnvironmentConfig;
  readonly repositoryName: string;
}

/** Seconds Helm waits for the rollout before `atomic` rolls it back. */
export const RELEASE_TIMEOUT_SECONDS = 600;

/** The chart values for an environment; the image repository is resolved by Terraform. */
export function chartValues(env: EnvironmentConfig, imageRepository: string): Record<string, unknown> {
  const { app } = env;
  return {
    replicaCount: app.replicas,
    image: { repository: imageRepository, tag: app.imageTag },
    resources: app.resources,
    config: { rootMessage: app.rootMessage, apiMessage: app.apiMessage },
    // ALB deregistration takes longer than kube-proxy's endpoint update.
    shutdown: { drainSeconds: 15 },
    ingress: {
      enabled: true,
      ...(app.host ? { hosts: [{ host: app.host, paths: [{ path: '/', pathType: 'Prefix' }] }], tls: [{ hosts: [app.host] }] } : {}),
    },
    // ALB IP targets: traffic reaches the pods from load balancer addresses inside the VPC.
    networkPolicy: { ingress: { cidrs: [env.network.vpcCidr] } },
  };
}

export class AppStack extends AwsStack {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    const { env } = props;
    super(scope, id, { ...props, environment: env.name, region: env.region, allowedAccountIds: env.allowedAccountIds, tags: env.tags, boundRoles: true });
    const name = clusterName(props.project, env.name);
    const cluster = new DataAwsEksCluster(this, 'cluster', { name });
    const repository = new DataAwsEcrRepository(this, 'repository', { name: props.repositoryName });

    const connection = {
      host: cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority.get(0).data),
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: ['eks', 'get-token', '--cluster-name', name, '--region', env.region],
      },
    };
    new KubernetesProvider(this, 'kubernetes', { ...connection, exec: [connection.exec] });
    new HelmProvider(this, 'helm', { kubernetes: connection });

    const namespace = new NamespaceV1(this, 'namespace', {
      metadata: {
        name: env.app.namespace,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });

    // Stacks run from cdktf.out/stacks/<name>: the asset copies the chart next to the stack.
    const chart = new TerraformAsset(this, 'chart', { path: CHART_DIR, type: AssetType.DIRECTORY });

    this.release = new Release(this, 'release', {
      name: env.app.releaseName,
      namespace: namespace.metadata.name,
      chart: `./${chart.path}`,
      values: [Fn.yamlencode(chartValues(env, repository.repositoryUrl))],
      // A failed rollout rolls back and removes what it created; the apply then fails loudly.
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      waitForJobs: true,
      timeout: RELEASE_TIMEOUT_SECONDS,
      maxHistory: 10,
    });

    new TerraformOutput(this, 'release_name', { value: this.release.name });
    new TerraformOutput(this, 'release_namespace', { value: namespace.metadata.name });
    new TerraformOutput(this, 'image', { value: `${repository.repositoryUrl}:${env.app.imageTag}` });
  }
}
