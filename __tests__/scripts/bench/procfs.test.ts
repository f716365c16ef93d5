import { describe, expect, it } from 'vitest';
import { parseProcStatCpuTicks, parseProcStatusBytes } from '../../../scripts/bench/procfs.js';

describe('parseProcStatCpuTicks', () => {
  it('adds utime and stime (fields 14 and 15)', () => {
    const stat = '12435 (node) S 12373 12337 5001 0 -1 4194560 9120 0 0 0 250 75 0 0 20 0 11 0 102147 1151152128 22281 18446744073709551615';
    expect(parseProcStatCpuTicks(stat)).toBe(325);
  });

  it('is not thrown off by spaces and parentheses in the command name', () => {
    const stat = '77 (a) b (c) R 1 77 77 0 -1 4194304 103 0 0 0 8 4 0 0 20 0 1 0 102147 2998272 422';
    expect(parseProcStatCpuTicks(stat)).toBe(12);
  });

  it('throws on something that is not a stat line', () => {
    expect(() => parseProcStatCpuTicks('garbage')).toThrow(/utime\/stime/);
  });
});

describe('parseProcStatusBytes', () => {
  const status = 'Name:\tnode\nVmHWM:\t   95012 kB\nVmRSS:\t   88852 kB\nThreads:\t11\n';

  it('reads VmRSS and VmHWM in bytes', () => {
    expect(parseProcStatusBytes(status, 'VmRSS')).toBe(88852 * 1024);
    expect(parseProcStatusBytes(status, 'VmHWM')).toBe(95012 * 1024);
  });

  it('is undefined when the line is missing (zombie processes have no VmRSS)', () => {
    expect(parseProcStatusBytes('Name:\tnode\nState:\tZ (zombie)\n', 'VmRSS')).toBeUndefined();
  });
});
