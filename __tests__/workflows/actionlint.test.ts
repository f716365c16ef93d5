/**
 * actionlint (the pinned Go release, `npm run tools`) over every workflow, with shellcheck on PATH so
 * each `run:` script is checked too. Zero findings, with one exception for syntax newer than the
 * newest actionlint the Go module proxy serves (1.7.12): `concurrency.queue` (GitHub changelog,
 * 2026-05-07), which deploy.yml needs so that no queued deployment is dropped. The exception is
 * exact (that message, on a `queue: max` line) and expires by itself: a test fails as soon as the
 * pinned actionlint accepts the key.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { lookPath } from '../../scripts/lib/which.js';
import { REPO_ROOT, toolchain } from '../../tools/toolchain.js';
import { loadWorkflows } from './support/workflows.js';

interface Finding {
  readonly message: string;
  readonly filepath: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

const actionlint = toolchain().bin('actionlint');
const shellcheck = lookPath('shellcheck');

/** Runs actionlint in `cwd` (a repository root) and returns its findings. */
async function lint(cwd: string, files: readonly string[] = []): Promise<Finding[]> {
  if (!shellcheck) throw new Error('shellcheck is not on PATH: run `npm run tools` (it installs the Debian package)');
  const result = await runCommand(actionlint, ['-format', '{{json .}}', '-shellcheck', shellcheck, ...files], { cwd, timeoutMs: 120_000 });
  // Exit 0: no findings; 1: findings (as JSON); anything else: actionlint itself failed.
  if (result.exitCode > 1) throw new Error(`actionlint failed (exit ${result.exitCode}): ${result.stderr}`);
  return JSON.parse(result.stdout || '[]') as Finding[];
}

const NEWER_THAN_ACTIONLINT = /^unexpected key "queue" for "concurrency" section\./;
const lineOf = (f: Finding) => readFileSync(path.join(REPO_ROOT, f.filepath), 'utf8').split('\n')[f.line - 1]?.trim();
/** The findings but the exception above, which must sit exactly on `queue: max` lines. */
const unexplained = (findings: readonly Finding[]) => findings.filter((f) => !(f.kind === 'syntax-check' && NEWER_THAN_ACTIONLINT.test(f.message) && lineOf(f) === 'queue: max'));

const format = (f: Finding) => `${f.filepath}:${f.line}:${f.column} [${f.kind}] ${f.message}`;

describe('actionlint', () => {
  it('runs the pinned version', async () => {
    const result = await runCommand(actionlint, ['-version']);
    expect(result.stdout.split('\n')[0]).toBe(toolchain().goTool('actionlint').version);
  });

  it('finds every workflow and reports nothing in any of them', async () => {
    const workflows = loadWorkflows();
    expect(workflows.map((wf) => wf.file)).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml', 'drift.yml', 'plan.yml', 'release.yml', 'chart.yml']));
    expect(unexplained(await lint(REPO_ROOT, workflows.map((wf) => wf.path))).map(format)).toEqual([]);
  });

  it('the one exception is still needed: the pinned actionlint still refuses `concurrency.queue` (remove the exception when this fails)', async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'hono-api-actionlint-'));
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    await runCommand('git', ['init', '-q', repo]);
    const workflow = ['on: push', 'permissions: {}', 'concurrency:', '  group: x', '  queue: max', 'jobs:', '  x:', '    runs-on: ubuntu-24.04', '    steps:', '      - run: echo ok', ''];
    writeFileSync(path.join(repo, '.github', 'workflows', 'queue.yml'), workflow.join('\n'));
    const findings = await lint(repo);
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(NEWER_THAN_ACTIONLINT)]);
  });

  it('is not vacuous: it reports an untrusted expression, an unknown context and a shellcheck finding in a run: script', async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'hono-api-actionlint-'));
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    await runCommand('git', ['init', '-q', repo]);
    writeFileSync(
      path.join(repo, '.github', 'workflows', 'bad.yml'),
      [
        'on: pull_request',
        'permissions: {}',
        'jobs:',
        '  x:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: echo "${{ github.event.pull_request.title }}"',
        '      - run: echo "${{ varz.X }}"',
        '      - run: cd $HOME/x; rm -rf $TARGET/*',
        '',
      ].join('\n'),
    );
    const findings = await lint(repo);
    const kinds = findings.map((f) => f.kind);
    expect(findings.map((f) => f.message).join('\n')).toMatch(/potentially untrusted/);
    expect(findings.map((f) => f.message).join('\n')).toMatch(/undefined variable "varz"/);
    expect(kinds).toContain('shellcheck');
  });
});
