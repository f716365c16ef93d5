/**
 * The workflow tests can fail. Each deliberately broken variant below (the six a review found the
 * old suite passing) is applied to a copy of the repository, and the workflow tests that should
 * catch it are run there with vitest: every variant must make them fail, and the unbroken copy
 * must pass them (so a failure is the variant's doing, not the copy's).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';

interface Mutant {
  readonly name: string;
  readonly file: string;
  /** Exact text that must occur in the file; its first occurrence is replaced. */
  readonly from: string;
  readonly to: string;
  /** The test files that must catch it (relative to __tests__/workflows). */
  readonly tests: readonly string[];
}

const MUTANTS: readonly Mutant[] = [
  {
    name: 'an action pinned to a 0000… SHA',
    file: '.github/workflows/deploy.yml',
    from: 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8',
    to: `actions/checkout@${'0'.repeat(40)}`,
    tests: ['structure.test.ts'],
  },
  {
    name: 'a checkout that keeps its credentials (persist-credentials: true)',
    file: '.github/workflows/terraform-plan.yml',
    from: 'persist-credentials: false',
    to: 'persist-credentials: true',
    tests: ['structure.test.ts', 'scanners.test.ts'],
  },
  {
    name: 'the apply job applying only the first stack',
    file: '.github/workflows/deploy.yml',
    from: 'bash scripts/ci/apply-stacks.sh "${stacks[@]}"',
    to: 'bash scripts/ci/apply-stacks.sh "${stacks[0]}"',
    tests: ['plan-layers.test.ts'],
  },
  {
    name: 'a drift check that never exits 2 (no -detailed-exitcode)',
    file: 'scripts/ci/plan-stacks.sh',
    from: 'plan -input=false -no-color -detailed-exitcode',
    to: 'plan -input=false -no-color',
    tests: ['plan-layers.test.ts'],
  },
  {
    name: "a typo in the provenance step's if:",
    file: '.github/workflows/release.yml',
    from: '        uses: actions/attest-build-provenance@',
    to: "        if: steps.psuh.outputs.digest != ''\n        uses: actions/attest-build-provenance@",
    tests: ['actionlint.test.ts'],
  },
  {
    name: 'broken logic in verify-attestations.sh (the main-branch check inverted)',
    file: 'scripts/ci/verify-attestations.sh',
    from: '|| ! git merge-base --is-ancestor',
    to: '|| git merge-base --is-ancestor',
    tests: ['verify-image.test.ts'],
  },
];

const ALL_TESTS = [...new Set(MUTANTS.flatMap((m) => m.tests))];
const copies: string[] = [];
afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The repository's tracked files (as they are in the working tree), node_modules linked, plus a vitest config without the cluster setup. */
async function copyRepository(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-mutant-'));
  copies.push(dir);
  const files = (await runCommand('git', ['-C', REPO_ROOT, 'ls-files', '-z'])).stdout.split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    try {
      cpSync(path.join(REPO_ROOT, file), path.join(dir, file));
    } catch {
      // deleted in the working tree but not yet in the index
    }
  }
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'vitest.mutant.config.ts'), "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['__tests__/**/*.test.ts'], environment: 'node', testTimeout: 120_000 } });\n");
  return dir;
}

const vitest = (dir: string, tests: readonly string[]) =>
  runCommand(path.join(dir, 'node_modules', '.bin', 'vitest'), ['run', '-c', 'vitest.mutant.config.ts', ...tests.map((t) => `__tests__/workflows/${t}`)], {
    cwd: dir,
    timeoutMs: 600_000,
    env: { ...process.env, CI: '' },
  });

describe('each broken variant fails the workflow tests', () => {
  it('the unbroken copy passes them', async () => {
    const dir = await copyRepository();
    const r = await vitest(dir, ALL_TESTS);
    expect(r.exitCode, r.stdout.slice(-3000)).toBe(0);
  }, 600_000);

  it.each(MUTANTS.map((m) => [m.name, m] as const))('%s', async (_, mutant) => {
    const dir = await copyRepository();
    const file = path.join(dir, mutant.file);
    const text = readFileSync(file, 'utf8');
    expect(text.includes(mutant.from), `${mutant.file} no longer contains ${JSON.stringify(mutant.from)}: update the variant`).toBe(true);
    writeFileSync(file, text.replace(mutant.from, mutant.to));
    const r = await vitest(dir, mutant.tests);
    expect(r.exitCode, `${mutant.name}: ${mutant.tests.join(', ')} passed with the variant applied`).not.toBe(0);
    expect(r.stdout).toMatch(/Tests\s+.*\d+ failed/);
  }, 600_000);
});
