/**
 * checkov over every synthesised cdk.tf.json, offline. A failed check is accepted only when the
 * flagged resource records that check id with a reason (stacks/constructs/checkov.ts writes it into
 * the resource's "//" block); anything else fails, and so does a recorded reason that no finding
 * needs any more.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CheckovFinding, type CheckovReport, formatFinding, runCheckov, summarise } from '../helpers/checkov.js';
import { synthToDisk } from './support/platform.js';

type Block = Record<string, Record<string, { '//'?: { checkov?: Record<string, string> } }>>;
interface StackJson {
  resource?: Block;
  data?: Block;
}

const synth = synthToDisk();

/** The accepted findings a stack records: "<stack> <resource name> <check id>" → reason. */
function recordedReasons(stacks: Readonly<Record<string, unknown>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, json] of Object.entries(stacks))
    for (const block of [(json as StackJson).resource, (json as StackJson).data])
      for (const byName of Object.values(block ?? {}))
        for (const [name, body] of Object.entries(byName)) for (const [check, reason] of Object.entries(body['//']?.checkov ?? {})) out.set(`${id} ${name} ${check}`, reason);
  return out;
}

/** checkov names a resource "type.name" (or "resource.name" for some graph checks); the stack is the directory. */
const keyOf = (f: CheckovFinding) => `${f.file_path.split('/').at(-2)} ${f.resource.split('.').at(-1)} ${f.check_id}`;

function classify(report: CheckovReport, reasons: Map<string, string>) {
  const accepted = report.failed.filter((f) => (reasons.get(keyOf(f)) ?? '').trim().length > 0);
  const unexplained = report.failed.filter((f) => !accepted.includes(f));
  const used = new Set(accepted.map(keyOf));
  return { accepted, unexplained, stale: [...reasons.keys()].filter((k) => !used.has(k)) };
}

let report: CheckovReport;

/**
 * checkov 3.3.30's Terraform JSON parser turns every attribute of the `terraform` block into a block
 * (checkov/terraform_json/parser.py handle_block_type → hclify, which takes only objects), so the
 * string `required_version` makes it drop the whole file as a parsing error. Each stack is scanned
 * as synthesised except for that one string, which has nothing for a security check to judge.
 */
function withoutRequiredVersion(stacksDir: string): string {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'hono-api-checkov-'));
  cpSync(stacksDir, copy, { recursive: true });
  for (const id of readdirSync(copy)) {
    const file = path.join(copy, id, 'cdk.tf.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { terraform?: Record<string, unknown> };
    expect(json.terraform?.required_version, id).toBeDefined();
    delete json.terraform!.required_version;
    writeFileSync(file, JSON.stringify(json, null, 2));
  }
  return copy;
}

beforeAll(async () => {
  report = await runCheckov({ dir: withoutRequiredVersion(path.join(synth.outdir, 'stacks')), framework: 'terraform_json' });
  const { accepted } = classify(report, recordedReasons(synth.stacks));
  console.log(summarise('stacks (terraform_json)', report, accepted.length));
}, 300_000);

describe('checkov on the synthesised stacks', () => {
  it('scans every stack and parses all of them', () => {
    const scanned = new Set([...report.failed].map((f) => f.file_path.split('/').at(-2)));
    expect(report.parsingErrors).toBe(0);
    expect(report.passed).toBeGreaterThan(500);
    // Every stack with a finding is a stack we synthesised (the directory names are the stack ids).
    for (const id of scanned) expect(Object.keys(synth.stacks)).toContain(id);
  });

  it('has no finding without a recorded reason on the resource it concerns', () => {
    expect(classify(report, recordedReasons(synth.stacks)).unexplained.map(formatFinding)).toEqual([]);
  });

  it('records no reason that no finding needs any more', () => {
    expect(classify(report, recordedReasons(synth.stacks)).stale).toEqual([]);
  });

  it('fails on a new finding: a registry whose tags can be overwritten', async () => {
    const registry = JSON.parse(JSON.stringify(synth.stacks.registry)) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    for (const repo of Object.values(registry.resource.aws_ecr_repository!)) repo.image_tag_mutability = 'MUTABLE';
    const dir = path.join(synth.outdir, 'broken', 'registry');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(registry));
    const broken = await runCheckov({ dir: withoutRequiredVersion(path.dirname(dir)), framework: 'terraform_json' });
    expect(broken.parsingErrors).toBe(0);
    const { unexplained } = classify(broken, recordedReasons({ registry }));
    expect(unexplained.map((f) => f.check_id)).toContain('CKV_AWS_51');
  }, 300_000);
});
