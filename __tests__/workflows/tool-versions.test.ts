/**
 * One version of each tool everywhere: the workflows install Terraform and Helm at the versions
 * tools/versions.json pins (the manifest the suite and `npm run tools` use), read from the file at
 * run time rather than copied into the YAML.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, readManifest } from '../../tools/toolchain.js';
import { actionName, jobsOf, loadWorkflows, stepsOf } from './support/workflows.js';

const manifest = readManifest();
const SETUP = { 'hashicorp/setup-terraform': ['terraform_version', 'terraform'], 'azure/setup-helm': ['version', 'helm'] } as const;

const setups = loadWorkflows().flatMap((wf) =>
  jobsOf(wf).flatMap(({ id, job }) =>
    stepsOf(job).flatMap((step, index) => {
      const action = step.uses ? actionName(step.uses) : '';
      return action in SETUP ? [{ where: `${wf.file} ${id}`, action: action as keyof typeof SETUP, step, before: stepsOf(job).slice(0, index) }] : [];
    }),
  ),
);

describe('tool versions in the workflows', () => {
  it('installs terraform and helm in the workflows that need them', () => {
    expect(setups.filter((s) => s.action === 'hashicorp/setup-terraform').length).toBeGreaterThanOrEqual(4);
    expect(setups.filter((s) => s.action === 'azure/setup-helm').length).toBeGreaterThanOrEqual(2);
  });

  it.each(setups.map((s) => [s.where, s]))('%s takes its version from tools/versions.json', (_where, s) => {
    const [input, output] = SETUP[s.action];
    expect((s.step.with as Record<string, unknown>)[input]).toBe(`\${{ steps.tools.outputs.${output} }}`);
    expect(s.before.some((b) => (b as { id?: string }).id === 'tools')).toBe(true);
  });

  it('the tools step prints exactly the pinned versions', () => {
    const step = setups[0]!.before.find((b) => (b as { id?: string }).id === 'tools') as { run: string };
    const output = path.join(mkdtempSync(path.join(os.tmpdir(), 'hono-api-gh-output-')), 'out');
    execFileSync('bash', ['-c', step.run], { cwd: REPO_ROOT, env: { ...process.env, GITHUB_OUTPUT: output } });
    expect(readFileSync(output, 'utf8').trim().split('\n')).toEqual([`terraform=${manifest.terraform.version}`, `helm=v${manifest.go.helm!.version}`]);
  });
});

describe('the toolchain cache', () => {
  const jobs = loadWorkflows().flatMap((wf) => jobsOf(wf).map(({ id, job }) => ({ where: `${wf.file}#${id}`, steps: stepsOf(job) })));
  const toolchainJobs = jobs.filter((j) => j.steps.some((s) => JSON.stringify(s.with ?? {}).includes('.cache/hono-eks-platform/tools')));

  it('is used by the suite\'s jobs (ci.yml checks, chart.yml cluster tests)', () => {
    expect(toolchainJobs.map((j) => j.where).sort()).toEqual(['chart.yml#install', 'ci.yml#checks']);
  });

  it.each(toolchainJobs.map((j) => [j.where, j.steps] as const))('%s: restored, built, and saved before the tests run (actions/cache would save only if the whole job passed)', (_, steps) => {
    const action = (s: (typeof steps)[number]) => (s.uses ? actionName(s.uses) : '');
    expect(steps.filter((s) => action(s) === 'actions/cache')).toEqual([]);
    const restore = steps.findIndex((s) => action(s) === 'actions/cache/restore');
    const build = steps.findIndex((s) => s.run === 'npm run tools');
    const save = steps.findIndex((s) => action(s) === 'actions/cache/save');
    const tests = steps.findIndex((s) => /npm test|vitest run/.test(s.run ?? ''));
    expect([restore, build, save, tests].every((i) => i >= 0)).toBe(true);
    expect([restore, build, save, tests]).toEqual([restore, build, save, tests].sort((a, b) => a - b));
    expect(steps[save]!.if).toBe("steps.tools-cache.outputs.cache-hit != 'true'");
    expect(steps[save]!.with?.key).toBe('${{ steps.tools-cache.outputs.cache-primary-key }}');
    expect(steps[restore]!.id).toBe('tools-cache');
    expect(steps[save]!.with?.path).toBe(steps[restore]!.with?.path);
  });
});

describe('terraform before the toolchain', () => {
  it.each(loadWorkflows().flatMap((wf) => jobsOf(wf).map(({ id, job }) => [`${wf.file}#${id}`, stepsOf(job)] as const)).filter(([, steps]) => steps.some((s) => s.run === 'npm run tools')))(
    '%s: sets up terraform before `npm run tools` (the toolchain takes it from PATH on a runner)',
    (_, steps) => {
      const setup = steps.findIndex((s) => s.uses?.startsWith('hashicorp/setup-terraform@'));
      expect(setup).toBeGreaterThan(-1);
      expect(setup).toBeLessThan(steps.findIndex((s) => s.run === 'npm run tools'));
    },
  );
});

describe('the CI job that builds the toolchain cold', () => {
  it('has a timeout above the measured cold build (26.6 min on 2 vCPU) plus the suite (about 15 min)', () => {
    const checks = loadWorkflows().find((wf) => wf.file === 'ci.yml')!.jobs.checks!;
    expect(Number(checks['timeout-minutes'])).toBeGreaterThanOrEqual(45);
  });
});
