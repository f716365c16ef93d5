import { describe, expect, it } from 'vitest';
import { WrkParseError, parseWrkOutput, parseWrkTime, wrkArgs } from '../../../scripts/bench/wrk.js';

/** Verbatim output of wrk 4.1.0 (`wrk -t1 -c32 -d2s --latency`) against node:http on this machine. */
const OK_RUN = `Running 2s test @ http://127.0.0.1:18081/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.22ms    3.40ms  55.51ms   97.80%
    Req/Sec    40.23k    17.03k   71.82k    70.00%
  Latency Distribution
     50%  742.00us
     75%    0.94ms
     90%    1.50ms
     99%   14.18ms
  79922 requests in 2.00s, 13.34MB read
Requests/sec:  39944.32
Transfer/sec:      6.67MB
`;

/** Same shape with error responses, socket errors and second-scale latencies, as a struggling server produces. */
const BAD_RUN = `Running 1m test @ http://127.0.0.1:18081/e
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10s   300.00ms   1.99s    80.00%
    Req/Sec    30.00      5.00     40.00     70.00%
  Latency Distribution
     50%    1.05s
     75%    1.20s
     90%    1.60s
     99%    1.98s
  1800 requests in 1.00m, 334.00KB read
  Socket errors: connect 2, read 3, write 0, timeout 17
  Non-2xx or 3xx responses: 1800
Requests/sec:     29.95
Transfer/sec:      5.56KB
`;

describe('parseWrkTime', () => {
  it.each([
    ['742.00us', 0.742],
    ['0.94ms', 0.94],
    ['14.18ms', 14.18],
    ['1.05s', 1050],
    ['1.00m', 60_000],
    ['0.00us', 0],
  ])('%s is %f ms', (text, ms) => {
    expect(parseWrkTime(text)).toBeCloseTo(ms, 9);
  });

  it('rejects text without a known unit', () => {
    expect(() => parseWrkTime('12.5')).toThrow(WrkParseError);
    expect(() => parseWrkTime('3.0ns')).toThrow(/unrecognised wrk time "3.0ns"/);
  });
});

describe('parseWrkOutput', () => {
  it('reads totals, req/s and the latency percentiles in milliseconds', () => {
    expect(parseWrkOutput(OK_RUN)).toEqual({
      requests: 79922,
      durationSeconds: 2,
      requestsPerSecond: 39944.32,
      latencyMs: { p50: 0.742, p75: 0.94, p90: 1.5, p99: 14.18 },
      non2xx: 0,
      socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
    });
  });

  it('reads Non-2xx responses, socket errors, second latencies and a minute duration', () => {
    const r = parseWrkOutput(BAD_RUN);
    expect(r.non2xx).toBe(1800);
    expect(r.socketErrors).toEqual({ connect: 2, read: 3, write: 0, timeout: 17 });
    expect(r.latencyMs).toEqual({ p50: 1050, p75: 1200, p90: 1600, p99: 1980 });
    expect(r.durationSeconds).toBe(60);
    expect(r.requestsPerSecond).toBe(29.95);
  });

  it('uses the percentile table, not the Thread Stats averages', () => {
    // Thread Stats "Max 55.51ms" must not leak into p99 (14.18ms).
    expect(parseWrkOutput(OK_RUN).latencyMs.p99).toBe(14.18);
  });

  it('fails with a hint when wrk ran without --latency', () => {
    const noLatency = OK_RUN.replace(/ {2}Latency Distribution[\s\S]*?(?= {2}79922)/, '');
    expect(() => parseWrkOutput(noLatency)).toThrow(/latency distribution line \(was --latency passed\?\)/);
  });

  it('fails on output that is not a wrk report', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(WrkParseError);
  });
});

describe('wrkArgs', () => {
  it('builds a keep-alive run with the latency table', () => {
    expect(wrkArgs({ threads: 1, connections: 32, seconds: 10 }, 'http://127.0.0.1:1234/')).toEqual([
      '-t1',
      '-c32',
      '-d10s',
      '--latency',
      'http://127.0.0.1:1234/',
    ]);
  });
});
