/**
 * checkov's Kubernetes checks over the rendered manifests of both charts, for every ci/*-values.yaml:
 * zero failed checks. A check the chart does not meet on purpose is suppressed in the template, on
 * the object it concerns (`checkov.io/skipN: ID=reason` annotations), and must carry its reason.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helmTemplate } from '../../scripts/lib/helm.js';
import { PLATFORM_CONFIG_CHART_DIR } from '../../stacks/platform-stack.js';
import { type CheckovReport, formatFinding, runCheckov, summarise } from '../helpers/checkov.js';
import { CHART_DIR, CI_VALUES_FILES, KUBE_VERSION, NAMESPACE, RELEASE, tryRender } from './chart.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-checkov-charts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLATFORM_CONFIG_VALUES = readdirSync(path.join(PLATFORM_CONFIG_CHART_DIR, 'ci')).map((f) => path.join(PLATFORM_CONFIG_CHART_DIR, 'ci', f));

async function renderTo(file: string, run: () => Promise<{ exitCode: number; stdout: string; stderr: string }>) {
  const result = await run();
  if (result.exitCode !== 0) throw new Error(`helm template for ${file} failed: ${result.stderr}`);
  writeFileSync(path.join(dir, file), result.stdout);
}

let report: CheckovReport;

beforeAll(async () => {
  for (const values of CI_VALUES_FILES) await renderTo(`hono-api-${path.basename(values, ".yaml")}.yaml`, () => tryRender({ valuesFiles: [values] }));
  for (const values of PLATFORM_CONFIG_VALUES)
    await renderTo(`platform-config-${path.basename(values, '.yaml')}.yaml`, () =>
      helmTemplate({ chart: PLATFORM_CONFIG_CHART_DIR, release: 'platform-config', namespace: 'kube-system', kubeVersion: KUBE_VERSION, valuesFiles: [values] }),
    );
  report = await runCheckov({ dir, framework: 'kubernetes' });
  console.log(summarise(`charts (${CI_VALUES_FILES.length + PLATFORM_CONFIG_VALUES.length} renders)`, report));
}, 300_000);

describe('checkov on the rendered charts', () => {
  it('scans every render of both charts', () => {
    expect(report.parsingErrors).toBe(0);
    expect(readdirSync(dir)).toHaveLength(CI_VALUES_FILES.length + PLATFORM_CONFIG_VALUES.length);
    expect(report.resourceCount).toBeGreaterThan(CI_VALUES_FILES.length * 5);
  });

  it('fails no check', () => {
    expect(report.failed.map(formatFinding)).toEqual([]);
  });

  it('every suppression carries a reason', () => {
    for (const s of report.skipped) expect(s.check_result.suppress_comment ?? '', formatFinding(s)).toMatch(/\S.{19,}/);
  });

  it('fails when values loosen the chart: pods without a NetworkPolicy', async () => {
    const broken = mkdtempSync(path.join(os.tmpdir(), 'hono-api-checkov-broken-'));
    try {
      const result = await helmTemplate({ chart: CHART_DIR, release: RELEASE, namespace: NAMESPACE, kubeVersion: KUBE_VERSION, set: { 'networkPolicy.enabled': false } });
      expect(result.exitCode, result.stderr).toBe(0);
      writeFileSync(path.join(broken, 'broken.yaml'), result.stdout);
      const found = await runCheckov({ dir: broken, framework: 'kubernetes' });
      expect(found.failed.map((f) => f.check_id)).toContain('CKV2_K8S_6');
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  }, 300_000);
});
