/**
 * kube-prometheus-stack in `monitoring`: the Prometheus Operator, Prometheus, Alertmanager,
 * Grafana, kube-state-metrics and node-exporter.
 *
 * - Prometheus selects every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule in
 *   the cluster (the *SelectorNilUsesHelmValues: false settings), so the service's own
 *   ServiceMonitor and PrometheusRule are picked up without a `release` label.
 * - Grafana's dashboard sidecar loads every ConfigMap labelled grafana_dashboard="1" in any
 *   namespace, which is how the service's chart ships its dashboard.
 * - Grafana's admin password is generated (random_password) into a Secret that the chart only
 *   references (`grafana.admin.existingSecret`); the chart's default password `prom-operator` is
 *   never used. The password lives in Terraform state, which is KMS-encrypted in S3.
 * - Data is kept on the node's disk (emptyDir) up to a size cap: persistent volumes need the EBS
 *   CSI driver, which the cluster does not install.
 * - EKS runs the control plane: its scheduler, controller manager and etcd cannot be scraped.
 */
import type { Release } from '@cdktf/provider-helm/lib/release';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Password } from '@cdktf/provider-random/lib/password';
import { Construct } from 'constructs';
import type { ChartPin, ObservabilityConfig } from '../../config/types.js';
import { MONITORING_NAMESPACE } from '../../naming.js';
import { AddonRelease, type AddonScope } from './addon-release.js';
import { addonNamespace } from './namespace.js';

export const OBSERVABILITY = {
  release: 'kube-prometheus-stack',
  namespace: MONITORING_NAMESPACE,
  grafanaAdminSecret: 'grafana-admin',
  grafanaUserKey: 'admin-user',
  grafanaPasswordKey: 'admin-password',
  /** The label (and value) the Grafana sidecar selects dashboard ConfigMaps by. */
  dashboardLabel: 'grafana_dashboard',
  dashboardLabelValue: '1',
} as const;

export interface ObservabilityProps extends Pick<AddonScope, 'after'> {
  readonly source: ChartPin;
  readonly config: ObservabilityConfig;
}

export class Observability extends Construct {
  readonly release: Release;
  readonly grafanaPassword: Password;
  readonly grafanaSecret: SecretV1;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const o = OBSERVABILITY;
    // node-exporter reads the host (hostNetwork, hostPID, hostPath): the namespace must allow it.
    const ns = addonNamespace(this, 'namespace', o.namespace, 'privileged');

    this.grafanaPassword = new Password(this, 'grafana-password', { length: 32, special: false });
    this.grafanaSecret = new SecretV1(this, 'grafana-admin', {
      metadata: { name: o.grafanaAdminSecret, namespace: ns.metadata.name },
      type: 'Opaque',
      data: { [o.grafanaUserKey]: 'admin', [o.grafanaPasswordKey]: this.grafanaPassword.result },
    });

    const { retention, retentionSizeGiB } = props.config;
    this.release = new AddonRelease(this, 'chart', {
      source: props.source,
      name: o.release,
      namespace: ns.metadata.name,
      values: {
        crds: { enabled: true },
        prometheus: {
          prometheusSpec: {
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            probeSelectorNilUsesHelmValues: false,
            scrapeConfigSelectorNilUsesHelmValues: false,
            retention,
            retentionSize: `${retentionSizeGiB}GB`,
            storageSpec: { emptyDir: { sizeLimit: `${Math.ceil(retentionSizeGiB * 1.5)}Gi` } },
            resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '2Gi' } },
          },
        },
        alertmanager: { enabled: true },
        grafana: {
          enabled: true,
          admin: { existingSecret: o.grafanaAdminSecret, userKey: o.grafanaUserKey, passwordKey: o.grafanaPasswordKey },
          sidecar: {
            dashboards: { enabled: true, label: o.dashboardLabel, labelValue: o.dashboardLabelValue, searchNamespace: 'ALL' },
          },
        },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
      },
      dependsOn: [this.grafanaSecret, ...(props.after ?? [])],
      // CRDs, admission webhook jobs and three StatefulSets take a while on a fresh cluster.
      timeoutSeconds: 900,
    }).release;
  }
}
