import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { Aspects, TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../../scripts/lib/terraform.js';
import { FLOORS } from '../../../scripts/ops/doctor.js';
import { PROVIDER_VERSIONS, ProviderVersionAspect, TERRAFORM_MINIMUM, TERRAFORM_REQUIRED_VERSION } from '../../../stacks/constructs/provider-versions.js';
import { readManifest } from '../../../tools/toolchain.js';
import { synthPlatform, testingApp } from '../support/platform.js';

function synth(versions: Readonly<Record<string, string>>) {
  const stack = new TerraformStack(testingApp(), 'pins');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  new RandomProvider(stack, 'random');
  Aspects.of(stack).add(new ProviderVersionAspect(versions));
  return JSON.parse(Testing.synth(stack)) as { terraform: { required_providers: Record<string, { source: string; version: string }> } };
}

describe('ProviderVersionAspect', () => {
  it('pins each provider to its exact version, not the one its binding was generated for', () => {
    const pinned = synth(PROVIDER_VERSIONS).terraform.required_providers;
    expect(pinned.aws!.version).toBe(PROVIDER_VERSIONS.aws);
    // @cdktf/provider-random was generated for 3.7.2; the stacks run 3.9.0.
    expect(pinned.random).toEqual({ source: 'hashicorp/random', version: PROVIDER_VERSIONS.random });
  });

  it('fails synth, naming the provider and the fix, when a provider has no pin', () => {
    expect(() => synth({ aws: '5.100.0' })).toThrow(/pins\/random: provider "random" has no pinned version \(fix: add it to PROVIDER_VERSIONS/);
  });
});

describe('required_version', () => {
  const satisfies = (version: string, constraint: string) =>
    constraint.split(',').every((part) => {
      const [, op, bound] = /^\s*(>=|<)\s*(\S+)\s*$/.exec(part)!;
      const c = compareVersions(version, bound!);
      return op === '>=' ? c >= 0 : c < 0;
    });

  it('every stack of every environment declares the Terraform versions it accepts', () => {
    const platform = synthPlatform({ environments: 'all' });
    for (const id of platform.ids) expect([id, platform.json(id).terraform?.required_version]).toEqual([id, TERRAFORM_REQUIRED_VERSION]);
  });

  it('accepts the Terraform CI and the suite run (tools/versions.json), and its floor is the one ops doctor enforces', () => {
    expect(satisfies(readManifest().terraform.version, TERRAFORM_REQUIRED_VERSION)).toBe(true);
    expect(satisfies('1.9.8', TERRAFORM_REQUIRED_VERSION)).toBe(false); // no S3-native locking
    expect(FLOORS.terraform).toBe(TERRAFORM_MINIMUM);
  });
});
