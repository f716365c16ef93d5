/**
 * `terraform validate` on every synthesized stack, offline: the schema-level check Testing.synth
 * cannot make (unknown attributes, wrong block shapes, bad types, deprecated resources).
 *
 * Terraform and every provider come from the pinned toolchain (`npm run tools`): the providers are
 * exactly the versions the stacks pin (stacks/constructs/provider-versions.ts), so this also proves
 * that the older CDKTF bindings write configuration those releases accept. No stack is skipped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type StackValidation, type TerraformSetup, formatDiagnostic, providerAddress, requiredProviders, terraformSetup, validateStack, validateStacks } from '../../scripts/lib/terraform.js';
import { PROVIDER_VERSIONS } from '../../stacks/constructs/provider-versions.js';
import { readManifest, toolchain } from '../../tools/toolchain.js';
import { synthToDisk } from './support/platform.js';

/** init warns that the lock file has checksums for this platform only; expected with any mirror. */
const ACCEPTED_INIT_WARNINGS = ['Incomplete lock file information for providers'];
const ENVIRONMENTS = ['dev', 'staging', 'prod'];
const EXPECTED_STACKS = ['state', 'registry', 'ci-identity', ...ENVIRONMENTS.flatMap((e) => ['network', 'cluster', 'platform', 'app'].map((k) => `${k}-${e}`))];

const synth = synthToDisk();
const stackJson: Readonly<Record<string, unknown>> = synth.stacks;
/** Terraform, and OpenTofu for machines that have no Terraform: the stacks must validate with either. */
describe.each(['terraform', 'tofu'] as const)('%s validate', (cli) => {
  let setup: TerraformSetup;
  const results = new Map<string, StackValidation>();
  /** A short source ("aws") is on the CLI's own registry. */
  const registry = cli === 'tofu' ? 'registry.opentofu.org' : 'registry.terraform.io';

  beforeAll(async () => {
    // Throws, failing every test below with the fix, when `npm run tools` has not installed the CLI.
    setup = terraformSetup(toolchain(), cli);
    const started = performance.now();
    for (const v of await validateStacks(Object.keys(stackJson).map(synth.stackDir), setup, 2)) results.set(v.stack, v);
    console.log(
      `${cli} ${setup.version} validate (providers from ${setup.mirror}): ${results.size} stacks in ${((performance.now() - started) / 1000).toFixed(1)} s\n${[...results.values()]
        .map((v) => `  ${v.stack.padEnd(16)} ${v.result.valid ? 'valid' : 'INVALID'}, ${v.result.error_count} errors, ${v.result.warning_count} warnings (init ${(v.initMs / 1000).toFixed(1)} s, validate ${(v.validateMs / 1000).toFixed(1)} s)`)
        .join('\n')}`,
    );
  }, 600_000);

    it('synthesises and validates all 15 stacks: none is skipped', () => {
      expect(Object.keys(stackJson).sort()).toEqual([...EXPECTED_STACKS].sort());
      expect([...results.keys()].sort()).toEqual([...EXPECTED_STACKS].sort());
    });

    it.each(EXPECTED_STACKS)('%s: valid, with no errors and no warnings', (id) => {
      const v = results.get(id);
      expect(v, `${id} was not validated`).toBeDefined();
      const diagnostics = v!.result.diagnostics.map(formatDiagnostic).join('\n');
      expect(v!.result.error_count, diagnostics).toBe(0);
      expect(v!.result.warning_count, diagnostics).toBe(0);
      expect(v!.result.valid).toBe(true);
    });

    it.each(EXPECTED_STACKS)('%s: the CLI installed exactly the provider versions the stack pins', (id) => {
      const pinned = Object.fromEntries(Object.values(requiredProviders(stackJson[id])).map((p) => [providerAddress(p.source, registry), p.version]));
      expect(Object.keys(pinned).length).toBeGreaterThan(0);
      expect(results.get(id)?.lockedVersions).toEqual(pinned);
    });

    it('the stacks pin the providers tools/versions.json installs (one list of versions, not two)', () => {
      const manifest = readManifest();
      expect(Object.fromEntries(Object.entries(manifest.providers).map(([name, p]) => [name, p.version]))).toEqual(PROVIDER_VERSIONS);
    });

    it('init raised no errors and only the accepted warnings', () => {
      for (const v of results.values()) {
        const unexpected = v.initDiagnostics.filter((d) => d.severity === 'error' || !ACCEPTED_INIT_WARNINGS.includes(d.summary));
        expect(unexpected.map(formatDiagnostic), v.stack).toEqual([]);
      }
    });

    async function validateVariant(name: string, id: string, mutate: (json: Record<string, Record<string, Record<string, Record<string, unknown>>>>) => void) {
      const broken = JSON.parse(JSON.stringify(stackJson[id])) as Parameters<typeof mutate>[0];
      mutate(broken);
      const dir = path.join(synth.outdir, 'broken', `${cli}-${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(broken));
      return validateStack(dir, setup, name);
    }

    it('fails a stack with an attribute the AWS provider does not have', async () => {
      const v = await validateVariant('bogus-aws', 'state', (j) => {
        Object.values(j.resource!.aws_s3_bucket!)[0]!.versioning_enabled = true;
      });
      expect(v.result.valid).toBe(false);
      // In JSON syntax terraform reports an unknown argument as an extraneous property, naming it.
      expect(v.result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n')).toContain('versioning_enabled');
    }, 120_000);

    it('fails an app stack whose Helm release has an attribute the helm provider does not have', async () => {
      const v = await validateVariant('bogus-helm', 'app-dev', (j) => {
        Object.values(j.resource!.helm_release!)[0]!.wait_for_everything = true;
      });
      expect(v.result.valid).toBe(false);
      expect(v.result.diagnostics.map(formatDiagnostic).join('\n')).toContain('wait_for_everything');
    }, 120_000);

    it('warns on a deprecated kubernetes resource (the unversioned namespace), so the zero-warning check has teeth', async () => {
      const v = await validateVariant('deprecated-k8s', 'app-dev', (j) => {
        j.resource!.kubernetes_namespace = j.resource!.kubernetes_namespace_v1!;
        delete j.resource!.kubernetes_namespace_v1;
        for (const r of Object.values(j.resource!.helm_release!)) delete r.depends_on;
      });
      const diagnostics = v.result.diagnostics.map(formatDiagnostic).join('\n');
      expect(v.result.warning_count, diagnostics).toBeGreaterThan(0);
      expect(diagnostics).toMatch(/deprecated/i);
    }, 120_000);
});
