/**
 * `terraform validate` on every synthesized stack whose providers are available offline: the
 * schema-level check Testing.synth cannot do (unknown attributes, wrong block shapes, bad types).
 *
 * Providers come from a filesystem mirror found by scripts/lib/terraform.ts (TF_PLUGIN_MIRROR, known
 * places, or a search). Without one the test fails and says how to provide one, unless
 * TF_VALIDATE_ALLOW_NETWORK=1 lets terraform download them. Stacks whose providers the mirror lacks
 * (the app stacks: helm and kubernetes) are skipped with a message naming them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_PROVIDER,
  type StackValidation,
  type TerraformSetup,
  formatDiagnostic,
  prepareTerraform,
  providerKey,
  providersMissingFromMirror,
  requiredProviders,
  validateStack,
  validateStacks,
} from '../../scripts/lib/terraform.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { selectEnvironments, validatePlatformConfig } from '../../stacks/config/validate.js';
import { definePlatform } from '../../stacks/platform.js';

const EXPECTED_AWS_PROVIDER = '5.100.0';
const AWS_ONLY_STACKS = ['state', 'registry', 'ci-identity', 'network-dev', 'network-staging', 'network-prod', 'cluster-dev', 'cluster-staging', 'cluster-prod'];
/** init warns that the lock file has checksums for this platform only; expected with any mirror. */
const ACCEPTED_INIT_WARNINGS = ['Incomplete lock file information for providers'];

let setup: TerraformSetup;
let outdir: string;
let stackJson: Record<string, unknown> = {};
let skipped: Record<string, string[]> = {};
const results = new Map<string, StackValidation>();
let wallMs = 0;

beforeAll(async () => {
  // Throws, failing every test below with the reason, when terraform or the providers are missing.
  setup = prepareTerraform();
  const where = setup.mirror ? `mirror ${setup.mirror.path} (${setup.mirror.source}; aws ${setup.mirror.versions.map((v) => v.version).join(', ')})` : 'the registry (TF_VALIDATE_ALLOW_NETWORK=1)';
  console.log(`terraform ${setup.version}; providers from ${where}`);

  outdir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-validate-synth-'));
  const app = new App({ outdir, stackTraces: false });
  const config = validatePlatformConfig(platformConfig);
  const stacks = definePlatform(app, { config, environments: selectEnvironments('all', config), stateBackend: 's3' });
  app.synth();
  stackJson = Object.fromEntries(stacks.map((s) => [s.node.id, JSON.parse(readFileSync(path.join(outdir, 'stacks', s.node.id, 'cdk.tf.json'), 'utf8')) as unknown]));

  skipped = {};
  const toValidate: string[] = [];
  for (const id of Object.keys(stackJson)) {
    const missing = setup.mirror ? providersMissingFromMirror(stackJson[id], setup.mirror.path) : [];
    if (missing.length > 0) skipped[id] = missing;
    else toValidate.push(id);
  }
  if (Object.keys(skipped).length > 0)
    console.warn(
      `NOT VALIDATED (providers not in the mirror, and validation stays offline):\n${Object.entries(skipped)
        .map(([id, missing]) => `  - ${id}: needs ${missing.join(', ')}`)
        .join('\n')}`,
    );

  const started = performance.now();
  const validated = await validateStacks(
    toValidate.map((id) => path.join(outdir, 'stacks', id)),
    setup,
    2,
  );
  wallMs = performance.now() - started;
  for (const v of validated) results.set(v.stack, v);
  console.log(
    `terraform validate: ${validated.length} stacks in ${(wallMs / 1000).toFixed(1)} s (2 at a time)\n${validated
      .map((v) => `  ${v.stack.padEnd(16)} init ${(v.initMs / 1000).toFixed(1)} s, validate ${(v.validateMs / 1000).toFixed(1)} s, ${v.result.error_count} errors, ${v.result.warning_count} warnings`)
      .join('\n')}`,
  );
}, 240_000);

afterAll(() => {
  setup?.dispose();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('terraform validate', () => {
  it(`every stack pins hashicorp/aws ${EXPECTED_AWS_PROVIDER}, and the mirror holds that version`, () => {
    for (const [id, json] of Object.entries(stackJson)) expect(requiredProviders(json).aws, id).toEqual({ source: 'aws', version: EXPECTED_AWS_PROVIDER });
    if (setup.mode === 'mirror') expect(setup.mirror?.versions.map((v) => v.version)).toContain(EXPECTED_AWS_PROVIDER);
  });

  it('validates every AWS-only stack; only the app stacks (helm, kubernetes) may be skipped', () => {
    expect([...results.keys()].sort()).toEqual(expect.arrayContaining([...AWS_ONLY_STACKS].sort()));
    for (const id of Object.keys(skipped)) {
      expect(id).toMatch(/^app-/);
      for (const missing of skipped[id]!) expect(missing).toMatch(/hashicorp\/(helm|kubernetes)@/);
    }
  });

  it.each(AWS_ONLY_STACKS)('%s: valid, with no errors and no warnings', (id) => {
    const v = results.get(id);
    expect(v, `${id} was not validated`).toBeDefined();
    const diagnostics = v!.result.diagnostics.map(formatDiagnostic).join('\n');
    expect(v!.result.error_count, diagnostics).toBe(0);
    expect(v!.result.warning_count, diagnostics).toBe(0);
    expect(v!.result.valid).toBe(true);
  });

  it.each(AWS_ONLY_STACKS)(`%s: terraform installed hashicorp/aws ${EXPECTED_AWS_PROVIDER}`, (id) => {
    expect(results.get(id)?.lockedVersions[providerKey(AWS_PROVIDER)]).toBe(EXPECTED_AWS_PROVIDER);
  });

  it('init raised no errors and only the accepted warnings', () => {
    for (const v of results.values()) {
      const unexpected = v.initDiagnostics.filter((d) => d.severity === 'error' || !ACCEPTED_INIT_WARNINGS.includes(d.summary));
      expect(unexpected.map(formatDiagnostic), v.stack).toEqual([]);
    }
  });

  it('catches what synth cannot: an attribute the provider does not have', async () => {
    // The harness itself: a copy of the state stack with one bogus argument must not validate.
    const broken = JSON.parse(JSON.stringify(stackJson.state)) as { resource: { aws_s3_bucket: Record<string, Record<string, unknown>> } };
    const bucket = Object.values(broken.resource.aws_s3_bucket)[0]!;
    bucket.versioning_enabled = true;
    const dir = path.join(outdir, 'broken', 'state');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(broken));
    const v = await validateStack(dir, setup, 'broken-state');
    expect(v.result.valid).toBe(false);
    expect(v.result.error_count).toBeGreaterThan(0);
    // In JSON syntax terraform reports an unknown argument as an extraneous property, naming it.
    const bogus = v.result.diagnostics.filter((d) => d.severity === 'error' && /Extraneous JSON object property|Unsupported argument/.test(d.summary));
    expect(bogus.map(formatDiagnostic).join('\n')).toContain('versioning_enabled');
  }, 60_000);

  it('stays within the time budget (under 2 minutes for the AWS-only stacks)', () => {
    expect(wallMs).toBeLessThan(120_000);
  });
});
