import { describe, expect, it } from 'vitest';
import { bumpKind, compareSemVer, formatSemVer, parseSemVer } from '../../../scripts/release/semver.js';

const v = (text: string) => {
  const parsed = parseSemVer(text);
  if (!parsed) throw new Error(`not semver: ${text}`);
  return parsed;
};

describe('parseSemVer', () => {
  it.each(['0.0.0', '1.2.3', '10.20.30', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-0.3.7', '1.0.0-x.7.z.92', '1.0.0-rc.1+build.5', '1.0.0+20130313144700', '1.0.0-x-y-z.--'])(
    'accepts %s and formats it back unchanged',
    (text) => {
      expect(formatSemVer(v(text))).toBe(text);
    },
  );

  it.each(['', '1', '1.2', '1.2.3.4', 'v1.2.3', '01.2.3', '1.02.3', '1.2.03', '1.2.3-', '1.2.3-01', '1.2.3+', '1.2.3-a..b', ' 1.2.3', '1.2.3 ', '1.2.x', 'latest', '99999999999999999999.0.0'])(
    'rejects %j',
    (text) => {
      expect(parseSemVer(text)).toBeUndefined();
    },
  );

  it('splits pre-release and build identifiers', () => {
    expect(v('1.2.3-rc.1+sha.5114f85')).toEqual({ major: 1, minor: 2, patch: 3, prerelease: ['rc', '1'], build: ['sha', '5114f85'] });
  });
});

describe('compareSemVer', () => {
  // The precedence example of semver.org §11, in ascending order.
  const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '1.10.0', '2.0.0'];

  it.each(ordered.slice(1).map((b, i) => [ordered[i]!, b] as const))('%s < %s', (a, b) => {
    expect(compareSemVer(v(a), v(b))).toBeLessThan(0);
    expect(compareSemVer(v(b), v(a))).toBeGreaterThan(0);
  });

  it('sorts the semver.org example into its documented order', () => {
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort((a, b) => compareSemVer(v(a), v(b)))).toEqual(ordered);
  });

  it('compares numbers numerically, not as text', () => {
    expect(compareSemVer(v('0.10.0'), v('0.9.0'))).toBeGreaterThan(0);
    expect(compareSemVer(v('1.0.0-rc.10'), v('1.0.0-rc.9'))).toBeGreaterThan(0);
  });

  it('ignores build metadata', () => {
    expect(compareSemVer(v('1.0.0+a'), v('1.0.0+b'))).toBe(0);
    expect(compareSemVer(v('1.0.0'), v('1.0.0'))).toBe(0);
  });
});

describe('bumpKind', () => {
  it.each([
    ['0.1.0', '1.0.0', 'major'],
    ['0.1.0', '0.2.0', 'minor'],
    ['0.1.0', '0.1.1', 'patch'],
    ['1.0.0-rc.1', '1.0.0', 'prerelease'],
    ['1.0.0-rc.1', '1.0.0-rc.2', 'prerelease'],
  ] as const)('%s → %s is a %s bump', (from, to, kind) => {
    expect(bumpKind(v(from), v(to))).toBe(kind);
  });
});
