/**
 * `npm run release` end to end on temporary copies of the four files it changes, with git stubbed:
 * what it writes, what it refuses (bad or older versions, a dirty tree, an existing tag) and the
 * git commands it prints or runs.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main, parseReleaseArgs, planRelease } from '../../../scripts/release/cli.js';
import { type GitResult, type ReleaseDeps, REPO_ROOT, createDeps } from '../../../scripts/release/deps.js';
import { RELEASE_FILES, readDefaultImageTag } from '../../../scripts/release/files.js';

interface Harness {
  root: string;
  deps: ReleaseDeps;
  gitCalls: string[];
  out: string[];
  err: string[];
  read(file: string): string;
}

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'release-test-'));
  for (const file of Object.values(RELEASE_FILES)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
  }
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The real file operations on the temporary copy; git answers from `answers` (default: clean tree, no tags). */
function harness(answers: { status?: string; tags?: string[]; fail?: RegExp } = {}): Harness {
  const gitCalls: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const git = (args: readonly string[]): GitResult => {
    const line = args.join(' ');
    gitCalls.push(line);
    if (answers.fail?.test(line)) return { exitCode: 1, stdout: '', stderr: `fatal: ${line} failed` };
    if (line === 'status --porcelain') return { exitCode: 0, stdout: answers.status ?? '', stderr: '' };
    const tag = /^rev-parse --quiet --verify refs\/tags\/(.+)$/.exec(line);
    if (tag) return { exitCode: answers.tags?.includes(tag[1]!) ? 0 : 1, stdout: '', stderr: '' };
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  const deps: ReleaseDeps = { ...createDeps(root), git, out: (l) => out.push(l), err: (l) => err.push(l) };
  return { root, deps, gitCalls, out, err, read: (file) => readFileSync(path.join(root, file), 'utf8') };
}

const current = () => (JSON.parse(readFileSync(path.join(REPO_ROOT, RELEASE_FILES.packageJson), 'utf8')) as { version: string }).version;
/** A version greater than the repository's current one. */
const next = () => {
  const [major, minor] = current().split(/[.-]/).map(Number) as [number, number];
  return `${major}.${minor + 1}.0`;
};

describe('npm run release <version>', () => {
  it('updates package.json, the lockfile, the chart and the default image tag together', async () => {
    const h = harness();
    const version = next();
    const chartBefore = parse(h.read(RELEASE_FILES.chart)) as { version: string };
    expect(await main([version], h.deps)).toBe(0);

    expect((JSON.parse(h.read(RELEASE_FILES.packageJson)) as { version: string }).version).toBe(version);
    const lock = JSON.parse(h.read(RELEASE_FILES.packageLock)) as { version: string; packages: Record<string, { version: string }> };
    expect([lock.version, lock.packages['']!.version]).toEqual([version, version]);
    const chart = parse(h.read(RELEASE_FILES.chart)) as { version: string; appVersion: string };
    expect(chart.appVersion).toBe(version);
    expect(chart.version).not.toBe(chartBefore.version);
    expect(readDefaultImageTag(h.read(RELEASE_FILES.environments))).toBe(version);
    expect(h.err).toEqual([]);
  });

  it('prints the commit and tag commands without running them', async () => {
    const h = harness();
    const version = next();
    await main([version], h.deps);
    expect(h.out.join('\n')).toContain(`git commit -am "release v${version}" && git tag v${version}`);
    expect(h.gitCalls).toEqual(['status --porcelain', `rev-parse --quiet --verify refs/tags/v${version}`]);
  });

  it('--commit runs them', async () => {
    const h = harness();
    const version = next();
    expect(await main([version, '--commit'], h.deps)).toBe(0);
    expect(h.gitCalls.slice(2)).toEqual([`commit -am release v${version}`, `tag v${version}`]);
  });

  it('--commit reports a failing git command', async () => {
    const h = harness({ fail: /^tag / });
    expect(await main([next(), '--commit'], h.deps)).toBe(1);
    expect(h.err.join('\n')).toMatch(/git tag v\S+ failed: fatal/);
  });
});

describe('refusals (nothing is written)', () => {
  const unchanged = (h: Harness) => {
    for (const file of Object.values(RELEASE_FILES)) expect(h.read(file), file).toBe(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
  };

  it('a dirty work tree', async () => {
    const h = harness({ status: ' M src/app.ts\n?? notes.txt\n' });
    expect(await main([next()], h.deps)).toBe(1);
    expect(h.err.join('\n')).toMatch(/uncommitted changes.*\n.*M src\/app\.ts/);
    unchanged(h);
  });

  it('…unless --allow-dirty', async () => {
    const h = harness({ status: ' M src/app.ts\n' });
    expect(await main([next(), '--allow-dirty'], h.deps)).toBe(0);
  });

  it('a failing git status (not a work tree)', async () => {
    const h = harness({ fail: /^status/ });
    expect(await main([next()], h.deps)).toBe(1);
    expect(h.err.join('\n')).toMatch(/git status failed/);
    unchanged(h);
  });

  it('an existing tag', async () => {
    const version = next();
    const h = harness({ tags: [`v${version}`] });
    expect(await main([version], h.deps)).toBe(1);
    expect(h.err.join('\n')).toMatch(new RegExp(`tag v${version.replace(/\./g, '\\.')} already exists`));
    unchanged(h);
  });

  it.each([
    ['not semver', 'banana', /not a semantic version/],
    ['a leading v', 'v9.0.0', /drop the leading "v"/],
    ['two parts', '1.2', /not a semantic version/],
    ['build metadata', '9.0.0+build.1', /build metadata/],
  ])('%s (%s)', async (_, version, message) => {
    const h = harness();
    expect(await main([version], h.deps)).toBe(1);
    expect(h.err.join('\n')).toMatch(message);
    expect(h.gitCalls).toEqual([]);
    unchanged(h);
  });

  it('the current version, and an older one', async () => {
    for (const version of [current(), '0.0.1']) {
      const h = harness();
      expect(await main([version], h.deps)).toBe(1);
      expect(h.err.join('\n')).toMatch(/is not greater than the current version/);
      unchanged(h);
    }
  });

  it('a pre-release of the current version is older than it', () => {
    expect(() => planRelease(`${current()}-rc.1`, (f) => readFileSync(path.join(REPO_ROOT, f), 'utf8'))).toThrow(/not greater/);
  });
});

describe('arguments', () => {
  it('takes exactly one version', () => {
    expect(() => parseReleaseArgs([])).toThrow(/exactly one version, got none/);
    expect(() => parseReleaseArgs(['1.0.0', '2.0.0'])).toThrow(/exactly one version/);
    expect(parseReleaseArgs(['1.0.0', '--commit'])).toEqual({ version: '1.0.0', commit: true, allowDirty: false });
    expect(parseReleaseArgs(['--help'])).toBe('help');
  });

  it('reports an unknown option as a usage error', async () => {
    const h = harness();
    expect(await main(['1.0.0', '--push'], h.deps)).toBe(1);
    expect(h.err.join('\n')).toMatch(/--push/);
  });

  it('--help prints the usage', async () => {
    const h = harness();
    expect(await main(['--help'], h.deps)).toBe(0);
    expect(h.out.join('\n')).toMatch(/^Usage: npm run release -- <version>/);
  });
});
