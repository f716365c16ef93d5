/**
 * The HCL exit from CDKTF (`npm run export:hcl`): the suite writes dev's stacks as HCL and judges
 * them with Terraform itself, `fmt -check` and `validate` against the pinned providers. Its broken
 * twin is CDKTF's own `--hcl` output without the repair, which Terraform refuses.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HclRepairError, renderEphemeralBlocks, repairHcl, repairLifecycleConditions, repairNestedAttributes, repairReferenceLists, repairTerraformBlock } from '../../scripts/hcl/repair.js';
import { REPO_ROOT } from '../../scripts/lib/helm.js';
import { runCommand } from '../../scripts/lib/run.js';
import { type StackValidation, type TerraformSetup, formatDiagnostic, terraformSetup, validateStack } from '../../scripts/lib/terraform.js';
import { TERRAFORM_REQUIRED_VERSION } from '../../stacks/constructs/provider-versions.js';

const MANGLED = `terraform {
  required_providers {
    aws = {
      version = "5.100.0"
    }
  }
  backend "s3" {
    bucket = "b"
  }

  0 = "required_version"
}

resource "x" "y" {
  0 = "required_version"
}
`;

describe('repairTerraformBlock', () => {
  it('puts the terraform block\'s attributes back with their values, and touches nothing else', () => {
    const repaired = repairTerraformBlock(MANGLED, { required_version: '>= 1.10.0, < 2.0.0' });
    expect(repaired).toContain('  required_version = ">= 1.10.0, < 2.0.0"\n}');
    expect(repaired.match(/0 = "required_version"/g)).toHaveLength(1);
    expect(repaired.split('\n').length).toBe(MANGLED.split('\n').length);
  });

  it('refuses an attribute whose value it does not know, naming it', () => {
    expect(() => repairTerraformBlock(MANGLED, {})).toThrow(HclRepairError);
    expect(() => repairTerraformBlock(MANGLED, {})).toThrow(/"required_version"/);
  });
});

describe('repairLifecycleConditions, repairReferenceLists, repairNestedAttributes', () => {
  const rendered = `data "aws_route53_zone" "z" {
  lifecycle {
    postcondition = [
      {
        condition     = "\${self.private_zone == false}"
        error_message = "public zone"
      },
      {
        condition     = "\${self.name != ""}"
        error_message = "named"
      },
    ]
  }
  depends_on = [
    "aws_iam_role.r",
    "data.aws_partition.p",
  ]
  tags = [
    "a.b",
  ]
}`;

  it('writes one postcondition block per element of the rendered list', () => {
    const repaired = repairLifecycleConditions(rendered);
    expect(repaired.match(/^ {4}postcondition \{$/gm)).toHaveLength(2);
    expect(repaired).not.toMatch(/postcondition = \[/);
    expect(repaired).toContain('        error_message = "named"\n    }\n  }');
  });

  it('unquotes the references of depends_on and ignore_changes only', () => {
    const repaired = repairReferenceLists(`${rendered}\nlifecycle {\nignore_changes = [\n"scaling_config[0].desired_size",\n]\n}`);
    expect(repaired).toContain('  depends_on = [\n    aws_iam_role.r,\n    data.aws_partition.p,\n  ]');
    expect(repaired).toContain('ignore_changes = [\nscaling_config[0].desired_size,\n]');
    expect(repaired).toContain('    "a.b",');
  });

  it('renders ephemeral blocks from the JSON synthesis, and refuses what it cannot render', () => {
    expect(renderEphemeralBlocks({ random_password: { grafana: { length: 32, special: false } } })).toBe('ephemeral "random_password" "grafana" {\n  length = 32\n  special = false\n}\n');
    expect(renderEphemeralBlocks(undefined)).toBe('');
    expect(() => renderEphemeralBlocks({ x: { y: { nested: { a: 1 } } } })).toThrow(HclRepairError);
  });

  it('writes the helm provider\'s kubernetes and exec as attributes, and nothing else', () => {
    const provider = 'provider "helm" {\n  kubernetes {\n    host = "h"\n    exec {\n      command = "aws"\n    }\n  }\n}\nresource "x" "y" {\n  kubernetes {\n  }\n}';
    const repaired = repairNestedAttributes(provider);
    expect(repaired).toBe('provider "helm" {\n  kubernetes = {\n    host = "h"\n    exec = {\n      command = "aws"\n    }\n  }\n}\nresource "x" "y" {\n  kubernetes {\n  }\n}');
  });
});

describe('npm run export:hcl refuses to replace a folder that holds anything else', () => {
  it('the repository itself, or a folder with other files', async () => {
    for (const out of [REPO_ROOT, path.join(REPO_ROOT, 'stacks')]) {
      const r = await runCommand(process.execPath, ['--import', 'tsx', 'scripts/export-hcl.ts', 'dev', '--out', out], { cwd: REPO_ROOT });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/holds other files; it is replaced by the export/);
    }
  });
});

describe('npm run export:hcl -- dev, judged by terraform', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'hono-api-hcl-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const exported = path.join(work, 'exported', 'stacks');
  const raw = path.join(work, 'raw', 'stacks');
  let setup: TerraformSetup;
  let stacks: string[];
  const validations = new Map<string, StackValidation>();

  beforeAll(async () => {
    setup = terraformSetup();
    const run = await runCommand(process.execPath, ['--import', 'tsx', 'scripts/export-hcl.ts', 'dev', '--out', path.join(work, 'exported'), '--terraform', setup.terraform], { cwd: REPO_ROOT, env: setup.env });
    expect(run.exitCode, run.stderr).toBe(0);
    stacks = readdirSync(exported).sort();
    for (const stack of stacks) validations.set(stack, await validateStack(path.join(exported, stack), setup));
    // The broken twin: CDKTF's --hcl output as it is (SYNTH_HCL_OUTPUT is what `cdktf synth --hcl` sets).
    const synth = await runCommand(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: REPO_ROOT, env: { ENVIRONMENTS: 'dev', CDKTF_OUTDIR: path.join(work, 'raw'), SYNTH_HCL_OUTPUT: 'true', CHECKPOINT_DISABLE: '1' } });
    expect(synth.exitCode, synth.stderr).toBe(0);
  }, 600_000);

  it('writes the shared stacks and dev\'s, one folder each', () => {
    expect(stacks).toEqual(['app-dev', 'ci-identity', 'cluster-dev', 'network-dev', 'platform-dev', 'registry', 'state']);
  });

  it('terraform fmt -check: already in canonical form', async () => {
    const fmt = await runCommand(setup.terraform, ['fmt', '-check', '-recursive', exported], { env: setup.env });
    expect(fmt.exitCode, fmt.stdout + fmt.stderr).toBe(0);
  });

  it.each(['app-dev', 'ci-identity', 'cluster-dev', 'network-dev', 'platform-dev', 'registry', 'state'])('%s: terraform validate, no errors or warnings, required_version kept', (stack) => {
    const v = validations.get(stack)!;
    expect(v.result.error_count, v.result.diagnostics.map(formatDiagnostic).join('\n')).toBe(0);
    expect(v.result.warning_count, v.result.diagnostics.map(formatDiagnostic).join('\n')).toBe(0);
    expect(readFileSync(path.join(exported, stack, 'cdk.tf'), 'utf8')).toContain(`required_version = "${TERRAFORM_REQUIRED_VERSION}"`);
  });

  it('the broken twin: CDKTF\'s own --hcl output fails fmt -check, and Terraform refuses each defect the repair fixes', async () => {
    expect(readFileSync(path.join(raw, 'state', 'cdk.tf'), 'utf8')).toMatch(/^\s+0 = "required_version"$/m);
    expect((await runCommand(setup.terraform, ['fmt', '-check', '-recursive', raw], { env: setup.env })).exitCode).not.toBe(0);
    await expect(validateStack(path.join(raw, 'state'), setup)).rejects.toThrow(/Argument or block definition required/);
    // With only the terraform block repaired, the next defects surface one by one.
    for (const stack of ['platform-dev', 'app-dev']) {
      const file = path.join(raw, stack, 'cdk.tf');
      writeFileSync(file, repairTerraformBlock(readFileSync(file, 'utf8'), { required_version: TERRAFORM_REQUIRED_VERSION }));
    }
    await expect(validateStack(path.join(raw, 'platform-dev'), setup)).rejects.toThrow(/An argument named "postcondition" is not expected here/);
    writeFileSync(path.join(raw, 'platform-dev', 'cdk.tf'), repairHcl(readFileSync(path.join(raw, 'platform-dev', 'cdk.tf'), 'utf8'), { required_version: TERRAFORM_REQUIRED_VERSION }));
    const undeclared = await validateStack(path.join(raw, 'platform-dev'), setup);
    expect(undeclared.result.diagnostics.map(formatDiagnostic).join('\n')).toMatch(/Reference to undeclared resource/);
    // The release's precondition (the app secret must exist) is rendered as an argument too.
    await expect(validateStack(path.join(raw, 'app-dev'), setup)).rejects.toThrow(/An argument named "precondition" is not expected here/);
    const cluster = path.join(raw, 'cluster-dev', 'cdk.tf');
    writeFileSync(cluster, repairTerraformBlock(readFileSync(cluster, 'utf8'), { required_version: TERRAFORM_REQUIRED_VERSION }));
    const quoted = await validateStack(path.join(raw, 'cluster-dev'), setup);
    expect([...quoted.initDiagnostics, ...quoted.result.diagnostics].map(formatDiagnostic).join('\n')).toMatch(/Quoted references are deprecated/);
  });
});
