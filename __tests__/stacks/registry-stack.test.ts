import { describe, expect, it } from 'vitest';
import { platformConfig } from '../../stacks/config/environments.js';
import { registryLifecycleRules } from '../../stacks/registry-stack.js';
import { configWith, synthPlatform } from './support/platform.js';
import { at, deref, list, only, ref } from './support/tfjson.js';

const registry = synthPlatform({ environments: 'dev' }).json('registry');
const repository = only(registry, 'aws_ecr_repository');

interface LifecycleRule {
  rulePriority: number;
  selection: { tagStatus: string; tagPrefixList?: string[]; tagPatternList?: string[]; countType: string; countUnit?: string; countNumber: number };
  action: { type: string };
}

function lifecycleRules(json = registry): LifecycleRule[] {
  const policy = only(json, 'aws_ecr_lifecycle_policy');
  expect(policy.attrs.repository).toBe(ref(only(json, 'aws_ecr_repository'), 'name'));
  // A plain JSON document (no tokens), so ECR receives exactly what the tests read.
  return (JSON.parse(policy.attrs.policy as string) as { rules: LifecycleRule[] }).rules;
}

describe('registry stack', () => {
  it('has one repository named from the config', () => {
    expect(repository.attrs.name).toBe(platformConfig.shared.registry.repositoryName);
  });

  it('makes tags immutable, so a version always means the same image', () => {
    expect(repository.attrs.image_tag_mutability).toBe('IMMUTABLE');
  });

  it('scans images on push', () => {
    expect(at(repository.attrs, 'image_scanning_configuration', 0, 'scan_on_push')).toBe(true);
  });

  it('encrypts with a customer-managed KMS key that rotates', () => {
    const encryption = list(repository.attrs.encryption_configuration);
    expect(encryption).toHaveLength(1);
    expect(at(encryption[0], 'encryption_type')).toBe('KMS');
    const key = deref(registry, at(encryption[0], 'kms_key'));
    expect(key.type).toBe('aws_kms_key');
    expect(key.attrs.enable_key_rotation).toBe(true);
  });

  it('expires untagged images after the configured days and keeps the last N release images', () => {
    const { untaggedExpiryDays, keepReleaseImages } = platformConfig.shared.registry;
    const rules = lifecycleRules();
    expect(rules).toEqual(registryLifecycleRules(keepReleaseImages, untaggedExpiryDays).rules);

    const untagged = rules.find((r) => r.selection.tagStatus === 'untagged');
    expect(untagged?.selection).toMatchObject({ countType: 'sinceImagePushed', countUnit: 'days', countNumber: untaggedExpiryDays });
    expect(untagged?.action.type).toBe('expire');

    const releases = rules.find((r) => r.selection.tagStatus === 'tagged');
    expect(releases?.selection).toEqual({ tagStatus: 'tagged', tagPatternList: ['*.*.*'], countType: 'imageCountMoreThan', countNumber: keepReleaseImages });
    expect(releases?.action.type).toBe('expire');
    // ECR evaluates rules by priority; each must be unique.
    expect(new Set(rules.map((r) => r.rulePriority)).size).toBe(rules.length);
  });

  it('follows the config when the retention changes', () => {
    const custom = synthPlatform({
      environments: 'dev',
      config: configWith((c) => {
        c.shared.registry.keepReleaseImages = 5;
        c.shared.registry.untaggedExpiryDays = 3;
      }),
    }).json('registry');
    const rules = lifecycleRules(custom);
    expect(rules.find((r) => r.selection.tagStatus === 'untagged')?.selection.countNumber).toBe(3);
    expect(rules.find((r) => r.selection.tagStatus === 'tagged')?.selection.countNumber).toBe(5);
  });
});
