/**
 * End to end, as a user runs it: `npx tsx scripts/ops.ts deploy dev --dry-run` in a child process,
 * on a fresh synth into a temporary directory. terraform and aws on PATH are stand-ins that record
 * any call and fail, so the test proves the dry run makes no AWS call at all.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'ops-dry-run-'));
const bin = path.join(work, 'bin');
const calls = path.join(work, 'calls.log');
afterAll(() => rmSync(work, { recursive: true, force: true }));

mkdirSync(bin);
for (const tool of ['terraform', 'aws']) {
  const file = path.join(bin, tool);
  writeFileSync(file, `#!/bin/sh\necho "${tool} $*" >> '${calls}'\nexit 1\n`);
  chmodSync(file, 0o755);
}

function run(args: string[], outdir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, CHECKPOINT_DISABLE: '1' };
  for (const key of ['ENVIRONMENTS', 'IMAGE_TAG', 'STATE_BACKEND', 'CDKTF_OUTDIR', 'CDKTF_CONTEXT_JSON']) delete env[key];
  return spawnSync('npx', ['tsx', 'scripts/ops.ts', ...args, '--outdir', outdir], { cwd: REPO, env, encoding: 'utf8', timeout: 120_000 });
}

interface ManifestJson {
  stacks: Record<string, { dependencies: string[] }>;
}

describe('npx tsx scripts/ops.ts deploy dev --dry-run', () => {
  it('synthesises dev and lists its stacks in dependency order with the terraform commands, without calling terraform or AWS', () => {
    const outdir = path.join(work, 'out-text');
    const result = run(['deploy', 'dev', '--dry-run'], outdir);
    expect(result.status, result.stderr).toBe(0);

    // A fresh synth happened, into the directory asked for.
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as ManifestJson;
    const devStacks = Object.keys(manifest.stacks).filter((name) => name.endsWith('-dev'));
    expect(devStacks).toEqual(expect.arrayContaining(['network-dev', 'cluster-dev', 'app-dev']));

    // Every dev stack is listed once, each after the stacks it depends on.
    const listed = [...result.stdout.matchAll(/^ {2}\d+\. (\S+)\s+depends on: (.*)$/gm)].map((m) => m[1]!);
    expect([...listed].sort()).toEqual([...devStacks].sort());
    for (const [i, name] of listed.entries())
      for (const dep of manifest.stacks[name]!.dependencies) if (listed.includes(dep)) expect(listed.indexOf(dep), `${dep} before ${name}`).toBeLessThan(i);
    expect(listed.indexOf('network-dev')).toBeLessThan(listed.indexOf('cluster-dev'));
    expect(listed.indexOf('cluster-dev')).toBeLessThan(listed.indexOf('app-dev'));

    // The commands it would run, per stack, in the same order.
    const commands = result.stdout.split('\n').filter((l) => l.trim().startsWith('terraform -chdir='));
    const expected = [
      ...listed.flatMap((s) => [`terraform -chdir=${outdir}/stacks/${s} init -input=false -no-color`, `terraform -chdir=${outdir}/stacks/${s} plan -input=false -no-color -detailed-exitcode -lock-timeout=10m -out=tfplan`]),
      ...listed.map((s) => `terraform -chdir=${outdir}/stacks/${s} apply -input=false -no-color -lock-timeout=10m tfplan`),
    ];
    expect(commands.map((l) => l.trim())).toEqual(expected);
    expect(result.stdout).toMatch(/Shared stacks left out .*: .*state/);

    // Neither terraform nor aws ran.
    expect(existsSync(calls) ? readFileSync(calls, 'utf8') : '').toBe('');
  });

  it('prints the same plan as JSON', () => {
    const outdir = path.join(work, 'out-json');
    const result = run(['deploy', 'dev', '--dry-run', '--json'], outdir);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { environment: string; dryRun: boolean; stacks: { name: string; dir: string; commands: { plan: string[]; apply: string[] } }[] };
    expect(report).toMatchObject({ environment: 'dev', dryRun: true });
    const names = report.stacks.map((s) => s.name);
    expect(names.indexOf('network-dev')).toBeLessThan(names.indexOf('cluster-dev'));
    expect(names.indexOf('cluster-dev')).toBeLessThan(names.indexOf('app-dev'));
    for (const s of report.stacks) expect(s.commands.apply).toEqual([`terraform -chdir=${s.dir} apply -input=false -no-color -lock-timeout=10m tfplan`]);
    expect(existsSync(calls) ? readFileSync(calls, 'utf8') : '').toBe('');
  });
});
