import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../scripts/bench/args.js';
import { type BenchReport, goalsTable, markdownTable, num, renderMarkdown, targetsTable } from '../../../scripts/bench/report.js';
import type { TargetResult } from '../../../scripts/bench/types.js';

const service: TargetResult = {
  name: 'service',
  label: 'service (dist/server.mjs)',
  load: {
    rounds: 5,
    requestsPerSecond: 20587.4,
    requestsPerSecondMin: 16666,
    requestsPerSecondMax: 24720,
    p50Ms: 1.384,
    p99Ms: 4.456,
    cpuMicrosPerRequest: 40.64,
    non2xx: 0,
    socketErrors: 0,
  },
  rssBytes: 91_095_040,
  coldStartMs: 113.84,
};
const skippedFastapi: TargetResult = { name: 'fastapi', label: 'FastAPI + uvicorn (1 worker)', skipped: 'python3 not found on PATH' };

describe('markdownTable', () => {
  it('renders a header, separator and rows, escaping pipes and newlines inside cells', () => {
    expect(markdownTable(['a', 'b'], [['1', 'x|y'], ['2', 'two\nlines']])).toBe(
      ['| a | b |', '| --- | --- |', '| 1 | x\\|y |', '| 2 | two lines |'].join('\n'),
    );
  });
});

describe('num', () => {
  it('rounds with thousands separators and shows a dash for missing values', () => {
    expect(num(20587.4)).toBe('20,587');
    expect(num(4.456, 2)).toBe('4.46');
    expect(num(undefined)).toBe('—');
    expect(num(Number.NaN, 1)).toBe('—');
  });
});

describe('targetsTable', () => {
  it('shows medians, spread, RSS in MiB and cold start for a measured target, and the reason for a skipped one', () => {
    const lines = targetsTable([service, skippedFastapi]).split('\n');
    expect(lines[0]).toBe('| Server | req/s (median) | req/s (min–max) | p50 ms | p99 ms | CPU µs/req | RSS MiB | Cold start ms (median) |');
    expect(lines[2]).toBe('| service (dist/server.mjs) | 20,587 | 16,666–24,720 | 1.38 | 4.46 | 40.6 | 86.9 | 113.8 |');
    expect(lines[3]).toBe('| FastAPI + uvicorn (1 worker) | skipped: python3 not found on PATH | — | — | — | — | — | — |');
  });
});

describe('goalsTable', () => {
  it('labels each verdict', () => {
    const table = goalsTable([
      { name: 'A', measured: '0.80×', goal: '≥ 0.70×', verdict: 'pass' },
      { name: 'B', measured: '0.41×', goal: '≥ 0.70×', verdict: 'fail' },
      { name: 'C', measured: 'not measured', goal: '≥ 3.00×', verdict: 'not measured' },
    ]);
    expect(table.split('\n').slice(2)).toEqual([
      '| A | 0.80× | ≥ 0.70× | ✅ pass |',
      '| B | 0.41× | ≥ 0.70× | ❌ fail |',
      '| C | not measured | ≥ 3.00× | ⚠️ not measured |',
    ]);
  });
});

describe('renderMarkdown', () => {
  const report: BenchReport = {
    startedAt: '2026-01-31T12:00:00.000Z',
    durationSeconds: 34.2,
    command: 'npm run bench -- --quick',
    wrkCommand: 'wrk -t1 -c32 -d3s --latency http://127.0.0.1:<port>/',
    options: { ...DEFAULTS, quick: true, rounds: 3, roundSeconds: 3, warmupSeconds: 1, coldStarts: 3 },
    machine: 'Node v20, 2 × CPU',
    bundleBytes: 121_520,
    targets: [service, skippedFastapi],
    goals: [
      { name: 'Throughput', measured: '0.80×', goal: '≥ 0.70×', verdict: 'pass' },
      { name: 'vs FastAPI', measured: 'not measured', goal: '≥ 3.00×', verdict: 'not measured' },
    ],
    rounds: [],
    notes: ['FastAPI skipped.'],
  };

  it('leads with the outcome, then the tables, then the exact commands and notes', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('All measured goals pass; **1 not measured.**');
    expect(md).toContain('- Command: `npm run bench -- --quick`');
    expect(md).toContain('- Load: `wrk -t1 -c32 -d3s --latency http://127.0.0.1:<port>/`, 3 interleaved round(s) of 3 s per server after a 1 s warm-up');
    expect(md).toContain('median of 3.');
    expect(md).toContain('- FastAPI skipped.');
    expect(md.indexOf('| Target | Measured | Goal | Result |')).toBeLessThan(md.indexOf('| Server |'));
  });

  it('counts failures in the headline', () => {
    const failing = { ...report, goals: [...report.goals, { name: 'p99', measured: '2.5×', goal: '≤ 2.00×', verdict: 'fail' as const }] };
    expect(renderMarkdown(failing)).toContain('**1 goal(s) FAILED.**');
  });
});
