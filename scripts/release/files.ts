/**
 * The files a release changes, as pure text rewrites: each takes the file's current text and
 * returns the new text, touching only the version fields so comments and layout stay as they are.
 * A file whose layout no longer matches fails loudly instead of being half-updated.
 */
import { parse } from 'yaml';
import { type Bump, type SemVer, formatSemVer, parseSemVer } from './semver.js';

/** Paths relative to the repository root. */
export const RELEASE_FILES = {
  packageJson: 'package.json',
  packageLock: 'package-lock.json',
  chart: 'helm/hono-api/Chart.yaml',
  environments: 'stacks/config/environments.ts',
} as const;

export type ReleaseFile = keyof typeof RELEASE_FILES;

export class ReleaseFileError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ReleaseFileError';
  }
}

/** package.json's `version`. */
export function readPackageVersion(text: string): string {
  const version = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new ReleaseFileError(RELEASE_FILES.packageJson, 'has no "version" string');
  return version;
}

/** JSON files as npm writes them: two-space indent and a final newline. */
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function rewritePackageJson(text: string, version: string): string {
  const pkg = JSON.parse(text) as Record<string, unknown>;
  if (typeof pkg.version !== 'string') throw new ReleaseFileError(RELEASE_FILES.packageJson, 'has no "version" string');
  pkg.version = version;
  return json(pkg);
}

/** The lockfile repeats the root package's version twice (top level and packages[""]), as `npm version` keeps it. */
export function rewritePackageLock(text: string, version: string): string {
  const lock = JSON.parse(text) as { version?: unknown; packages?: Record<string, { version?: unknown }> };
  const root = lock.packages?.[''];
  if (typeof lock.version !== 'string' || !root || typeof root.version !== 'string') {
    throw new ReleaseFileError(RELEASE_FILES.packageLock, 'has no root "version" (expected lockfileVersion 2 or 3)');
  }
  lock.version = version;
  root.version = version;
  return json(lock);
}

export interface ChartVersions {
  readonly version: string;
  readonly appVersion: string;
}

export function readChartVersions(text: string): ChartVersions {
  const chart = parse(text) as { version?: unknown; appVersion?: unknown } | null;
  const version = chart?.version;
  const appVersion = chart?.appVersion;
  if (typeof version !== 'string' || typeof appVersion !== 'string') {
    throw new ReleaseFileError(RELEASE_FILES.chart, 'needs string "version" and "appVersion" fields');
  }
  return { version, appVersion };
}

/**
 * The chart's next version: at least a patch bump (chart-testing's check-version-increment
 * requires an increase); a minor bump when the application gains a major or minor version, since
 * the chart then usually ships new defaults. The chart version never carries a pre-release.
 */
export function nextChartVersion(current: string, appBump: Bump): string {
  const v = parseSemVer(current);
  if (!v) throw new ReleaseFileError(RELEASE_FILES.chart, `version ${JSON.stringify(current)} is not a semantic version`);
  const next: SemVer =
    appBump === 'major' || appBump === 'minor'
      ? { major: v.major, minor: v.minor + 1, patch: 0, prerelease: [], build: [] }
      : v.prerelease.length > 0
        ? { ...v, prerelease: [], build: [] } // 1.2.3-rc.1 → 1.2.3 is already an increase
        : { major: v.major, minor: v.minor, patch: v.patch + 1, prerelease: [], build: [] };
  return formatSemVer(next);
}

/** Replaces the value of one top-level `key:` line, keeping its quoting and any trailing comment. */
function replaceTopLevelScalar(text: string, key: string, value: string): string {
  const line = new RegExp(`^(${key}:[ \\t]*)(["']?)([^"'#\\r\\n]*?)\\2([ \\t]*(?:#.*)?)$`, 'gm');
  const matches = [...text.matchAll(line)];
  if (matches.length !== 1) throw new ReleaseFileError(RELEASE_FILES.chart, `expected one top-level "${key}:" line, found ${matches.length}`);
  return text.replace(line, (_all, prefix: string, quote: string, _old: string, rest: string) => `${prefix}${quote}${value}${quote}${rest}`);
}

export function rewriteChart(text: string, versions: ChartVersions): string {
  const updated = replaceTopLevelScalar(replaceTopLevelScalar(text, 'version', versions.version), 'appVersion', versions.appVersion);
  const check = readChartVersions(updated);
  if (check.version !== versions.version || check.appVersion !== versions.appVersion) {
    throw new ReleaseFileError(RELEASE_FILES.chart, 'rewrite did not produce the expected versions');
  }
  return updated;
}

// `imageTag: '…'` inside `const defaultApp … = { … };`: the default every environment deploys
// unless it overrides it (or the deploy workflow passes IMAGE_TAG).
const DEFAULT_APP_START = /^const defaultApp\b[^=]*=\s*\{/m;
const IMAGE_TAG = /(\bimageTag:\s*)(['"])([^'"\r\n]*)\2/g;

/** Where the defaultApp object literal is in the file, and the one imageTag match inside it. */
function locateDefaultImageTag(text: string): { start: number; end: number; match: RegExpExecArray } {
  const head = DEFAULT_APP_START.exec(text);
  const fail = (problem: string): never => {
    throw new ReleaseFileError(RELEASE_FILES.environments, problem);
  };
  if (!head) return fail('found no `const defaultApp = {` (the layout changed; update scripts/release/files.ts)');
  const start = head.index;
  const close = text.indexOf('\n};', start);
  const end = close === -1 ? fail('found no `};` closing `const defaultApp`') : close;
  const matches = [...text.slice(start, end).matchAll(IMAGE_TAG)];
  if (matches.length !== 1) fail(`expected one \`imageTag: '…'\` in \`const defaultApp\`, found ${matches.length}`);
  return { start, end, match: matches[0]! };
}

export function readDefaultImageTag(text: string): string {
  return locateDefaultImageTag(text).match[3]!;
}

export function rewriteDefaultImageTag(text: string, version: string): string {
  const { start, end } = locateDefaultImageTag(text);
  const block = text.slice(start, end).replace(IMAGE_TAG, (_all, prefix: string, quote: string) => `${prefix}${quote}${version}${quote}`);
  return text.slice(0, start) + block + text.slice(end);
}
