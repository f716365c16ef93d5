/** The plan report the workflows post (scripts/ci/plan-report): counts, statuses, the 65k limit. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, readStackPlan } from '../../scripts/ci/plan-report/cli.js';
import { GITHUB_BODY_LIMIT, type StackPlan, countChanges, renderReport, statusFromExitCode } from '../../scripts/ci/plan-report/summary.js';

const rc = (...actions: string[][]) => ({ resource_changes: actions.map((a, i) => ({ address: `x.r${i}`, change: { actions: a } })) });

describe('countChanges', () => {
  it('counts as terraform plan does: a replacement is one add and one destroy; reads and no-ops are nothing', () => {
    expect(countChanges(rc(['create'], ['update'], ['delete'], ['delete', 'create'], ['create', 'delete'], ['no-op'], ['read']))).toEqual({ add: 3, change: 1, destroy: 3 });
    expect(countChanges({})).toEqual({ add: 0, change: 0, destroy: 0 });
  });

  it('maps terraform plan -detailed-exitcode', () => {
    expect([0, 2, 1, 3, undefined].map(statusFromExitCode)).toEqual(['no-changes', 'changes', 'failed', 'failed', 'failed']);
  });
});

describe('renderReport', () => {
  const stacks: StackPlan[] = [
    { stack: 'network-dev', status: 'no-changes', counts: { add: 0, change: 0, destroy: 0 }, text: 'No changes.' },
    { stack: 'cluster-dev', status: 'changes', counts: { add: 1, change: 2, destroy: 0 }, text: 'Plan: 1 to add, 2 to change, 0 to destroy.' },
    { stack: 'app-dev', status: 'failed', text: 'Error: boom' },
  ];
  const report = renderReport({ marker: '<!-- m:dev -->', title: 'Terraform plan: dev', stacks, runUrl: 'https://example/run/1' });

  it('starts with the hidden marker the comment is found by', () => {
    expect(report.startsWith('<!-- m:dev -->\n### Terraform plan: dev')).toBe(true);
  });

  it('has one table row per stack with its counts', () => {
    expect(report).toContain('| `network-dev` | ✅ no changes | 0 | 0 | 0 |');
    expect(report).toContain('| `cluster-dev` | 📝 changes | 1 | 2 | 0 |');
    expect(report).toContain('| `app-dev` | ❌ plan failed | – | – | – |');
    expect(report).toContain('**1 of 3 plans failed.**');
  });

  it('folds the full plans of changed and failed stacks into <details>, not the unchanged ones', () => {
    expect(report).toMatch(/<details><summary><code>cluster-dev<\/code>[^\n]*<\/summary>\n\n```text\nPlan: 1 to add/);
    expect(report).toMatch(/<details><summary><code>app-dev<\/code>/);
    expect(report).not.toMatch(/<code>network-dev<\/code>/);
    expect(report).toContain('[Workflow run](https://example/run/1)');
  });

  it('says so when nothing changes', () => {
    expect(renderReport({ marker: '<!-- m -->', title: 't', stacks: [stacks[0]!] })).toContain('**No changes.**');
    expect(renderReport({ marker: '<!-- m -->', title: 't', stacks: [stacks[1]!] })).toContain('**1 to add, 2 to change, 0 to destroy** across 1 stack.');
  });

  it('uses a fence longer than any backtick run in the plan', () => {
    const text = renderReport({ marker: '<!-- m -->', title: 't', stacks: [{ ...stacks[1]!, text: 'a ```` b' }] });
    expect(text).toContain('`````text\na ```` b\n`````');
  });

  it('stays under GitHub\'s 65,536-character limit, keeping the summary and saying what was cut', () => {
    const huge = (stack: string) => ({ stack, status: 'changes' as const, counts: { add: 5000, change: 0, destroy: 0 }, text: `${'  + resource "aws_x" "y" {}\n'.repeat(4000)}Plan: 5000 to add` });
    const big = renderReport({ marker: '<!-- m -->', title: 't', stacks: [huge('network-prod'), huge('cluster-prod'), huge('app-prod')], runUrl: 'https://example/run/2' });
    expect(big.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(GITHUB_BODY_LIMIT).toBeLessThan(65_536);
    expect(big).toContain('| `app-prod` | 📝 changes | 5000 | 0 | 0 |');
    expect(big).toMatch(/… \d+ more characters/);
    expect(big).toMatch(/Truncated to fit GitHub's comment limit; 2 more stacks omitted/);
    expect(big).toContain('[Workflow run](https://example/run/2)');
    expect(big.match(/<details>/g)?.length).toBe(big.match(/<\/details>/g)?.length);
  });

  it.each([1_000, 5_000, 20_000])('respects a smaller limit (%i)', (max) => {
    const text = '+ x\n'.repeat(10_000);
    const out = renderReport({ marker: '<!-- m -->', title: 't', maxLength: max, stacks: [{ stack: 's', status: 'changes', counts: { add: 1, change: 0, destroy: 0 }, text }] });
    expect(out.length).toBeLessThanOrEqual(max);
  });
});

describe('plan-report CLI', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'plan-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (stack: string, files: Record<string, string>) => {
    mkdirSync(path.join(dir, stack), { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, stack, name), content);
  };

  it('reads what scripts/ci/plan-stacks.sh leaves in each stack directory', () => {
    write('a', { 'plan.exitcode': '2\n', 'plan.json': JSON.stringify(rc(['create'], ['delete'])), 'plan.txt': 'Plan: 1 to add, 0 to change, 1 to destroy.' });
    write('b', { 'plan.exitcode': '1\n', 'plan.txt': 'Error: no credentials' });
    write('c', { 'plan.exitcode': '0\n', 'plan.json': JSON.stringify({}), 'plan.txt': 'No changes.' });
    expect(readStackPlan(dir, 'a')).toEqual({ stack: 'a', status: 'changes', counts: { add: 1, change: 0, destroy: 1 }, text: 'Plan: 1 to add, 0 to change, 1 to destroy.' });
    expect(readStackPlan(dir, 'b')).toEqual({ stack: 'b', status: 'failed', text: 'Error: no credentials' });
    expect(readStackPlan(dir, 'missing').status).toBe('failed');

    const out = path.join(dir, 'report.md');
    const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '42' };
    expect(main(['--title', 'Plan: dev', '--marker', '<!-- x -->', '--out', out, '--stacks-dir', dir, '--context', 'Commit abc', 'a', 'b', 'c'], env)).toBe(0);
    const report = readFileSync(out, 'utf8');
    expect(report).toMatch(/^<!-- x -->\n### Plan: dev\n\nCommit abc\n/);
    expect(report).toContain('[Workflow run](https://github.com/o/r/actions/runs/42)');
  });
});
