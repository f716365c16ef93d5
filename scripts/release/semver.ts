/**
 * Semantic Versioning 2.0.0 (https://semver.org): strict parsing and precedence, without a
 * dependency. Only what `npm run release` needs: is this a version, and is it newer.
 */

export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release identifiers (`1.0.0-rc.1` → ['rc', '1']); empty for a release. */
  readonly prerelease: readonly string[];
  /** Build metadata identifiers (`1.0.0+sha.5114f85` → ['sha', '5114f85']); ignored for precedence. */
  readonly build: readonly string[];
}

// The regular expression semver.org recommends, with named groups.
const SEMVER =
  /^(?<major>0|[1-9]\d*)\.(?<minor>0|[1-9]\d*)\.(?<patch>0|[1-9]\d*)(?:-(?<prerelease>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+(?<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** The parsed version, or undefined when `text` is not a valid semantic version. */
export function parseSemVer(text: string): SemVer | undefined {
  const m = SEMVER.exec(text);
  if (!m?.groups) return undefined;
  const { major, minor, patch, prerelease, build } = m.groups;
  const numbers = [major, minor, patch].map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n))) return undefined;
  return {
    major: numbers[0]!,
    minor: numbers[1]!,
    patch: numbers[2]!,
    prerelease: prerelease ? prerelease.split('.') : [],
    build: build ? build.split('.') : [],
  };
}

export const formatSemVer = (v: SemVer): string =>
  `${v.major}.${v.minor}.${v.patch}${v.prerelease.length ? `-${v.prerelease.join('.')}` : ''}${v.build.length ? `+${v.build.join('.')}` : ''}`;

const isNumeric = (id: string) => /^\d+$/.test(id);

function compareIdentifiers(a: string, b: string): number {
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1; // numeric identifiers have lower precedence than alphanumeric ones
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0; // ASCII order
}

/** Precedence as semver.org §11: negative when a < b, 0 when equal (build metadata ignored), positive when a > b. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return Math.sign(a[key] - b[key]);
  }
  // A pre-release version has lower precedence than the release itself.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return Math.sign(b.prerelease.length - a.prerelease.length);
  const length = Math.max(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < length; i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1; // a shorter set of identifiers has lower precedence
    if (y === undefined) return 1;
    const c = compareIdentifiers(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

export type Bump = 'major' | 'minor' | 'patch' | 'prerelease';

/** The most significant part that changes from `from` to a greater `to`. */
export function bumpKind(from: SemVer, to: SemVer): Bump {
  if (to.major !== from.major) return 'major';
  if (to.minor !== from.minor) return 'minor';
  if (to.patch !== from.patch) return 'patch';
  return 'prerelease';
}
