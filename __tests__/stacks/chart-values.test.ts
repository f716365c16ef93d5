/**
 * Every value the platform stack sets on an upstream chart exists in that chart's own values.yaml at
 * the pinned version (support/chart-values.ts). The defaults come from the chart's source module on
 * the Go module proxy, installed by `npm run tools` (tools/versions.json `chartValues`); charts
 * whose source the proxy does not serve at their pinned version are listed, and the README says so.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../stacks/config/charts.js';
import { loadBalancerControllerPolicy } from '../../stacks/constructs/addons/load-balancer-controller.js';
import type { AddonChart } from '../../stacks/config/types.js';
import { toolchain } from '../../tools/toolchain.js';
import { commentedKeyPaths, unknownValuePaths } from './support/chart-values.js';
import { helmReleaseValues } from './support/hcl.js';
import { configWith, synthPlatform } from './support/platform.js';
import { resources } from './support/tfjson.js';

const chain = toolchain();
const checked = Object.keys(chain.manifest.chartValues) as AddonChart[];

/** Every add-on on in every environment; ACME (refused by validation while the ingress is an ALB) synthesised anyway so cert-manager's values are checked too. */
const everything = synthPlatform({
  environments: 'all',
  validate: false,
  config: configWith((c) => {
    for (const env of Object.values(c.environments)) env.platform.tls = { mode: 'acme', email: 'platform@acme-corp.net', server: 'staging' };
  }),
});
const normal = synthPlatform({ environments: 'all' });

/** The values of every release of `chart` across both synths. */
function releasesOf(chart: string): Record<string, unknown>[] {
  return [everything, normal].flatMap((p) =>
    p.ids.filter((id) => id.startsWith('platform-')).flatMap((id) => resources(p.json(id), 'helm_release').filter((r) => r.attrs.chart === chart).map((r) => helmReleaseValues(r.attrs.values))),
  );
}

const bare = (version: string) => version.replace(/^v/, '');

/** kube-prometheus-stack's grafana subchart is not served at its pinned version (tools/versions.json says why): its keys are left out. */
function withoutUncheckedSubcharts(name: AddonChart, values: Record<string, unknown>): Record<string, unknown> {
  if (name !== 'kubePrometheusStack') return values;
  const { grafana: _grafana, ...rest } = values;
  return rest;
}

describe('add-on chart values exist in the pinned chart', () => {
  it.each(checked)('%s: the toolchain holds the default values of exactly the pinned chart version', (name) => {
    const entry = chain.manifest.chartValues[name]!;
    expect(bare(entry.chartVersion ?? entry.version)).toBe(bare(CHARTS[name].version));
  });

  it.each(checked)('%s: every value the platform sets is a key of its values.yaml', (name) => {
    const text = readFileSync(chain.chartValuesFile(name), 'utf8');
    const sets = releasesOf(CHARTS[name].chart);
    expect(sets.length, `no helm_release of ${CHARTS[name].chart} was synthesised`).toBeGreaterThan(0);
    for (const values of sets) expect(unknownValuePaths(withoutUncheckedSubcharts(name, values), text)).toEqual([]);
  });

  it('the charts the Go module proxy cannot provide at their pinned version are exactly these (README: Platform add-ons)', () => {
    expect(Object.keys(CHARTS).filter((c) => !checked.includes(c as AddonChart)).sort()).toEqual(['externalSecrets']);
  });

  it('the AWS Load Balancer Controller gets exactly the upstream IAM policy of the pinned controller version', () => {
    const upstream = JSON.parse(readFileSync(chain.upstreamPolicyFile('awsLoadBalancerController'), 'utf8')) as unknown;
    expect(loadBalancerControllerPolicy().policy).toEqual(upstream);
    expect(loadBalancerControllerPolicy()._source.controllerVersion).toBe(CHARTS.awsLoadBalancerController.appVersion);
  });
});

describe('the values check itself', () => {
  const upstream = () => readFileSync(chain.chartValuesFile('certManager'), 'utf8');

  it('flags the setting cert-manager withdrew in v1.18.2 (pinned here before), and a typo', () => {
    expect(unknownValuePaths({ global: { rbac: { disableHTTPChallengesRole: true } }, crds: { enabeld: true } }, upstream())).toEqual(['global.rbac.disableHTTPChallengesRole', 'crds.enabeld']);
  });

  it('accepts keys under free-form defaults and keys values.yaml documents commented out', () => {
    const yaml = 'podAnnotations: {}\npersistence:\n  enabled: false\n  # storageClassName: default\n  size: 10Gi\n';
    expect([...commentedKeyPaths(yaml)]).toEqual(['persistence.storageClassName']);
    expect(unknownValuePaths({ podAnnotations: { a: 'b' }, persistence: { enabled: true, storageClassName: 'gp3', sise: '1Gi' } }, yaml)).toEqual(['persistence.sise']);
  });
});
