/**
 * ct.yaml (chart-testing) at the repository root: only options ct knows, pointing at the chart,
 * whose ci/*-values.yaml files are the ones ct lints and installs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../scripts/lib/helm.js';
import { CHART, CHART_DIR, CI_VALUES_FILES } from './chart.js';

// The options of `ct lint` and `ct install` (chart-testing v3), which ct.yaml may set.
const CT_OPTIONS = new Set([
  'additional-commands', 'all', 'build-id', 'chart-dirs', 'chart-repos', 'chart-yaml-schema', 'charts', 'check-version-increment',
  'debug', 'exclude-deprecated', 'excluded-charts', 'github-groups', 'helm-dependency-extra-args', 'helm-extra-args',
  'helm-extra-set-args', 'helm-lint-extra-args', 'helm-repo-extra-args', 'kubectl-timeout', 'lint-conf', 'namespace',
  'print-config', 'release-label', 'release-name', 'remote', 'since', 'skip-clean-up', 'skip-missing-values', 'target-branch',
  'upgrade', 'use-helmignore', 'validate-chart-schema', 'validate-maintainers', 'validate-yaml',
]);

describe('ct.yaml', () => {
  const config = parse(readFileSync(path.join(REPO_ROOT, 'ct.yaml'), 'utf8')) as Record<string, unknown>;

  it('sets only options chart-testing knows', () => {
    expect(Object.keys(config).filter((key) => !CT_OPTIONS.has(key))).toEqual([]);
  });

  it('points chart-dirs at the directory holding the chart', () => {
    const dirs = config['chart-dirs'] as string[];
    expect(dirs.map((dir) => path.join(REPO_ROOT, dir, CHART.name))).toContain(CHART_DIR);
    expect(existsSync(path.join(CHART_DIR, 'Chart.yaml'))).toBe(true);
  });

  it('gives helm-extra-args as one string, as ct requires', () => {
    expect(typeof config['helm-extra-args']).toBe('string');
  });

  it('has CI values files for ct to lint and install', () => {
    expect(CI_VALUES_FILES.length).toBeGreaterThan(0);
  });
});
