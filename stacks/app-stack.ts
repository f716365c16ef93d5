/**
 * The service on the environment's cluster: a namespace (Pod Security "restricted") and a Helm
 * release of our own chart, shipped with the synthesised stack as an asset.
 *
 * The helm and kubernetes providers find the cluster by name (ClusterProviders). The chart values
 * follow the platform stack's add-ons: metrics objects when observability is on, secrets from
 * Secrets Manager when External Secrets is on, host and TLS when the environment has a domain.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataAwsEcrImage } from '@cdktf/provider-aws/lib/data-aws-ecr-image';
import { DataAwsEcrRepository } from '@cdktf/provider-aws/lib/data-aws-ecr-repository';
import { Release } from '@cdktf/provider-helm/lib/release';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { AssetType, type Precondition, TerraformAsset, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from './config/types.js';
import { AwsStack, type EnvironmentStackProps, environmentStackProps } from './constructs/aws-stack.js';
import { ClusterProviders } from './constructs/cluster-providers.js';
import { helmValues } from './constructs/helm-values.js';
import { NamespaceLimits } from './constructs/namespace-limits.js';
import { RequiredSecret } from './constructs/required-secret.js';
import { ALB_LOG_PREFIX, CLUSTER_SECRET_STORE, METRICS_TOKEN_PROPERTY, MONITORING_NAMESPACE, albLogBucketName, apiHost, appSecretName, clusterName } from './naming.js';
import { planSubnets } from './constructs/cidr.js';

export const CHART_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helm/hono-api');

export interface AppStackProps extends EnvironmentStackProps {
  readonly repositoryName: string;
}

/** Seconds Helm waits for the rollout before `atomic` rolls it back. */
export const RELEASE_TIMEOUT_SECONDS = 600;

/** The chart's name (helm/hono-api/Chart.yaml), for the names its templates derive. */
export const CHART_NAME = 'hono-api';

/** The chart's `hono-api.fullname` for a release (no overrides): the name of its Secret, Service… */
export function chartFullname(releaseName: string): string {
  const full = releaseName.includes(CHART_NAME) ? releaseName : `${releaseName}-${CHART_NAME}`;
  return full.slice(0, 63).replace(/-+$/, '');
}

/** The key of the service's settings the ExternalSecret fills from Secrets Manager. */
export const METRICS_TOKEN_KEY = 'METRICS_AUTH_TOKEN';

/**
 * The ALB's TLS policy: AWS recommends it (TLS 1.3 and 1.2, hybrid post-quantum key exchange) and
 * the console picks it, while the controller's default is ELBSecurityPolicy-2016-08 (TLS 1.0).
 * Source: "Security policies for your Application Load Balancer", AWS, read 2026-12-07.
 */
export const ALB_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09';

/**
 * The ALB's attributes (Security Hub ELB.4, 5, 6): invalid header fields dropped, access logs in the
 * platform stack's bucket, deletion protection where the environment asks for it.
 */
export function albAttributes(env: EnvironmentConfig, project: string, accountId: string): string {
  const lb = env.platform.loadBalancerController;
  return [
    'routing.http.drop_invalid_header_fields.enabled=true',
    'access_logs.s3.enabled=true',
    `access_logs.s3.bucket=${albLogBucketName(project, env.name, accountId)}`,
    `access_logs.s3.prefix=${ALB_LOG_PREFIX}`,
    `deletion_protection.enabled=${lb.deletionProtection}`,
  ].join(',');
}

/**
 * A values document of its own for the ALB's attributes: the log bucket's name holds the account id,
 * a Terraform reference, which must not share a document with quoted strings (helmValues).
 */
export function albAttributeValues(env: EnvironmentConfig, project: string, accountId: string): Record<string, unknown> {
  return env.platform.loadBalancerController.enabled ? { ingress: { annotations: { 'alb.ingress.kubernetes.io/load-balancer-attributes': albAttributes(env, project, accountId) } } } : {};
}

/** Ingress values: the ALB annotations come from the chart and the environment; host and TLS from the environment. */
function ingressValues(env: EnvironmentConfig): Record<string, unknown> {
  const host = apiHost(env);
  const hardening = { 'alb.ingress.kubernetes.io/ssl-policy': ALB_TLS_POLICY };
  if (!host) return { enabled: true, annotations: hardening };
  const tls = env.platform.tls;
  const https = tls.mode !== 'none';
  return {
    enabled: true,
    annotations: {
      ...hardening,
      ...(https ? { 'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]', 'alb.ingress.kubernetes.io/ssl-redirect': '443' } : {}),
      // ACM: a pinned certificate, or the controller discovers the one issued for the host.
      ...(tls.mode === 'acm' && tls.certificateArn ? { 'alb.ingress.kubernetes.io/certificate-arn': tls.certificateArn } : {}),
    },
    hosts: [{ host, paths: [{ path: '/', pathType: 'Prefix' }] }],
    // ACM only: validation refuses "acme", whose Secret an ALB cannot serve.
    ...(https ? { tls: [{ hosts: [host] }] } : {}),
  };
}

/**
 * The drain behind an ALB, which keeps sending new requests to a deregistering target until the
 * controller's change has propagated (10 to 40 s and more: aws-load-balancer-controller #1064,
 * #2106, #3270): serve at least 15 s, then until 5 s pass without a request, at most 60 s. So the
 * pod outlasts a removal lag of up to 55 s, and stops 5 s after the last request when the lag is
 * short. The grace period and the ALB's deregistration delay follow (the chart's _helpers.tpl);
 * __tests__/helm/real-node.test.ts rolls these values behind a proxy that removes pods 0 to 30 s late.
 */
export const EKS_SHUTDOWN = { drainSeconds: 15, quietSeconds: 5, maxDrainSeconds: 60 } as const;

/**
 * The chart values for an environment, without the image repository (Terraform resolves it from
 * ECR and the stack passes it in a values document of its own, see helmValues).
 */
export function chartValues(env: EnvironmentConfig): Record<string, unknown> {
  const { app, platform } = env;
  const observability = platform.observability.enabled;
  const externalSecrets = platform.externalSecrets.enabled;
  const fullname = chartFullname(app.releaseName);
  return {
    replicaCount: app.replicas,
    image: { tag: app.imageTag },
    resources: app.resources,
    config: { rootMessage: app.rootMessage, apiMessage: app.apiMessage },
    shutdown: EKS_SHUTDOWN,
    // Without the AWS Load Balancer Controller nothing would serve an ALB Ingress.
    ingress: env.platform.loadBalancerController.enabled ? ingressValues(env) : { enabled: false },
    // METRICS_AUTH_TOKEN from Secrets Manager `<env>/<release>`, property metricsAuthToken.
    ...(externalSecrets
      ? {
          externalSecret: {
            enabled: true,
            secretStoreRef: { kind: 'ClusterSecretStore', name: CLUSTER_SECRET_STORE },
            data: [{ secretKey: METRICS_TOKEN_KEY, remoteRef: { key: appSecretName(env.name, app.releaseName), property: METRICS_TOKEN_PROPERTY } }],
          },
        }
      : {}),
    ...(observability
      ? {
          metrics: {
            // Prometheus selects every ServiceMonitor and rule (platform stack), so no labels are needed.
            serviceMonitor: { enabled: true, ...(externalSecrets ? { bearerTokenSecret: { name: fullname, key: METRICS_TOKEN_KEY } } : {}) },
            prometheusRule: { enabled: true },
            dashboard: { enabled: true },
          },
        }
      : {}),
    networkPolicy: {
      // ALB IP targets: traffic reaches the pods from the load balancer's addresses, which are in the
      // public subnets (internet-facing scheme). Not the whole VPC: with the VPC CNI every pod has a
      // VPC address, so the VPC CIDR would admit every pod in the cluster.
      ingress: { cidrs: planSubnets(env.network.vpcCidr, env.network.azCount).public },
      // The metrics port (/metrics and /config) admits Prometheus alone; without it nobody. The ALB's
      // subnets above reach the http port only, and the Ingress routes nothing else.
      metrics: { namespaces: observability ? [MONITORING_NAMESPACE] : [] },
    },
  };
}

export interface AppReleaseProps {
  readonly env: EnvironmentConfig;
  /** Chart values for this target, documents Helm merges in order: chartValues(env) or a variant of it, and any with references. */
  readonly values: readonly Record<string, unknown>[];
  /** The image repository (ECR's URL on EKS; a local name on kind and the local control plane). */
  readonly imageRepository: string;
  /**
   * The image's digest, when the target has a registry to resolve the tag in (ECR on EKS): the
   * release then runs repository@digest, so the saved plan a reviewer approves pins the exact image.
   */
  readonly imageDigest?: string;
  /** Seconds Helm waits for the rollout before `atomic` rolls it back. */
  readonly timeoutSeconds?: number;
  /** Checked when the plan is made, before anything changes (e.g. RequiredSecret). */
  readonly preconditions?: readonly Precondition[];
}

/**
 * The namespace (Pod Security "restricted") and the Helm release of our chart, with its outputs:
 * the part every app stack shares, whatever cluster it targets.
 */
export class AppRelease extends Construct {
  readonly release: Release;
  readonly namespace: NamespaceV1;

  constructor(scope: Construct, id: string, props: AppReleaseProps) {
    super(scope, id);
    const { env } = props;
    this.namespace = new NamespaceV1(this, 'namespace', {
      metadata: {
        name: env.app.namespace,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          // The AWS Load Balancer Controller's webhook adds readiness gates for ALB target health to
          // pods in labelled namespaces only: a rollout then waits for the ALB, not just /readyz.
          ...(env.platform.loadBalancerController.enabled ? { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' } : {}),
        },
      },
    });
    // The addresses the release had before it moved into this construct: state keeps pointing at them.
    this.namespace.overrideLogicalId('namespace');

    const limits = new NamespaceLimits(this, 'limits', { namespace: this.namespace.metadata.name, replicas: env.app.replicas, resources: env.app.resources });

    // Stacks run from cdktf.out/stacks/<name>: the asset copies the chart next to the stack.
    const chart = new TerraformAsset(this, 'chart', { path: CHART_DIR, type: AssetType.DIRECTORY });

    this.release = new Release(this, 'release', {
      name: env.app.releaseName,
      namespace: this.namespace.metadata.name,
      chart: `./${chart.path}`,
      values: [...props.values.map(helmValues), helmValues({ image: { repository: props.imageRepository, ...(props.imageDigest ? { digest: props.imageDigest } : {}) } })],
      // A failed rollout rolls back and removes what it created; the apply then fails loudly.
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      waitForJobs: true,
      timeout: props.timeoutSeconds ?? RELEASE_TIMEOUT_SECONDS,
      maxHistory: 10,
      ...(props.preconditions?.length ? { lifecycle: { precondition: [...props.preconditions] } } : {}),
      // The quota first: pods the release creates are counted from the start.
      dependsOn: [limits.limitRange, limits.quota],
    });
    this.release.overrideLogicalId('release');

    new TerraformOutput(this, 'release_name', { value: this.release.name }).overrideLogicalId('release_name');
    new TerraformOutput(this, 'release_namespace', { value: this.namespace.metadata.name }).overrideLogicalId('release_namespace');
    // <repository>:<tag>[@<digest>]: scripts/ci/verify-image.sh checks the signed provenance of this.
    const image = `${props.imageRepository}:${env.app.imageTag}${props.imageDigest ? `@${props.imageDigest}` : ''}`;
    new TerraformOutput(this, 'image', { value: image }).overrideLogicalId('image');
  }
}

export class AppStack extends AwsStack {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    const { env } = props;
    super(scope, id, environmentStackProps(props));
    new ClusterProviders(this, 'cluster', { clusterName: clusterName(props.project, env.name), region: env.region });
    const repository = new DataAwsEcrRepository(this, 'repository', { name: props.repositoryName });
    // The tag is resolved to its digest when the plan is made (ECR tags are immutable, and this
    // fails the plan when the tag was never pushed): what is approved and applied is one image.
    const image = new DataAwsEcrImage(this, 'image', { repositoryName: props.repositoryName, imageTag: env.app.imageTag });
    // The ExternalSecret's source: without it the pods wait out Helm's timeout; the plan says so first.
    const secretName = appSecretName(env.name, env.app.releaseName);
    const preconditions = env.platform.externalSecrets.enabled
      ? [
          new RequiredSecret(this, 'app-secret', {
            name: secretName,
            fix: `aws secretsmanager create-secret --region ${env.region} --name ${secretName} --secret-string '{"${METRICS_TOKEN_PROPERTY}":"<32 or more random characters>"}' (README: first deploy)`,
          }).precondition,
        ]
      : [];
    this.release = new AppRelease(this, 'app', {
      env,
      values: [chartValues(env), albAttributeValues(env, props.project, this.accountId)],
      imageRepository: repository.repositoryUrl,
      imageDigest: image.imageDigest,
      preconditions,
    }).release;
  }
}
