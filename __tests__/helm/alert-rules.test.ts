/**
 * The chart's alerts, judged by Prometheus's own tool: the rendered PrometheusRule passes
 * `promtool check rules`, and `promtool test rules` evaluates every alert against fixture series,
 * where it must fire when the service is down, failing or slow, and must stay silent when it is
 * healthy (the negative cases that keep a rule that always fires, or never, from passing).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCommand } from '../../scripts/lib/run.js';
import { toolchain } from '../../tools/toolchain.js';
import { CHART, NAMESPACE, RELEASE, only, render } from './chart.js';

const chain = toolchain();
const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const promtool = (args: string[]) => runCommand(chain.bin('promtool'), args, { cwd: dir, timeoutMs: 60_000 });

const SERVICE = `${RELEASE}-${CHART.name}`;
const down = { exp_labels: { severity: 'critical' }, exp_annotations: { summary: `No ${SERVICE} target has been scraped successfully for 5 minutes.` } };
const target = `namespace="${NAMESPACE}", service="${SERVICE}"`;

async function rulesFile(): Promise<string> {
  const { objects } = await render({ set: { 'metrics.prometheusRule.enabled': true } });
  const rule = only<{ spec: { groups: unknown[] } }>(objects, 'PrometheusRule');
  const file = path.join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ groups: rule.spec.groups }));
  return file;
}

/** A promtool unit test: `series` over `minutes`, and the alerts expected at `at` minutes (none: []). */
const alertTest = (name: string, series: { series: string; values: string }[], expected: { alertname: string; at: number; alerts: object[] }[]) => ({
  name,
  interval: '1m',
  input_series: series,
  alert_rule_test: expected.map((e) => ({ eval_time: `${e.at}m`, alertname: e.alertname, exp_alerts: e.alerts })),
});

describe('the PrometheusRule, judged by promtool', () => {
  it('passes promtool check rules', async () => {
    const r = await promtool(['check', 'rules', await rulesFile()]);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: 3 rules found/);
  });

  it('fires HonoApiDown, HonoApiHighErrorRate and HonoApiHighLatency on failing series, and none on healthy ones (promtool test rules)', async () => {
    const rules = await rulesFile();
    const healthy = [
      { series: `up{${target}, pod="a"}`, values: '1x30' },
      { series: `http_requests_total{${target}, method="GET", route="/", status="200"}`, values: '0+600x30' },
      { series: `http_requests_total{${target}, method="GET", route="/", status="500"}`, values: '0+1x30' },
      { series: `http_request_duration_seconds_bucket{${target}, le="0.05"}`, values: '0+600x30' },
      { series: `http_request_duration_seconds_bucket{${target}, le="0.5"}`, values: '0+600x30' },
      { series: `http_request_duration_seconds_bucket{${target}, le="+Inf"}`, values: '0+600x30' },
    ];
    const tests = [
      alertTest('healthy: nothing fires', healthy, ['HonoApiDown', 'HonoApiHighErrorRate', 'HonoApiHighLatency'].map((alertname) => ({ alertname, at: 25, alerts: [] }))),
      alertTest('down: the target scrapes fail', [{ series: `up{${target}, pod="a"}`, values: '0x30' }], [
        { alertname: 'HonoApiDown', at: 3, alerts: [] }, // not before its `for: 5m`
        { alertname: 'HonoApiDown', at: 10, alerts: [down] },
      ]),
      alertTest('gone: no target at all (absent)', [], [{ alertname: 'HonoApiDown', at: 10, alerts: [down] }]),
      alertTest(
        'failing: half the requests answer 5xx',
        [
          { series: `http_requests_total{${target}, method="GET", route="/", status="200"}`, values: '0+60x30' },
          { series: `http_requests_total{${target}, method="GET", route="/", status="503"}`, values: '0+60x30' },
        ],
        [
          {
            alertname: 'HonoApiHighErrorRate',
            at: 20,
            alerts: [{ exp_labels: { severity: 'critical' }, exp_annotations: { summary: `More than 5% of requests to ${SERVICE} fail with 5xx.`, description: 'The 5xx ratio over 5 minutes is 50%.' } }],
          },
        ],
      ),
      alertTest(
        'slow: every request takes between 0.5 and 1 s',
        [
          { series: `http_request_duration_seconds_bucket{${target}, le="0.5"}`, values: '0x40' },
          { series: `http_request_duration_seconds_bucket{${target}, le="1"}`, values: '0+60x40' },
          { series: `http_request_duration_seconds_bucket{${target}, le="+Inf"}`, values: '0+60x40' },
        ],
        [
          { alertname: 'HonoApiHighLatency', at: 8, alerts: [] }, // not before its `for: 10m`
          {
            alertname: 'HonoApiHighLatency',
            at: 25,
            // p99 interpolated in the 0.5–1 s bucket: 0.5 + 0.99 × 0.5 = 0.995 s.
            alerts: [{ exp_labels: { severity: 'warning' }, exp_annotations: { summary: `p99 latency of ${SERVICE} is above 0.5 s.`, description: 'The p99 latency over 5 minutes is 995ms.' } }],
          },
        ],
      ),
    ];
    const file = path.join(dir, 'tests.yaml');
    writeFileSync(file, stringify({ rule_files: [rules], evaluation_interval: '1m', tests }));
    const r = await promtool(['test', 'rules', file]);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
  });

  it('the broken twin: promtool fails a test that expects the healthy service to alert', async () => {
    const file = path.join(dir, 'twin.yaml');
    writeFileSync(
      file,
      stringify({
        rule_files: [await rulesFile()],
        evaluation_interval: '1m',
        tests: [alertTest('healthy, wrongly expected to be down', [{ series: `up{${target}, pod="a"}`, values: '1x30' }], [{ alertname: 'HonoApiDown', at: 10, alerts: [down] }])],
      }),
    );
    const r = await promtool(['test', 'rules', file]);
    expect(r.exitCode).not.toBe(0);
    expect(`${r.stdout}\n${r.stderr}`).toMatch(/FAILED/);
  });
});


