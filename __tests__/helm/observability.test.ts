/**
 * The dashboard and the alert rules must query metrics the service really exports: both are
 * checked against the /metrics output of the real app, so renaming a metric breaks this test
 * instead of silently blanking a panel or an alert.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/app-harness.js';
import { CHART_DIR, ofKind, render } from './chart.js';

interface Panel {
  title: string;
  type: string;
  targets: { expr: string }[];
}

const dashboardText = readFileSync(path.join(CHART_DIR, 'dashboards', 'hono-api.json'), 'utf8');
const dashboard = JSON.parse(dashboardText) as { uid: string; panels: Panel[] };

/** Series-selector metric names in a PromQL expression (`name{…}` or `name[…]`). */
const metricNames = (expr: string): string[] => [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1]!);

/** Prometheus records `up` for every target itself. */
const SYNTHETIC = new Set(['up']);

let exported: Set<string>;

beforeAll(async () => {
  const h = createHarness();
  await h.request('/');
  await h.request('/no-such-route');
  const text = await (await h.request('/metrics')).text();
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
    expect(JSON.parse(cm!.data['hono-api.json']!)).toEqual(dashboard);
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
