/**
 * The dashboard and the alert rules must query metrics the service really exports: both are
 * checked against the /metrics output of the real app, so renaming a metric breaks this test
 * instead of silently blanking a panel or an alert.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/app-harness.js';
import { CHART_DIR, ofKind, render, selects } from './chart.js';

interface Panel {
  title: string;
  type: string;
  targets: { expr: string }[];
}

const dashboardText = readFileSync(path.join(CHART_DIR, 'dashboards', 'hono-api.json'), 'utf8');
const dashboard = JSON.parse(dashboardText) as { uid: string; title: string; panels: Panel[] };

/** Series-selector metric names in a PromQL expression (`name{…}` or `name[…]`). */
const metricNames = (expr: string): string[] => [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1]!);

/** Prometheus records `up` for every target itself. */
const SYNTHETIC = new Set(['up']);

let exported: Set<string>;

beforeAll(async () => {
  const h = createHarness();
  await h.request('/');
  await h.request('/no-such-route');
  const text = await (await h.metricsRequest('/metrics')).text();
  exported = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name}${suffix}`);
  }
});

describe('Grafana dashboard', () => {
  it('has the panels operators need', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase());
    for (const wanted of ['request rate', 'error ratio', 'p50', 'p95', 'p99', 'saturation', 'restarts'])
      expect(titles.some((t) => t.includes(wanted)), `a panel about ${wanted}`).toBe(true);
  });

  it('queries only metrics the service exports, in every panel', () => {
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const names = metricNames(expr);
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) expect(exported.has(name), `${panel.title} queries ${name}, which /metrics does not export`).toBe(true);
      }
    }
  });

  it('is shipped verbatim in a ConfigMap labelled for the Grafana sidecar, only when enabled', async () => {
    const off = await render();
    expect(ofKind(off.objects, 'ConfigMap').filter((c) => (c.metadata?.name ?? '').endsWith('-dashboard'))).toEqual([]);
    const on = await render({ values: { metrics: { dashboard: { enabled: true, folder: 'Services' } } } });
    const [cm] = ofKind<{ metadata: { labels: Record<string, string>; annotations: Record<string, string> }; data: Record<string, string> }>(
      on.objects,
      'ConfigMap',
    ).filter((c) => (c as unknown as { metadata: { name: string } }).metadata.name.endsWith('-dashboard'));
    expect(cm).toBeDefined();
    expect(cm!.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm!.metadata.annotations.grafana_folder).toBe('Services');
    // The upstream dashboard, with the uid and title of this release.
    const [file, json] = Object.entries(cm!.data)[0]!;
    expect(file).toBe('apps-demo-hono-api.json');
    const shipped = JSON.parse(json) as typeof dashboard;
    expect({ ...shipped, uid: dashboard.uid, title: dashboard.title }).toEqual(dashboard);
    expect(shipped.uid).toMatch(/^hono-api-[0-9a-f]{16}$/);
    expect(shipped.title).toBe('hono-api (apps/demo)');
  });

  it('gives every release its own uid and file, so two releases (or two namespaces) never overwrite each other', async () => {
    const shipped = async (release: string, namespace: string) => {
      const { objects } = await render({ release, namespace, values: { metrics: { dashboard: { enabled: true } } } });
      const cm = ofKind<{ metadata: { name: string }; data: Record<string, string> }>(objects, 'ConfigMap').find((c) => c.metadata.name.endsWith('-dashboard'))!;
      const [file, json] = Object.entries(cm.data)[0]!;
      return { file, uid: (JSON.parse(json) as { uid: string }).uid };
    };
    const all = await Promise.all([shipped('demo', 'apps'), shipped('demo', 'other'), shipped('second', 'apps')]);
    expect(new Set(all.map((d) => d.uid)).size).toBe(3);
    expect(new Set(all.map((d) => d.file)).size).toBe(3);
    for (const d of all) expect(d.uid.length).toBeLessThanOrEqual(40); // Grafana's limit
  });
});

describe('PrometheusRule', () => {
  it('alerts only on metrics the service exports (or Prometheus itself records)', async () => {
    const { objects } = await render({ values: { metrics: { prometheusRule: { enabled: true } } } });
    const [rule] = ofKind<{ spec: { groups: { rules: { alert: string; expr: string }[] }[] } }>(objects, 'PrometheusRule');
    const rules = rule!.spec.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert).sort()).toEqual(['HonoApiDown', 'HonoApiHighErrorRate', 'HonoApiHighLatency']);
    for (const r of rules)
      for (const name of metricNames(r.expr))
        expect(exported.has(name) || SYNTHETIC.has(name), `${r.alert} uses ${name}, which /metrics does not export`).toBe(true);
  });
});

describe('a stock kube-prometheus-stack picks the ServiceMonitor and PrometheusRule up', () => {
  // kube-prometheus-stack's default selectors (…SelectorNilUsesHelmValues: true): the release label.
  const STOCK_SELECTOR = { matchLabels: { release: 'kube-prometheus-stack' } };

  it('with the chart defaults, both carry the label a stock kube-prometheus-stack release selects', async () => {
    const { objects } = await render({ values: { metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } } } });
    for (const kind of ['ServiceMonitor', 'PrometheusRule']) {
      const [object] = ofKind<{ metadata: { labels: Record<string, string> } }>(objects, kind);
      expect(selects(STOCK_SELECTOR, object!.metadata.labels), kind).toBe(true);
    }
  });

  it('labels: { release: null } leaves only the chart labels, for a Prometheus that selects everything', async () => {
    const { objects } = await render({ values: { metrics: { serviceMonitor: { enabled: true, labels: { release: null } } } } });
    const [monitor] = ofKind<{ metadata: { labels: Record<string, string> } }>(objects, 'ServiceMonitor');
    expect(selects(STOCK_SELECTOR, monitor!.metadata.labels)).toBe(false);
  });
});

describe('PriorityClass', () => {
  it('is created only on request, under the explicit cluster-wide name the pods then use', async () => {
    expect(ofKind((await render()).objects, 'PriorityClass')).toEqual([]);
    const { objects } = await render({ set: { 'priorityClass.create': true, 'priorityClass.name': 'payments-critical' } });
    const [pc] = ofKind<{ metadata: { name: string } }>(objects, 'PriorityClass');
    expect(pc!.metadata.name).toBe('payments-critical');
    const deployment = ofKind<{ spec: { template: { spec: { priorityClassName?: string } } } }>(objects, 'Deployment')[0]!;
    expect(deployment.spec.template.spec.priorityClassName).toBe('payments-critical');
  });
});
