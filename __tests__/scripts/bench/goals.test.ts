import { describe, expect, it } from 'vitest';
import { type GoalInput, GOALS, evaluateGoals, exitCodeFor } from '../../../scripts/bench/goals.js';
import type { LoadSummary, TargetName, TargetResult } from '../../../scripts/bench/types.js';

function target(name: TargetName, load: Partial<LoadSummary>, coldStartMs?: number): TargetResult {
  return {
    name,
    label: name,
    load: {
      rounds: 3,
      requestsPerSecond: 10_000,
      requestsPerSecondMin: 9000,
      requestsPerSecondMax: 11_000,
      p50Ms: 1,
      p99Ms: 4,
      cpuMicrosPerRequest: 50,
      non2xx: 0,
      socketErrors: 0,
      ...load,
    },
    coldStartMs,
  };
}

/** Every goal met: service at 80 % of raw, 4× FastAPI, p99 1.5× raw, 100 ms start, 120 KiB bundle. */
const passing: GoalInput = {
  raw: target('raw', { requestsPerSecond: 50_000, p99Ms: 2, cpuMicrosPerRequest: 16 }),
  service: target('service', { requestsPerSecond: 40_000, p99Ms: 3, cpuMicrosPerRequest: 20 }, 100),
  fastapi: target('fastapi', { requestsPerSecond: 10_000 }),
  bundleBytes: 120_000,
};

const verdicts = (input: GoalInput) => Object.fromEntries(evaluateGoals(input).map((g) => [g.name, g.verdict]));

describe('evaluateGoals', () => {
  it('passes every goal and shows the ratios it computed', () => {
    const goals = evaluateGoals(passing);
    expect(goals.map((g) => [g.name, g.measured, g.verdict])).toEqual([
      ['Throughput: service ÷ raw node:http', '0.80×', 'pass'],
      ['CPU efficiency: raw µs/req ÷ service µs/req', '0.80×', 'info'],
      ['Throughput: service ÷ FastAPI (1 worker)', '4.00×', 'pass'],
      ['p99 latency: service ÷ raw node:http', '1.50×', 'pass'],
      ['Cold start: service (spawn → /readyz 200)', '100.0 ms', 'pass'],
      ['Bundle size: dist/server.mjs', '117.2 KiB (120000 B)', 'pass'],
      ['Every load response 2xx, no socket errors', 'yes', 'pass'],
    ]);
    expect(exitCodeFor(goals, false)).toBe(0);
  });

  it('fails throughput below 0.70× raw and exits 1', () => {
    const input = { ...passing, service: target('service', { requestsPerSecond: 34_999, p99Ms: 3 }, 100) };
    expect(verdicts(input)['Throughput: service ÷ raw node:http']).toBe('fail');
    expect(exitCodeFor(evaluateGoals(input), false)).toBe(1);
  });

  it('treats the limits as written: ≥ 0.70× and ≤ 2× pass at the boundary, cold start and bundle must be strictly below', () => {
    const v = verdicts({
      raw: target('raw', { requestsPerSecond: 10_000, p99Ms: 2 }),
      service: target('service', { requestsPerSecond: 7000, p99Ms: 4 }, GOALS.maxColdStartMs),
      fastapi: target('fastapi', { requestsPerSecond: 7000 / 3 }),
      bundleBytes: GOALS.maxBundleBytes,
    });
    expect(v['Throughput: service ÷ raw node:http']).toBe('pass');
    expect(v['p99 latency: service ÷ raw node:http']).toBe('pass');
    expect(v['Throughput: service ÷ FastAPI (1 worker)']).toBe('pass');
    expect(v['Cold start: service (spawn → /readyz 200)']).toBe('fail');
    expect(v['Bundle size: dist/server.mjs']).toBe('fail');
  });

  it('fails p99 above 2× raw', () => {
    expect(verdicts({ ...passing, service: target('service', { requestsPerSecond: 40_000, p99Ms: 4.01 }, 100) })['p99 latency: service ÷ raw node:http']).toBe('fail');
  });

  it('marks the FastAPI ratio "not measured" when FastAPI was skipped, without failing the run', () => {
    const goals = evaluateGoals({ ...passing, fastapi: { name: 'fastapi', label: 'FastAPI', skipped: 'python3 not found on PATH' } });
    const fastapiGoal = goals.find((g) => g.name.includes('FastAPI'));
    expect(fastapiGoal).toMatchObject({ measured: 'not measured', verdict: 'not measured' });
    expect(exitCodeFor(goals, false)).toBe(0);
  });

  it('fails the run when any target answered non-2xx or had socket errors, naming it', () => {
    const goals = evaluateGoals({ ...passing, fastapi: target('fastapi', { requestsPerSecond: 10_000, non2xx: 12, socketErrors: 3 }) });
    const sanity = goals.at(-1);
    expect(sanity).toMatchObject({ verdict: 'fail', measured: 'fastapi: 12 non-2xx, 3 socket errors' });
    expect(exitCodeFor(goals, false)).toBe(1);
  });

  it('--no-fail exits 0 even with failures', () => {
    const goals = evaluateGoals({ ...passing, bundleBytes: 2_000_000 });
    expect(exitCodeFor(goals, false)).toBe(1);
    expect(exitCodeFor(goals, true)).toBe(0);
  });
});
