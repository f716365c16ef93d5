/**
 * `npm run release -- <version> [--commit] [--allow-dirty]`: moves every version the repository
 * carries to <version> together, then prints (or, with --commit, runs) the commit and tag.
 *
 *   package.json / package-lock.json   version                      → <version>
 *   helm/hono-api/Chart.yaml           appVersion                   → <version>
 *                                      version (the chart's own)    → at least a patch bump
 *   stacks/config/environments.ts      defaultApp.imageTag          → <version>
 *
 * Refuses: a version that is not semantic (or carries +build metadata, which an image tag cannot
 * hold), one not greater than package.json's, a tag that already exists, and a dirty work tree
 * (the release commit must contain nothing else; --allow-dirty skips that check).
 */
import { parseArgs } from 'node:util';
import type { ReleaseDeps } from './deps.js';
import {
  RELEASE_FILES,
  nextChartVersion,
  readChartVersions,
  readDefaultImageTag,
  readPackageVersion,
  rewriteChart,
  rewriteDefaultImageTag,
  rewritePackageJson,
  rewritePackageLock,
} from './files.js';
import { bumpKind, compareSemVer, parseSemVer } from './semver.js';

export const USAGE = `Usage: npm run release -- <version> [--commit] [--allow-dirty]

Sets package.json, package-lock.json, the chart's appVersion (and a bumped chart version) and the
default image tag in stacks/config/environments.ts to <version> (semantic version, no leading "v").

  --commit       also run: git commit -am "release v<version>" && git tag v<version>
  --allow-dirty  do not refuse a work tree with uncommitted changes
  --help         this text`;

export class ReleaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseError';
  }
}

export interface ReleaseOptions {
  readonly version: string;
  readonly commit: boolean;
  readonly allowDirty: boolean;
}

export interface ReleasePlan {
  readonly from: string;
  readonly to: string;
  readonly chart: { readonly from: string; readonly to: string };
  readonly tag: string;
  /** New text by path relative to the repository root. */
  readonly files: ReadonlyMap<string, string>;
  /** The commands that commit and tag the release. */
  readonly gitCommands: readonly (readonly string[])[];
}

export function parseReleaseArgs(argv: readonly string[]): ReleaseOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { commit: { type: 'boolean', default: false }, 'allow-dirty': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new ReleaseError(`expected exactly one version, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${USAGE}`);
  return { version: positionals[0]!, commit: values.commit, allowDirty: values['allow-dirty'] };
}

/** Validates the version against the current one and computes every file's new text. Writes nothing. */
export function planRelease(version: string, readFile: (relative: string) => string): ReleasePlan {
  const target = parseSemVer(version);
  if (!target) {
    const hint = /^v\d/.test(version) ? ' (drop the leading "v": the tag gets it, the version does not)' : ' (expected MAJOR.MINOR.PATCH, e.g. 1.4.0 or 2.0.0-rc.1)';
    throw new ReleaseError(`"${version}" is not a semantic version${hint}`);
  }
  if (target.build.length > 0) throw new ReleaseError(`"${version}" carries build metadata (+…): container image tags cannot contain "+"`);

  const packageJson = readFile(RELEASE_FILES.packageJson);
  const current = readPackageVersion(packageJson);
  const from = parseSemVer(current);
  if (!from) throw new ReleaseError(`${RELEASE_FILES.packageJson} version "${current}" is not a semantic version; fix it by hand first`);
  if (compareSemVer(target, from) <= 0) throw new ReleaseError(`${version} is not greater than the current version ${current}`);

  const chartText = readFile(RELEASE_FILES.chart);
  const chart = readChartVersions(chartText);
  const chartVersion = nextChartVersion(chart.version, bumpKind(from, target));
  const environments = readFile(RELEASE_FILES.environments);
  readDefaultImageTag(environments); // fails early when the layout changed

  const tag = `v${version}`;
  const files = new Map<string, string>([
    [RELEASE_FILES.packageJson, rewritePackageJson(packageJson, version)],
    [RELEASE_FILES.packageLock, rewritePackageLock(readFile(RELEASE_FILES.packageLock), version)],
    [RELEASE_FILES.chart, rewriteChart(chartText, { version: chartVersion, appVersion: version })],
    [RELEASE_FILES.environments, rewriteDefaultImageTag(environments, version)],
  ]);
  return {
    from: current,
    to: version,
    chart: { from: chart.version, to: chartVersion },
    tag,
    files,
    gitCommands: [
      ['git', 'commit', '-am', `release ${tag}`],
      ['git', 'tag', tag],
    ],
  };
}

const shellQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`);
export const formatCommand = (command: readonly string[]) => command.map(shellQuote).join(' ');

function checkGit(deps: ReleaseDeps, options: ReleaseOptions, tag: string): void {
  const status = deps.git(['status', '--porcelain']);
  if (status.exitCode !== 0) throw new ReleaseError(`git status failed (is this a git work tree?): ${status.stderr.trim()}`);
  if (status.stdout.trim() !== '' && !options.allowDirty) {
    const changed = status.stdout.trimEnd().split('\n').slice(0, 10).join('\n  ');
    throw new ReleaseError(`the work tree has uncommitted changes; commit or stash them first (or pass --allow-dirty):\n  ${changed}`);
  }
  const existing = deps.git(['rev-parse', '--quiet', '--verify', `refs/tags/${tag}`]);
  if (existing.exitCode === 0) throw new ReleaseError(`tag ${tag} already exists`);
}

export async function release(options: ReleaseOptions, deps: ReleaseDeps): Promise<ReleasePlan> {
  const plan = planRelease(options.version, deps.readFile);
  checkGit(deps, options, plan.tag);
  for (const [file, text] of plan.files) deps.writeFile(file, text);
  deps.out(`release ${plan.from} → ${plan.to} (chart ${plan.chart.from} → ${plan.chart.to}):`);
  for (const file of plan.files.keys()) deps.out(`  updated ${file}`);

  if (!options.commit) {
    deps.out('');
    deps.out('Review the diff, then commit and tag:');
    deps.out(`  ${plan.gitCommands.map(formatCommand).join(' && ')}`);
    deps.out(`  git push origin HEAD ${plan.tag}    # the tag starts release.yml: image, scan, signature, prod deploy`);
    return plan;
  }
  for (const command of plan.gitCommands) {
    const result = deps.git(command.slice(1));
    if (result.exitCode !== 0) throw new ReleaseError(`${formatCommand(command)} failed: ${result.stderr.trim() || result.stdout.trim()}`);
    deps.out(`  ${formatCommand(command)}`);
  }
  deps.out(`Committed and tagged ${plan.tag}. Push both: git push origin HEAD ${plan.tag}`);
  return plan;
}

export async function main(argv: readonly string[], deps: ReleaseDeps): Promise<number> {
  try {
    const options = parseReleaseArgs(argv);
    if (options === 'help') {
      deps.out(USAGE);
      return 0;
    }
    await release(options, deps);
    return 0;
  } catch (err) {
    if (err instanceof Error && (err.name === 'ReleaseError' || err.name === 'ReleaseFileError' || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      deps.err(`release: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
