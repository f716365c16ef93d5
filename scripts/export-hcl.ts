/**
 * The HCL exit from CDKTF: writes one environment's stacks (and the shared ones) as plain
 * Terraform files a team can keep and edit without CDKTF.
 *
 *   npm run export:hcl -- dev                 # into hcl/stacks/<stack>/cdk.tf (assets beside each)
 *   npm run export:hcl -- dev --out /tmp/tf   # elsewhere
 *
 * What it runs: the composition root with CDKTF's HCL output on (exactly what `cdktf synth --hcl`
 * sets: SYNTH_HCL_OUTPUT=true), the repair of what CDKTF renders wrongly
 * (five defects, scripts/hcl/repair.ts), then `terraform fmt`, which writes what CDKTF renders as
 * `"${aws_x.y.id}"` as `aws_x.y.id`. The suite runs this command and `terraform fmt -check` and
 * `terraform validate` on every folder it writes.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TERRAFORM_REQUIRED_VERSION } from '../stacks/constructs/provider-versions.js';
import { HclRepairError, renderEphemeralBlocks, repairHcl } from './hcl/repair.js';
import { REPO_ROOT } from './lib/helm.js';
import { runCommand } from './lib/run.js';

const USAGE = `usage: npm run export:hcl -- <environment> [--out <dir>] [--terraform <binary>]

Writes the shared stacks and <environment>'s stacks as Terraform HCL into <dir>/stacks/<stack>/cdk.tf
(default hcl/, stacks under hcl/stacks/<stack>/; the folder is replaced), formatted with terraform fmt.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string', default: 'hcl' }, terraform: { type: 'string', default: 'terraform' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) return (console.log(USAGE), 0);
  if (positionals.length !== 1) return (console.error(`error: expected one environment, got ${positionals.length ? positionals.join(' ') : 'none'}\n${USAGE}`), 2);
  const [environment] = positionals as [string];
  const outdir = path.resolve(values.out);
  // The folder is replaced: never one that holds anything but a previous export.
  const previous = existsSync(outdir) ? readdirSync(outdir) : [];
  if (previous.some((entry) => !['stacks', 'manifest.json', 'constructs.tf.json'].includes(entry)) || [REPO_ROOT, os.homedir(), path.parse(outdir).root].includes(outdir))
    return (console.error(`error: --out ${values.out} holds other files; it is replaced by the export, so choose an empty or new folder (default hcl/)`), 2);
  rmSync(outdir, { recursive: true, force: true });

  const synth = await runCommand(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: REPO_ROOT,
    env: { ENVIRONMENTS: environment, CDKTF_OUTDIR: outdir, SYNTH_HCL_OUTPUT: 'true', CHECKPOINT_DISABLE: '1', IMAGE_TAG: undefined, STATE_BACKEND: undefined },
  });
  if (synth.exitCode !== 0) return (console.error(`error: the synth failed (exit ${synth.exitCode}):\n${(synth.stderr || synth.stdout).trim()}`), 1);

  // The same stacks as JSON, for what the HCL renderer leaves out (ephemeral blocks).
  const jsonDir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-export-json-'));
  const jsonSynth = await runCommand(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: REPO_ROOT,
    env: { ENVIRONMENTS: environment, CDKTF_OUTDIR: jsonDir, SYNTH_HCL_OUTPUT: undefined, CHECKPOINT_DISABLE: '1', IMAGE_TAG: undefined, STATE_BACKEND: undefined },
  });
  if (jsonSynth.exitCode !== 0) return (console.error(`error: the synth failed (exit ${jsonSynth.exitCode}):\n${(jsonSynth.stderr || jsonSynth.stdout).trim()}`), 1);

  const stacksDir = path.join(outdir, 'stacks');
  const stacks = readdirSync(stacksDir).filter((s) => existsSync(path.join(stacksDir, s, 'cdk.tf')));
  try {
    for (const stack of stacks) {
      const file = path.join(stacksDir, stack, 'cdk.tf');
      const { ephemeral } = JSON.parse(readFileSync(path.join(jsonDir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as { ephemeral?: Parameters<typeof renderEphemeralBlocks>[0] };
      const repaired = repairHcl(readFileSync(file, 'utf8'), { required_version: TERRAFORM_REQUIRED_VERSION });
      writeFileSync(file, ephemeral ? `${repaired}\n${renderEphemeralBlocks(ephemeral)}` : repaired);
    }
  } catch (err) {
    if (err instanceof HclRepairError) return (console.error(`error: ${err.message}`), 1);
    throw err;
  } finally {
    rmSync(jsonDir, { recursive: true, force: true });
  }
  const fmt = await runCommand(values.terraform, ['fmt', '-recursive', '-list=false', stacksDir]);
  if (fmt.exitCode !== 0) return (console.error(`error: \`${values.terraform} fmt\` failed (exit ${fmt.exitCode}):\n${fmt.stderr.trim()}`), 1);
  console.log(`wrote ${stacks.length} stacks as HCL into ${path.relative(process.cwd(), stacksDir) || '.'}: ${stacks.join(', ')}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
