/**
 * The upstream Helm charts the platform stacks install, each pinned to one exact chart version.
 * This is the only place chart versions live: the platform stack reads them from the validated
 * configuration (`config.charts`, which defaults to these), and the tests compare every
 * synthesised helm_release with this module. Bump a chart here, read its upgrade notes, run
 * `npm run test:stacks`.
 *
 * `source` says where the version/appVersion pair was confirmed.
 */
import type { PlatformCharts } from './types.js';

export const CHARTS: PlatformCharts = {
  awsLoadBalancerController: {
    repository: 'https://aws.github.io/eks-charts',
    chart: 'aws-load-balancer-controller',
    version: '1.11.0',
    appVersion: 'v2.11.0',
    source:
      '`helm search repo -l eks/aws-load-balancer-controller` output (1.11.0 ↔ v2.11.0) quoted in awsdocs/amazon-eks-user-guide#1010; aws/eks-charts#1188 "aws-load-balancer-controller v2.11.0 Automated Release". Its IAM policy is stacks/constructs/policies/aws-load-balancer-controller.json',
  },
  externalDns: {
    repository: 'https://kubernetes-sigs.github.io/external-dns/',
    chart: 'external-dns',
    version: '1.19.0',
    appVersion: 'v0.19.0',
    source: 'kubernetes-sigs.github.io/external-dns chart CHANGELOG: "v1.19.0 - 2025-09-08 … Update ExternalDNS OCI image version to v0.19.0"',
  },
  certManager: {
    repository: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.21.2',
    appVersion: 'v1.21.2',
    source: 'deploy/charts/cert-manager of github.com/cert-manager/cert-manager@v1.21.2 (the Go module proxy; the chart is versioned with the release, v prefix included). v1.18.0, pinned before, shipped global.rbac.disableHTTPChallengesRole, which v1.18.2 withdrew',
  },
  externalSecrets: {
    repository: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    version: '0.19.2',
    appVersion: 'v0.19.2',
    source: 'external-secrets.io/v0.19.2/introduction/stability-support (0.19.x: Kubernetes 1.33, serves external-secrets.io/v1 only since 0.17)',
  },
  kubePrometheusStack: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '67.8.0',
    appVersion: 'v0.79.2',
    source: 'prometheus-community/helm-charts charts/kube-prometheus-stack/Chart.yaml (version: 67.8.0, appVersion: v0.79.2; grafana subchart 8.8.*)',
  },
};

/** An exact chart version: semver with an optional v prefix, never a range, a wildcard or "latest". */
export const EXACT_CHART_VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;
