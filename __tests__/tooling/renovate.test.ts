/**
 * renovate.json5 is judged by Renovate's own validator (the pinned renovate-config-validator), with
 * broken twins that it must refuse. What the validator does not check is checked here: that every
 * datasource named is one Renovate ships (the validator accepts any name), and that every custom
 * manager finds the versions it exists for in today's files (a regex that matches nothing would
 * silently stop the updates).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JSON5 from 'json5';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/helm.js';
import { runCommand } from '../../scripts/lib/run.js';
import { EKS_ADDONS } from '../../stacks/config/environments.js';
import { CHARTS } from '../../stacks/config/charts.js';
import { toolchain } from '../../tools/toolchain.js';

interface CustomManager {
  readonly description: string;
  readonly managerFilePatterns: readonly string[];
  readonly matchStrings: readonly string[];
  readonly datasourceTemplate?: string;
}
interface RenovateConfig {
  readonly customManagers: readonly CustomManager[];
  readonly packageRules: readonly { readonly matchDatasources?: readonly string[]; readonly groupName?: string; readonly matchPackageNames?: readonly string[] }[];
}

const CONFIG_FILE = path.join(REPO_ROOT, 'renovate.json5');
const configText = readFileSync(CONFIG_FILE, 'utf8');
const config = JSON5.parse<RenovateConfig>(configText);
const chain = toolchain();

const work = mkdtempSync(path.join(os.tmpdir(), 'hono-api-renovate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** renovate-config-validator on a repository config file, as Renovate reads it (never as global config). */
async function validate(text: string, name = 'renovate.json5') {
  const file = path.join(work, name);
  writeFileSync(file, text);
  return runCommand(chain.bin('renovate-config-validator'), ['--strict', '--no-global', file], { env: { LOG_LEVEL: 'info' } });
}

describe("Renovate's validator", () => {
  it('accepts renovate.json5 (--strict: no migration needed either)', async () => {
    const result = await validate(configText);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Config validated successfully/);
  });

  it.each([
    ['a custom manager regex that does not compile', (t: string) => t.replace("version:\\\\s*'(?<currentValue>[^']+)'", "version:\\\\s*'(?<currentValue>[^']+'"), /Invalid regExp for customManagers/],
    ['a misspelt option', (t: string) => t.replace('matchDatasources', 'matchDatasource'), /Invalid configuration option: packageRules\[\d+\]\.matchDatasource/],
    ['the retired fileMatch (a migration)', (t: string) => t.replace("managerFilePatterns: ['/^stacks/config/charts\\\\.ts$/']", () => "fileMatch: ['^stacks/config/charts\\\\.ts$']"), /migration/i],
  ])('refuses the broken twin with %s', async (_, breakIt, message) => {
    const broken = breakIt(configText);
    expect(broken).not.toBe(configText);
    const result = await validate(broken, 'broken.json5');
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(message);
  });
});

describe('what the validator does not check', () => {
  const shipped = new Set(readdirSync(path.join(chain.npmDir('renovate'), 'node_modules', 'renovate', 'dist', 'modules', 'datasource'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name));

  it('every datasource named (templates, package rules, inline `datasource=` comments) is one Renovate ships', () => {
    expect(shipped.size).toBeGreaterThan(50);
    const inline = [...readFileSync(path.join(REPO_ROOT, 'stacks/config/environments.ts'), 'utf8').matchAll(/renovate:\s*datasource=([a-z-]+)/g)].map((m) => m[1]!);
    const named = [...config.customManagers.flatMap((m) => (m.datasourceTemplate ? [m.datasourceTemplate] : [])), ...config.packageRules.flatMap((r) => r.matchDatasources ?? []), ...inline];
    expect(named.filter((d) => !shipped.has(d))).toEqual([]);
    // …and the check can fail: a name Renovate does not have.
    expect(shipped.has('golang-nope')).toBe(false);
  });

  /** What a custom manager extracts from the repository's files: depName → currentValue, per match. */
  function extract(manager: CustomManager): { file: string; depName: string; currentValue: string }[] {
    const patterns = manager.managerFilePatterns.map((p) => new RegExp(p.slice(1, -1)));
    const files = (readdirSync(REPO_ROOT, { recursive: true }) as string[]).filter((f) => !f.startsWith('node_modules') && !f.startsWith('.git') && patterns.some((p) => p.test(f)));
    return files.flatMap((file) =>
      manager.matchStrings.flatMap((source) =>
        [...readFileSync(path.join(REPO_ROOT, file), 'utf8').matchAll(new RegExp(source, 'g'))].map((m) => ({ file, depName: m.groups!.depName!, currentValue: m.groups!.currentValue! })),
      ),
    );
  }
  const manager = (description: RegExp) => config.customManagers.find((m) => description.test(m.description))!;

  it('the chart manager finds every platform chart at its pinned version', () => {
    const found = extract(manager(/Helm charts/)).map((d) => [d.depName, d.currentValue]);
    expect(found.sort()).toEqual(Object.values(CHARTS).map((c) => [c.chart, c.version]).sort());
  });

  it('the EKS add-on manager finds every add-on of the pinned minor', () => {
    const found = extract(manager(/EKS add-on/)).map((d) => [d.depName, d.currentValue]);
    const { kubernetesVersion: _minor, ...addons } = Object.values(EKS_ADDONS).at(-1)!;
    expect(found.sort()).toEqual(Object.entries(addons).sort());
  });

  it('the Kubernetes minor, the kind node image and the helm test image are found', () => {
    expect(extract(manager(/^The Kubernetes minor/)).map((d) => d.currentValue)).toEqual(['1.36']);
    const images = extract(manager(/Container images/)).map((d) => `${d.file}: ${d.depName}:${d.currentValue}`);
    expect(images).toEqual(expect.arrayContaining([expect.stringMatching(/^kind\/cluster\.yaml: kindest\/node:v1\.36\./), expect.stringMatching(/^helm\/hono-api\/values\.yaml: curlimages\/curl:/)]));
    expect(images).toHaveLength(4);
  });

  it('the toolchain manager finds every Go module tools/versions.json builds or reads', () => {
    const manifest = chain.manifest;
    const found = new Set(extract(manager(/Go-built tools/)).map((d) => `${d.depName}@${d.currentValue}`));
    const expected = [
      ...Object.values(manifest.go).map((t) => `${t.module}@${t.moduleVersion}`),
      ...Object.values(manifest.providers).flatMap((p) => (p.module ? [`${p.module}@${p.moduleVersion}`] : [])),
      ...Object.values(manifest.crds).map((c) => `${c.module}@${c.version}`),
      ...Object.values(manifest.chartValues).filter((c) => /^v\d+\.\d+\.\d+$/.test(c.version)).map((c) => `${c.module}@${c.version}`),
    ];
    expect(expected.filter((e) => !found.has(e))).toEqual([]);
  });

  it('the kind release of the chart workflow is found', () => {
    const found = manager(/^The kind release/);
    expect(found.matchStrings.flatMap((m) => [...readFileSync(path.join(REPO_ROOT, '.github/workflows/chart.yml'), 'utf8').matchAll(new RegExp(m, 'g'))].map((x) => x.groups!.currentValue))).toEqual(['v0.33.0']);
  });

  it('one group moves the Kubernetes minor with the kind node image and the local control plane', () => {
    const rule = config.packageRules.find((r) => r.groupName === 'kubernetes minor')!;
    expect(rule.matchPackageNames).toEqual(expect.arrayContaining(['amazon-eks', 'kindest/node', 'kubernetes-sigs/kind', 'k8s.io/kubernetes']));
  });
});
