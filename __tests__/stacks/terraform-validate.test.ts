/**
 * `terraform validate` on every synthesized stack whose providers are available offline: the
 * schema-level check Testing.synth cannot do (unknown attributes, wrong block shapes, bad types).
 *
 * Providers come from a filesystem mirror found by scripts/lib/terraform.ts (TF_PLUGIN_MIRROR, known
 * places, or a search). Without one the test fails and says how to provide one, unless
 * TF_VALIDATE_ALLOW_NETWORK=1 lets terraform download them. Stacks whose providers the mirror lacks
 * are skipped with a message naming them and why: only the app stacks (helm, kubernetes) and the
 * platform stacks (helm, kubernetes, random) may be, and every stack is either validated or skipped.
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
/**
 * Stacks that need providers an AWS-only mirror lacks, the providers they may be skipped for, and
 * why. They are synthesised and asserted on by their own tests (app-stack, platform-stack), but
 * terraform has not checked them against the helm/kubernetes/random schemas on this machine.
 */
const MAY_BE_SKIPPED: Readonly<Record<string, { readonly providers: RegExp; readonly reason: string }>> = {
  app: { providers: /^registry\.terraform\.io\/hashicorp\/(helm|kubernetes)@/, reason: 'helm and kubernetes providers are not in the offline mirror' },
  platform: {
    providers: /^registry\.terraform\.io\/hashicorp\/(helm|kubernetes|random)@/,
    reason: 'helm, kubernetes and random providers (Helm releases, namespaces, the Grafana admin password) are not in the offline mirror',
  },
};
const kindOf = (id: string) => id.replace(/-(dev|staging|prod)$/, '');

/**
 * The AWS part of a stack: its aws_* resources and data sources, the aws provider, and the outputs
 * that only read those. A skipped platform stack still has IAM roles, Pod Identity associations, a
 * certificate and its validation records; terraform checks them this way.
 */
function awsPart(json: unknown): Record<string, unknown> {
  const j = json as { resource?: Record<string, unknown>; data?: Record<string, unknown>; provider?: Record<string, unknown>; output?: Record<string, unknown>; terraform: Record<string, unknown> };
  const awsOnly = (blocks: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(blocks ?? {}).filter(([type]) => type.startsWith('aws_')));
  const other = /\b(helm|kubernetes|random)_[a-z0-9_]+\./;
  const required = (j.terraform.required_providers ?? {}) as Record<string, unknown>;
  return {
    ...j,
    terraform: { ...j.terraform, required_providers: { aws: required.aws } },
    provider: { aws: j.provider?.aws },
    resource: awsOnly(j.resource),
    data: awsOnly(j.data),
    output: Object.fromEntries(Object.entries(j.output ?? {}).filter(([, o]) => !other.test(JSON.stringify(o)))),
  };
}
const partResults = new Map<string, StackValidation>();
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
        .map(([id, missing]) => `  - ${id}: needs ${missing.join(', ')} (${MAY_BE_SKIPPED[kindOf(id)]?.reason ?? 'NOT ALLOWED TO BE SKIPPED'})`)
        .join('\n')}`,
    );

  // The AWS part of every skipped platform stack, in a directory of its own.
  const parts = Object.keys(skipped)
    .filter((id) => kindOf(id) === 'platform')
    .map((id) => {
      const dir = path.join(outdir, 'aws-part', id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(awsPart(stackJson[id])));
      return dir;
    });

  const started = performance.now();
  const validated = await validateStacks(
    toValidate.map((id) => path.join(outdir, 'stacks', id)),
    setup,
    2,
  );
  wallMs = performance.now() - started;
  for (const v of validated) results.set(v.stack, v);
  for (const v of await validateStacks(parts, setup, 2)) partResults.set(v.stack, v);
  if (partResults.size > 0)
    console.log(
      `terraform validate, AWS part of the skipped platform stacks:\n${[...partResults.values()]
        .map((v) => `  ${v.stack.padEnd(16)} ${v.result.error_count} errors, ${v.result.warning_count} warnings`)
        .join('\n')}`,
    );
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

  it('validates every AWS-only stack; only the app stacks (helm, kubernetes) and platform stacks (helm, kubernetes, random) may be skipped', () => {
    expect([...results.keys()].sort()).toEqual(expect.arrayContaining([...AWS_ONLY_STACKS].sort()));
    for (const id of Object.keys(skipped)) {
      const allowed = MAY_BE_SKIPPED[kindOf(id)];
      expect(allowed, `${id} was skipped but is not allowed to be`).toBeDefined();
      for (const missing of skipped[id]!) expect(missing, `${id}: ${allowed?.reason}`).toMatch(allowed!.providers);
    }
  });

  it('validates the AWS part of every skipped platform stack (roles, Pod Identity associations, certificate)', () => {
    for (const id of Object.keys(skipped).filter((i) => kindOf(i) === 'platform')) {
      const v = partResults.get(id);
      expect(v, `${id} (AWS part) was not validated`).toBeDefined();
      const part = awsPart(stackJson[id]) as { resource: Record<string, unknown> };
      expect(Object.keys(part.resource), id).toEqual(expect.arrayContaining(['aws_iam_role', 'aws_iam_role_policy', 'aws_eks_pod_identity_association', 'aws_acm_certificate']));
      const diagnostics = v!.result.diagnostics.map(formatDiagnostic).join('\n');
      expect(v!.result.error_count, diagnostics).toBe(0);
      expect(v!.result.warning_count, diagnostics).toBe(0);
    }
  });

  it('accounts for every stack: validated, or skipped with a reason', () => {
    expect([...results.keys(), ...Object.keys(skipped)].sort()).toEqual(Object.keys(stackJson).sort());
    for (const id of Object.keys(stackJson).filter((i) => /^platform-/.test(i))) {
      // The reason above stays true: the platform stacks need exactly these providers.
      expect(Object.keys(requiredProviders(stackJson[id])).sort(), id).toEqual(['aws', 'helm', 'kubernetes', 'random']);
      if (setup.mode === 'mirror' && !results.has(id)) expect(skipped[id], id).toBeDefined();
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
