import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../src/lifecycle.js';

describe('Lifecycle', () => {
  it('starts in "starting": neither ready nor started', () => {
    const l = new Lifecycle();
    expect({ phase: l.phase, ready: l.ready, started: l.started }).toEqual({ phase: 'starting', ready: false, started: false });
  });

  it('markReady moves to "ready"', () => {
    const l = new Lifecycle();
    l.markReady();
    expect({ phase: l.phase, ready: l.ready, started: l.started }).toEqual({ phase: 'ready', ready: true, started: true });
  });

  it('markDraining moves to "draining": started but not ready', () => {
    const l = new Lifecycle();
    l.markReady();
    l.markDraining();
    expect({ phase: l.phase, ready: l.ready, started: l.started }).toEqual({ phase: 'draining', ready: false, started: true });
  });

  it('a drain that began before listening wins over a later markReady', () => {
    const l = new Lifecycle();
    l.markDraining();
    l.markReady();
    expect(l.phase).toBe('draining');
    expect(l.ready).toBe(false);
  });
});
