/**
 * Concurrency groups, evaluated with GitHub's expression evaluator (support/expressions.ts) for the
 * runs GitHub would start: GitHub keeps one running and one pending run per group and cancels any
 * other pending one, so a group shared by pushes to main drops the CI of a commit in the middle of
 * three quick merges, and that commit's deploy or release then fails waiting for CI.
 */
import { describe, expect, it } from 'vitest';
import { evaluateValue } from './support/expressions.js';
import { loadWorkflow } from './support/workflows.js';

type Concurrency = { group: string; 'cancel-in-progress'?: unknown; queue?: string };
const shas = ['1', '2', '3'].map((d) => d.repeat(40));
const push = (sha: string) => ({ github: { event_name: 'push', ref: 'refs/heads/main', sha, event: {} } });
const pullRequest = (number: number, sha: string) => ({ github: { event_name: 'pull_request', ref: `refs/pull/${number}/merge`, sha, event: { pull_request: { number } } } });

/** The group and cancel-in-progress a workflow's concurrency takes in `context`. */
function groupOf(concurrency: Concurrency, context: Record<string, unknown>) {
  return { group: evaluateValue(concurrency.group, context) as string, cancel: evaluateValue(concurrency['cancel-in-progress'] ?? false, context) as boolean, queue: concurrency.queue };
}

/** Whether three runs started in quick succession all run: no two share a group unless the group queues every run and cancels none. */
function allRun(concurrency: Concurrency, contexts: Record<string, unknown>[]) {
  const groups = contexts.map((c) => groupOf(concurrency, c));
  return groups.every((g, i) => g.cancel === false && (g.queue === 'max' || groups.every((h, j) => i === j || h.group !== g.group)));
}

describe('ci.yml concurrency', () => {
  const ci = loadWorkflow('ci.yml').concurrency as Concurrency;

  it('three quick merges to main: every commit gets its own CI run (none cancelled, none evicted from the queue)', () => {
    expect(allRun(ci, shas.map(push))).toBe(true);
  });

  it('a pull request still cancels its own older run, and never another pull request\'s or main\'s', () => {
    const [a, b] = [groupOf(ci, pullRequest(7, shas[0]!)), groupOf(ci, pullRequest(7, shas[1]!))];
    expect(a.group).toBe(b.group);
    expect(b.cancel).toBe(true);
    expect(groupOf(ci, pullRequest(8, shas[1]!)).group).not.toBe(a.group);
    expect(shas.map((sha) => groupOf(ci, push(sha)).group)).not.toContain(a.group);
  });

  it('the broken twin: the previous group (the ref) puts every push to main in one group, so the middle run is evicted', () => {
    expect(allRun({ ...ci, group: 'ci-${{ github.event.pull_request.number || github.ref }}' }, shas.map(push))).toBe(false);
  });
});

describe('deploy.yml concurrency', () => {
  it('one group per environment that queues every run and cancels none (the order is checked by main-tip.sh)', () => {
    const deploy = loadWorkflow('deploy.yml').concurrency as Concurrency;
    const runs = shas.map((sha) => ({ ...push(sha), inputs: {} }));
    expect(new Set(runs.map((r) => groupOf(deploy, r).group))).toEqual(new Set(['deploy-dev']));
    expect(allRun(deploy, runs)).toBe(true);
    expect(groupOf(deploy, { ...push(shas[0]!), inputs: { environment: 'prod' } }).group).toBe('deploy-prod');
  });
});
