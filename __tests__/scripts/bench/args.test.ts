import { describe, expect, it } from 'vitest';
import { DEFAULTS, QUICK, UsageError, parseArgs } from '../../../scripts/bench/args.js';
import { estimateSeconds, roundOrder } from '../../../scripts/bench/schedule.js';

describe('parseArgs', () => {
  it('defaults to the full run with build, FastAPI and a failing exit code on misses', () => {
    expect(parseArgs([])).toEqual({ ...DEFAULTS, quick: false });
  });

  it('--quick shortens the run, and explicit flags win whatever their position', () => {
    expect(parseArgs(['--rounds', '7', '--quick'])).toMatchObject({ ...QUICK, rounds: 7, quick: true });
    expect(parseArgs(['--quick', '--round-seconds=2'])).toMatchObject({ rounds: QUICK.rounds, roundSeconds: 2 });
  });

  it('turns the --no- switches off', () => {
    expect(parseArgs(['--no-build', '--no-fail', '--no-fastapi'])).toMatchObject({ build: false, fail: false, fastapi: false });
  });

  it('rejects fractional, zero or missing numbers and unknown flags', () => {
    expect(() => parseArgs(['--round-seconds', '2.5'])).toThrow(/whole number/);
    expect(() => parseArgs(['--rounds', '0'])).toThrow(UsageError);
    expect(() => parseArgs(['--rounds'])).toThrow(/got nothing/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option --fast/);
  });

  it('returns "help" for --help', () => {
    expect(parseArgs(['--quick', '--help'])).toBe('help');
  });
});

describe('roundOrder', () => {
  it('rotates the starting target each round so every target gets every slot', () => {
    const t = ['raw', 'service', 'fastapi'];
    expect([0, 1, 2, 3].map((r) => roundOrder(t, r))).toEqual([
      ['raw', 'service', 'fastapi'],
      ['service', 'fastapi', 'raw'],
      ['fastapi', 'raw', 'service'],
      ['raw', 'service', 'fastapi'],
    ]);
  });

  it('handles an empty list', () => {
    expect(roundOrder([], 5)).toEqual([]);
  });
});

describe('estimateSeconds', () => {
  it('keeps the default run under 4 minutes and --quick near 40 s', () => {
    const full = estimateSeconds({ ...DEFAULTS, quick: false }, 3);
    const quick = estimateSeconds({ ...DEFAULTS, ...QUICK, quick: true }, 3);
    expect(full).toBeLessThan(240);
    expect(quick).toBeLessThanOrEqual(50);
    expect(quick).toBeGreaterThan(25);
  });
});
