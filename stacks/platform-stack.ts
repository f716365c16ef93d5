/**
 * The environment's platform add-ons, between the cluster and the app: pinned upstream Helm
 * charts installed with the Helm provider, each optional per environment (`env.platform`).
 *
 *   aws-load-balancer-controller (kube-system) ── first: its webhooks must answer before other
 *   │                                              charts create Services and Ingresses
 *   ├─ external-dns (external-dns)                 records for ingress hosts in the hosted zone
 *   ├─ cert-manager (cert-manager)                 ACME mode only
 *   ├─ external-secrets (external-secrets)
 *   ├─ kube-prometheus-stack (monitoring)          with a generated Grafana admin password, on
 *   │                                              the gp3 StorageClass (EBS) where persistent
 *   └─ platform-config (local chart)               ClusterSecretStore, ClusterIssuer: custom
 *                                                  resources, so after their operators' CRDs
 *
 * In ACM mode the stack also requests the API host's certificate, validated by DNS in the hosted
 * zone; the controller finds it by host name. Add-ons that call AWS get a role through EKS Pod
 * Identity, bound to their namespace and service account, bounded by the workload boundary.
 *
 * EKS Auto Mode (which runs its own load balancer controller) is not implemented in this
 * repository; a cluster using it would turn loadBalancerController off.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import type { Release } from '@cdktf/provider-helm/lib/release';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { AssetType, type ITerraformDependable, TerraformAsset, TerraformIterator, TerraformOutput, Token } from 'cdktf';
import type { Construct } from 'constructs';
import type { DnsConfig, EnvironmentConfig, PlatformCharts } from './config/types.js';
import { AddonRelease, type AddonScope } from './constructs/addons/addon-release.js';
import { CERT_MANAGER, CertManager } from './constructs/addons/cert-manager.js';
import { EXTERNAL_DNS, ExternalDns } from './constructs/addons/external-dns.js';
import { EXTERNAL_SECRETS, ExternalSecrets } from './constructs/addons/external-secrets.js';
import { LOAD_BALANCER_CONTROLLER, LoadBalancerController } from './constructs/addons/load-balancer-controller.js';
import { GP3_STORAGE_CLASS, gp3StorageClass } from './constructs/addons/gp3-storage-class.js';
import { AlertTopic } from './constructs/addons/alerting.js';
import { OBSERVABILITY, Observability } from './constructs/addons/observability.js';
import { AwsStack, type EnvironmentStackProps, environmentStackProps } from './constructs/aws-stack.js';
import { ClusterProviders } from './constructs/cluster-providers.js';
import { ENVIRONMENT_TAG } from './constructs/tagging-aspect.js';
import { LoadBalancerLogBucket } from './constructs/load-balancer-log-bucket.js';
import { ALB_LOG_PREFIX, CLUSTER_ISSUER, CLUSTER_SECRET_STORE, albLogBucketName, apiHost, clusterName, environmentIamPrefix } from './naming.js';

export const PLATFORM_CONFIG_CHART_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helm/platform-config');
export const PLATFORM_CONFIG_RELEASE = { name: 'platform-config', namespace: 'kube-system' } as const;

export interface PlatformStackProps extends EnvironmentStackProps {
  readonly charts: PlatformCharts;
}

/** Values of the local platform-config chart for an environment (what is enabled, and where). */
export function platformConfigValues(env: EnvironmentConfig): Record<string, unknown> {
  const { platform, dns } = env;
  const acme = platform.tls.mode === 'acme' ? platform.tls : undefined;
  return {
    clusterSecretStore: {
      enabled: platform.externalSecrets.enabled,
      name: CLUSTER_SECRET_STORE,
      region: env.region,
      // Only the app's namespace may read the environment's secrets through the store.
      namespaces: [env.app.namespace],
    },
    clusterIssuer: {
      enabled: acme !== undefined,
      name: CLUSTER_ISSUER,
      email: acme?.email ?? '',
      server: acme?.server ?? 'production',
      privateKeySecretName: `${CLUSTER_ISSUER}-account-key`,
      dnsZones: acme && dns ? [dns.domain] : [],
      route53: { region: acme ? env.region : '', hostedZoneID: acme && dns ? dns.hostedZoneId : '' },
    },
  };
}

export class PlatformStack extends AwsStack {
  /** Every Helm release of the stack, by release name. */
  readonly releases = new Map<string, Release>();

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    const { env, project, charts } = props;
    super(scope, id, environmentStackProps(props));
    const { platform, dns } = env;
    const name = clusterName(project, env.name);
    const providers = new ClusterProviders(this, 'cluster', { clusterName: name, region: env.region });
    const addon: AddonScope = {
      clusterName: name,
      region: env.region,
      iamPrefix: environmentIamPrefix(project, env.name),
      partition: this.partition,
      accountId: this.accountId,
    };
    const zone = dns ? this.hostedZone(dns) : undefined;

    // The controller's webhooks intercept Services and Ingresses (and TargetGroupBindings): every
    // other chart waits for it, so none creates a Service while the webhook has no endpoints.
    const after: ITerraformDependable[] = [];
    if (platform.loadBalancerController.enabled) {
      const lbc = new LoadBalancerController(this, 'aws-load-balancer-controller', {
        ...addon,
        source: charts.awsLoadBalancerController,
        vpcId: providers.cluster.vpcConfig.get(0).vpcId,
        defaultTags: { [ENVIRONMENT_TAG]: env.name },
      });
      after.push(this.track(LOAD_BALANCER_CONTROLLER.release, lbc.release));
      // The app's ALB writes its access logs here (the Ingress names the bucket: app-stack.ts).
      const logs = new LoadBalancerLogBucket(this, 'alb-access-logs', {
        bucketName: albLogBucketName(project, env.name, this.accountId),
        prefix: ALB_LOG_PREFIX,
        accountId: this.accountId,
        partition: this.partition,
        retentionDays: platform.loadBalancerController.accessLogDays,
      });
      new TerraformOutput(this, 'alb_access_log_bucket', { value: logs.bucket.bucket, description: 'S3 bucket of the ALB access logs' });
    }

    if (platform.externalDns.enabled && dns)
      this.track(EXTERNAL_DNS.release, new ExternalDns(this, 'external-dns', { ...addon, after, source: charts.externalDns, dns, policy: platform.externalDns.policy }).release);

    const operators: Release[] = [];
    if (platform.tls.mode === 'acme' && dns) operators.push(this.track(CERT_MANAGER.release, new CertManager(this, 'cert-manager', { ...addon, after, source: charts.certManager, dns }).release));
    if (platform.externalSecrets.enabled)
      operators.push(this.track(EXTERNAL_SECRETS.release, new ExternalSecrets(this, 'external-secrets', { ...addon, after, source: charts.externalSecrets, environment: env.name }).release));

    if (platform.tls.mode === 'acm' && dns && zone && !platform.tls.certificateArn) this.certificate(env, dns, zone);

    // The default StorageClass for every persistent volume of the cluster (EBS CSI driver: cluster stack).
    const storageClass = gp3StorageClass(this, 'gp3-storage-class');

    if (platform.observability.enabled) {
      new RandomProvider(this, 'random');
      const alerts = new AlertTopic(this, 'alerts', { scope: addon, name: `${name}-alerts`, namespace: OBSERVABILITY.namespace, emails: platform.observability.alertEmails });
      new TerraformOutput(this, 'alert_topic_arn', { value: alerts.topic.arn, description: 'SNS topic of the alerts: subscribe whoever is paged' });
      const observability = new Observability(this, 'observability', {
        after: [...after, storageClass],
        alerts: { topicArn: alerts.topic.arn, region: env.region, readyBefore: alerts.publisher.readyBefore },
        source: charts.kubePrometheusStack,
        config: platform.observability,
        storageClassName: GP3_STORAGE_CLASS,
      });
      this.track(OBSERVABILITY.release, observability.release);
    }

    // Custom resources of the operators: a local chart, installed once the CRDs exist.
    if (operators.length > 0) {
      const chart = new TerraformAsset(this, 'platform-config-chart', { path: PLATFORM_CONFIG_CHART_DIR, type: AssetType.DIRECTORY });
      const config = new AddonRelease(this, 'platform-config', {
        source: { localChart: `./${chart.path}` },
        name: PLATFORM_CONFIG_RELEASE.name,
        namespace: PLATFORM_CONFIG_RELEASE.namespace,
        values: platformConfigValues(env),
        dependsOn: operators,
      });
      this.track(PLATFORM_CONFIG_RELEASE.name, config.release);
    }

    new TerraformOutput(this, 'releases', { value: [...this.releases.values()].map((r) => `${r.namespace}/${r.name}`), description: 'Helm releases of the platform (namespace/name)' });
  }

  private track(name: string, release: Release): Release {
    this.releases.set(name, release);
    return release;
  }

  /**
   * The hosted zone, checked at plan time: it must exist, be public and be the configured domain,
   * or ExternalDNS and certificate validation would write to the wrong zone (or silently nowhere).
   */
  private hostedZone(dns: DnsConfig): DataAwsRoute53Zone {
    return new DataAwsRoute53Zone(this, 'hosted-zone', {
      zoneId: dns.hostedZoneId,
      lifecycle: {
        postcondition: [
          {
            condition: `\${trimsuffix(self.name, ".") == "${dns.domain}" && !self.private_zone}`,
            errorMessage: `Route53 zone ${dns.hostedZoneId} must be the public zone of ${dns.domain} (environments.<env>.dns in stacks/config/environments.ts).`,
          },
        ],
      },
    });
  }

  /** ACM mode: a certificate for the API host, validated by DNS records in the hosted zone. */
  private certificate(env: EnvironmentConfig, dns: DnsConfig, zone: DataAwsRoute53Zone): void {
    const host = apiHost(env)!;
    const certificate = new AcmCertificate(this, 'api-certificate', {
      domainName: host,
      validationMethod: 'DNS',
      keyAlgorithm: 'EC_prime256v1',
      lifecycle: { createBeforeDestroy: true },
      tags: { Name: host },
    });
    const options = TerraformIterator.fromComplexList(certificate.domainValidationOptions, 'domain_name');
    const records = new Route53Record(this, 'api-certificate-validation', {
      forEach: options,
      zoneId: zone.zoneId,
      name: options.getString('resource_record_name'),
      type: options.getString('resource_record_type'),
      records: [options.getString('resource_record_value')],
      ttl: 60,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, 'api-certificate-validated', {
      certificateArn: certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty('fqdn')),
      // Validation of a real zone takes minutes; a wrong delegation should fail the apply, not hang it.
      timeouts: { create: '20m' },
    });
    new TerraformOutput(this, 'api_certificate_arn', { value: validation.certificateArn, description: `ACM certificate of ${host} (${dns.domain})` });
  }
}
