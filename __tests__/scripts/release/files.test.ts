/** The release's text rewrites, on the repository's real files (read, never written). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RELEASE_FILES,
  ReleaseFileError,
  nextChartVersion,
  readChartVersions,
  readDefaultImageTag,
  readPackageVersion,
  rewriteChart,
  rewriteDefaultImageTag,
  rewritePackageJson,
  rewritePackageLock,
} from '../../../scripts/release/files.js';
import { REPO_ROOT } from '../../../scripts/release/deps.js';

const real = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** The lines that differ between two texts of the same length in lines. */
function changedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b).toHaveLength(a.length);
  return b.filter((line, i) => line !== a[i]);
}

describe('package.json and package-lock.json', () => {
  const pkg = real(RELEASE_FILES.packageJson);
  const lock = real(RELEASE_FILES.packageLock);

  it('changes only the version line of package.json', () => {
    const current = readPackageVersion(pkg);
    const updated = rewritePackageJson(pkg, '9.8.7');
    expect(readPackageVersion(updated)).toBe('9.8.7');
    expect(changedLines(pkg, updated)).toEqual(['  "version": "9.8.7",']);
    expect(rewritePackageJson(updated, current)).toBe(pkg);
  });

  it('changes the two root versions of the lockfile, nothing else', () => {
    const updated = rewritePackageLock(lock, '9.8.7');
    const parsed = JSON.parse(updated) as { version: string; packages: Record<string, { version: string }> };
    expect(parsed.version).toBe('9.8.7');
    expect(parsed.packages['']!.version).toBe('9.8.7');
    expect(changedLines(lock, updated)).toEqual(['  "version": "9.8.7",', '      "version": "9.8.7",']);
  });

  it('refuses files without a version', () => {
    expect(() => rewritePackageJson('{"name":"x"}', '1.0.0')).toThrow(ReleaseFileError);
    expect(() => rewritePackageLock('{"name":"x","lockfileVersion":3,"packages":{}}', '1.0.0')).toThrow(/root "version"/);
  });
});

describe('Chart.yaml', () => {
  const chart = real(RELEASE_FILES.chart);

  it('rewrites version and appVersion, keeping quotes, comments and every other line', () => {
    const updated = rewriteChart(chart, { version: '0.2.0', appVersion: '1.4.0' });
    expect(readChartVersions(updated)).toEqual({ version: '0.2.0', appVersion: '1.4.0' });
    expect(changedLines(chart, updated)).toEqual(['version: 0.2.0', 'appVersion: "1.4.0"']);
  });

  it('leaves nested keys named version alone', () => {
    const text = 'apiVersion: v2\nname: x\nversion: 1.0.0 # chart\nappVersion: "1.0.0"\ndependencies:\n  - name: y\n    version: 3.0.0\n';
    expect(rewriteChart(text, { version: '1.0.1', appVersion: '2.0.0' })).toBe(
      'apiVersion: v2\nname: x\nversion: 1.0.1 # chart\nappVersion: "2.0.0"\ndependencies:\n  - name: y\n    version: 3.0.0\n',
    );
  });

  it('refuses a chart without the fields', () => {
    expect(() => rewriteChart('name: x\n', { version: '1.0.0', appVersion: '1.0.0' })).toThrow(/one top-level "version:" line, found 0/);
  });

  it.each([
    ['0.1.0', 'patch', '0.1.1'],
    ['0.1.0', 'prerelease', '0.1.1'],
    ['0.1.0', 'minor', '0.2.0'],
    ['0.1.7', 'major', '0.2.0'],
    ['1.2.3-rc.1', 'patch', '1.2.3'],
  ] as const)('chart %s after an app %s bump → %s (always an increase)', (current, bump, next) => {
    expect(nextChartVersion(current, bump)).toBe(next);
  });
});

describe('stacks/config/environments.ts', () => {
  const environments = real(RELEASE_FILES.environments);

  it("reads and rewrites defaultApp's imageTag, and only that line", () => {
    const before = readDefaultImageTag(environments);
    const updated = rewriteDefaultImageTag(environments, '1.4.0');
    expect(readDefaultImageTag(updated)).toBe('1.4.0');
    expect(changedLines(environments, updated)).toEqual(["  imageTag: '1.4.0',"]);
    expect(rewriteDefaultImageTag(updated, before)).toBe(environments);
  });

  it('ignores imageTag overrides outside defaultApp', () => {
    const text = "const defaultApp: AppConfig = {\n  replicas: 3,\n  imageTag: '0.1.0',\n};\n\nconst prod = { app: { imageTag: '0.0.9' } };\n";
    expect(rewriteDefaultImageTag(text, '0.2.0')).toBe("const defaultApp: AppConfig = {\n  replicas: 3,\n  imageTag: '0.2.0',\n};\n\nconst prod = { app: { imageTag: '0.0.9' } };\n");
  });

  it('fails loudly when the layout changed', () => {
    expect(() => readDefaultImageTag('export const x = 1;\n')).toThrow(/const defaultApp/);
    expect(() => rewriteDefaultImageTag("const defaultApp = {\n  replicas: 3,\n};\n", '1.0.0')).toThrow(/found 0/);
  });
});
