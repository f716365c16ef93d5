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
 * - With `storage: persistent` (required in prod) Prometheus, Alertmanager and Grafana keep their
 *   data on EBS volumes of the platform's gp3 StorageClass (the EBS CSI driver comes with the
 *   cluster stack); Grafana's Deployment then recreates its pod instead of rolling it, since a
 *   ReadWriteOnce volume cannot be attached to the old and the new pod at once. With `ephemeral`
 *   the data lives on the node's disk (emptyDir) up to a size cap and is lost when a pod moves.
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
  /** The annotation naming a dashboard's Grafana folder (the app chart writes it). */
  dashboardFolderAnnotation: 'grafana_folder',
} as const;

export interface ObservabilityProps extends Pick<AddonScope, 'after'> {
  readonly source: ChartPin;
  readonly config: ObservabilityConfig;
  /** StorageClass of the persistent volumes (with `storage: persistent`). */
  readonly storageClassName: string;
}

/** Alertmanager keeps silences and notification state; Grafana its database (users, annotations). */
const SMALL_VOLUME = '2Gi';

const claim = (storageClassName: string, size: string) => ({
  volumeClaimTemplate: { spec: { storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } },
});

/** The chart values that place each component's data, persistent or on the node. */
export function observabilityStorageValues(config: ObservabilityConfig, storageClassName: string) {
  // Headroom over the retention cap: Prometheus stops at retentionSize, the WAL comes on top.
  const prometheusSize = `${Math.ceil(config.retentionSizeGiB * 1.5)}Gi`;
  if (config.storage === 'ephemeral')
    return { prometheus: { storageSpec: { emptyDir: { sizeLimit: prometheusSize } } }, alertmanager: {}, grafana: {} };
  return {
    prometheus: { storageSpec: claim(storageClassName, prometheusSize) },
    alertmanager: { storage: claim(storageClassName, SMALL_VOLUME) },
    grafana: { persistence: { enabled: true, type: 'pvc', storageClassName, accessModes: ['ReadWriteOnce'], size: SMALL_VOLUME }, deploymentStrategy: { type: 'Recreate' } },
  };
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
    const storage = observabilityStorageValues(props.config, props.storageClassName);
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
            ...storage.prometheus,
            resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '2Gi' } },
          },
        },
        alertmanager: { enabled: true, alertmanagerSpec: { ...storage.alertmanager } },
        grafana: {
          enabled: true,
          ...storage.grafana,
          admin: { existingSecret: o.grafanaAdminSecret, userKey: o.grafanaUserKey, passwordKey: o.grafanaPasswordKey },
          sidecar: {
            // A dashboard ConfigMap's grafana_folder annotation (the app chart's metrics.dashboard.folder) picks its folder.
            dashboards: {
              enabled: true,
              label: o.dashboardLabel,
              labelValue: o.dashboardLabelValue,
              searchNamespace: 'ALL',
              folderAnnotation: o.dashboardFolderAnnotation,
              provider: { foldersFromFilesStructure: true },
            },
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
