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
    version: '3.6.2',
    appVersion: 'v3.6.2',
    source:
      'helm/aws-load-balancer-controller/Chart.yaml of sigs.k8s.io/aws-load-balancer-controller/v3@v3.6.2 (Go module proxy, 2026-10-24); the pod mutating webhook fails open since v2.12.0 (failurePolicy Ignore). Its IAM policy is stacks/constructs/policies/aws-load-balancer-controller.json, docs/install/iam_policy.json of the same version',
    support: { kubernetes: { oldest: '1.22' }, source: 'docs/deploy/installation.md: "v2.5.0+ requires Kubernetes 1.22+", no upper bound published' },
  },
  externalDns: {
    repository: 'https://kubernetes-sigs.github.io/external-dns/',
    chart: 'external-dns',
    version: '1.22.0',
    appVersion: '0.22.0',
    source: 'charts/external-dns/Chart.yaml and CHANGELOG.md ("[v1.22.0] - 2026-09-11", policy now required) of sigs.k8s.io/external-dns@v0.23.0 (the chart for app v0.23.0 was not released when read, kubernetes-sigs/external-dns#6741)',
    support: { kubernetes: { oldest: '1.33' }, source: 'README.md "Kubernetes version compatibility": ExternalDNS >= 0.18 on Kubernetes >= 1.33' },
  },
  certManager: {
    repository: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.21.2',
    appVersion: 'v1.21.2',
    source: 'deploy/charts/cert-manager of github.com/cert-manager/cert-manager@v1.21.2 (the Go module proxy; the chart is versioned with the release, v prefix included). v1.18.0, pinned before, shipped global.rbac.disableHTTPChallengesRole, which v1.18.2 withdrew',
    support: {
      kubernetes: { oldest: '1.33', newest: '1.36' },
      source: 'cert-manager.io/docs/releases: 1.21 (2026-07-08) is supported and tested on Kubernetes 1.33 to 1.36, until the release of 1.23',
    },
  },
  externalSecrets: {
    repository: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    version: '2.12.0',
    appVersion: 'v2.12.0',
    source:
      'the newest release seen (ghcr.io/external-secrets/external-secrets:v2.12.0 pinned in public repositories, autumn 2026); only the newest minor is supported, each until the next release (docs/introduction/stability-support.md)',
    support: {
      kubernetes: { oldest: '1.36', newest: '1.36' },
      source: 'docs/introduction/stability-support.md at helm-chart-2.9.0, the newest table read: 2.9 → Kubernetes 1.36 (rows for 2.10 to 2.12 not yet read)',
    },
  },
  kubePrometheusStack: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '88.6.1',
    appVersion: 'v0.93.1',
    source:
      'charts/kube-prometheus-stack/Chart.yaml of github.com/prometheus-community/helm-charts@v0.0.0-20260828105119-ed5d7d9b5933, the newest commit the Go module proxy serves (grafana subchart 12.11.2 from grafana-community). Releases up to 92.x exist (October 2026); Renovate proposes them',
    support: { kubernetes: { oldest: '1.25' }, source: 'Chart.yaml kubeVersion ">=1.25.0-0"' },
  },
};

/** An exact chart version: semver with an optional v prefix, never a range, a wildcard or "latest". */
export const EXACT_CHART_VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;
