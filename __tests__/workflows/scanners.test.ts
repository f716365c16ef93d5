/**
 * The workflows under the external scanners, offline: zizmor's audits over .github/ and checkov's
 * GitHub Actions checks over .github/workflows, at zero findings. A finding we accept is ignored
 * inline (`# zizmor: ignore[rule]`) with its reason on the comment lines just above.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { lookPath } from '../../scripts/lib/which.js';
import { REPO_ROOT, toolchain } from '../../tools/toolchain.js';
import { formatFinding, runCheckov, summarise } from '../helpers/checkov.js';

interface ZizmorFinding {
  readonly ident: string;
  readonly desc: string;
  readonly locations: readonly { symbolic: { key: { Local?: { verbatim_path: string } } }; concrete: { location: { start_point: { row: number } } } }[];
}

async function zizmor(dir: string): Promise<{ findings: ZizmorFinding[]; ignored: number }> {
  const bin = toolchain().bin('zizmor');
  // --offline: no GitHub API calls (the online audits need a token and the network).
  const json = await runCommand(bin, ['--offline', '--no-progress', '--format', 'json', dir], { timeoutMs: 120_000 });
  // Exit 0: clean; 10-14: findings at some severity. Anything else is zizmor failing.
  if (json.exitCode !== 0 && !(json.exitCode >= 10 && json.exitCode <= 14)) throw new Error(`zizmor failed (exit ${json.exitCode}): ${json.stderr}`);
  const plain = await runCommand(bin, ['--offline', '--no-progress', '--color', 'never', dir], { timeoutMs: 120_000 });
  const ignored = Number(/\((\d+) ignored\)/.exec(plain.stdout + plain.stderr)?.[1] ?? 0);
  return { findings: JSON.parse(json.stdout) as ZizmorFinding[], ignored };
}

const formatZizmor = (f: ZizmorFinding) =>
  `${f.ident}: ${f.desc} at ${f.locations.map((l) => `${l.symbolic.key.Local?.verbatim_path}:${l.concrete.location.start_point.row + 1}`).join(', ')}`;

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));
/** A copy of .github in a scratch directory, with one workflow replaced. */
function githubCopy(workflow: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-scan-'));
  scratch.push(dir);
  cpSync(path.join(REPO_ROOT, '.github'), path.join(dir, '.github'), { recursive: true });
  writeFileSync(path.join(dir, '.github', 'workflows', workflow), text);
  return dir;
}

describe('zizmor', () => {
  it('runs the pinned version', async () => {
    const version = await runCommand(toolchain().bin('zizmor'), ['--version']);
    expect(version.stdout.trim()).toBe(`zizmor ${toolchain().manifest.python.zizmor!.version}`);
  });

  it('finds nothing in .github (the workflows)', async () => {
    const { findings, ignored } = await zizmor(path.join(REPO_ROOT, '.github'));
    console.log(`zizmor: 0 findings expected, ${findings.length} found, ${ignored} ignored inline with a reason`);
    expect(findings.map(formatZizmor)).toEqual([]);
    // The accepted findings: the three self-repository calls (release.yml → deploy.yml, plan.yml and
    // drift.yml → terraform-plan.yml); a new ignore needs a reason too.
    expect(ignored).toBe(3);
  });

  it('every inline ignore has its reason in the comment just above', () => {
    const files = readdirSync(path.join(REPO_ROOT, '.github'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f));
    for (const file of files) {
      const lines = readFileSync(path.join(REPO_ROOT, '.github', file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!/zizmor: ignore\[/.test(line)) return;
        expect(lines[i - 1] ?? '', `${file}:${i + 1} ignores a zizmor finding without a reason above it`).toMatch(/^\s*#\s*\S.{20,}/);
      });
    }
  });

  it('is not vacuous: it reports a checkout that keeps its credentials and a template injection', async () => {
    const bad = [
      'name: bad',
      'on: pull_request_target',
      'permissions: {}',
      'jobs:',
      '  x:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '',
    ].join('\n');
    const { findings } = await zizmor(path.join(githubCopy('bad.yml', bad), '.github'));
    expect(findings.map((f) => f.ident)).toEqual(expect.arrayContaining(['artipacked', 'template-injection']));
  });
});

describe('checkov (GitHub Actions)', () => {
  it('fails no check in any workflow', async () => {
    const report = await runCheckov({ dir: path.join(REPO_ROOT, '.github', 'workflows'), framework: 'github_actions' });
    console.log(summarise('workflows (github_actions)', report));
    expect(report.passed).toBeGreaterThan(50);
    expect(report.failed.map(formatFinding)).toEqual([]);
  }, 300_000);

  it('is not vacuous: it fails a workflow that grants write-all', async () => {
    const bad = ['name: bad', 'on: push', 'permissions: write-all', 'jobs:', '  x:', '    runs-on: ubuntu-24.04', '    steps:', '      - run: echo hi', ''].join('\n');
    const report = await runCheckov({ dir: path.join(githubCopy('bad.yml', bad), '.github', 'workflows'), framework: 'github_actions' });
    expect(report.failed.map((f) => f.check_id)).toContain('CKV2_GHA_1');
  }, 300_000);
});

describe('shellcheck (the scripts the workflows run)', () => {
  const shellcheck = lookPath('shellcheck');
  const scripts = readdirSync(path.join(REPO_ROOT, 'scripts', 'ci')).filter((f) => f.endsWith('.sh'));

  it('finds nothing in scripts/ci/*.sh', async () => {
    expect(shellcheck, 'shellcheck is not on PATH: run `npm run tools`').toBeDefined();
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    const result = await runCommand(shellcheck!, ['--format=gcc', ...scripts.map((f) => path.join('scripts', 'ci', f))], { cwd: REPO_ROOT });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('is not vacuous: it reports an unquoted variable', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-shellcheck-'));
    scratch.push(dir);
    writeFileSync(path.join(dir, 'bad.sh'), '#!/usr/bin/env bash\nrm -rf $1/*\n');
    const result = await runCommand(shellcheck!, ['--format=gcc', path.join(dir, 'bad.sh')]);
    expect(result.stdout).toMatch(/SC2086/);
  });
});
