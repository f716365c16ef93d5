/**
 * ct.yaml (chart-testing) at the repository root: only options ct knows, pointing at the chart;
 * and the YAML lint `ct lint` runs on each chart's Chart.yaml, values.yaml and ci/*-values.yaml,
 * run here with the real yamllint and ct's rules (ct-lintconf.yaml), since chart-testing itself
 * cannot be installed on this machine.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../scripts/lib/helm.js';
import { runCommand } from '../../scripts/lib/run.js';
import { toolchain } from '../../tools/toolchain.js';
import { CHART, CHART_DIR } from './chart.js';

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

  it('lints YAML with the rules in ct-lintconf.yaml', () => {
    expect(config['lint-conf']).toBe('ct-lintconf.yaml');
    expect(existsSync(path.join(REPO_ROOT, 'ct-lintconf.yaml'))).toBe(true);
  });
});

describe('yamllint with ct\'s rules, on what ct lint lints', () => {
  const yamllint = toolchain().bin('yamllint');
  const lint = (files: string[]) => runCommand(yamllint, ['-f', 'parsable', '-c', path.join(REPO_ROOT, 'ct-lintconf.yaml'), ...files], { cwd: REPO_ROOT, timeoutMs: 60_000 });
  const chartFiles = (dir: string) => {
    const ci = path.join(dir, 'ci');
    return ['Chart.yaml', 'values.yaml'].map((f) => path.join(dir, f)).concat(existsSync(ci) ? readdirSync(ci).filter((f) => f.endsWith('.yaml')).map((f) => path.join(ci, f)) : []);
  };

  it.each(readdirSync(path.join(REPO_ROOT, 'helm')))('helm/%s: no error and no warning', async (chart) => {
    const r = await lint(chartFiles(path.join(REPO_ROOT, 'helm', chart)));
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('fails on what ct refuses: spaces inside braces, a duplicate key, a missing final newline', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'yamllint-'));
    const file = path.join(dir, 'values.yaml');
    writeFileSync(file, 'a: { b: 1 }\nc: 1\nc: 2');
    const r = await lint([file]);
    expect(r.exitCode).not.toBe(0);
    for (const rule of ['braces', 'key-duplicates', 'new-line-at-end-of-file']) expect(r.stdout).toContain(`(${rule})`);
  });
});
