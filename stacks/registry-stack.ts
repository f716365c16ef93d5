/**
 * The shared image registry: one ECR repository for the service, with immutable tags (a version
 * always means the same bytes), scan on push, KMS encryption and a lifecycle policy that keeps the
 * last N releases and expires untagged layers.
 */
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { SharedConfig } from './config/types.js';
import { AwsStack, type AwsStackProps } from './constructs/aws-stack.js';
import { KmsKey } from './constructs/kms-key.js';

export interface RegistryStackProps extends Omit<AwsStackProps, 'environment' | 'region' | 'allowedAccountIds'> {
  readonly shared: SharedConfig;
}

/** The lifecycle rules, exported so tests and docs read the same policy. */
export function registryLifecycleRules(keepReleaseImages: number, untaggedExpiryDays: number) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${untaggedExpiryDays} days`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: untaggedExpiryDays },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        // Release tags are bare versions (1.4.0), the chart's appVersion.
        description: `Keep the last ${keepReleaseImages} release images`,
        selection: { tagStatus: 'tagged', tagPatternList: ['*.*.*'], countType: 'imageCountMoreThan', countNumber: keepReleaseImages },
        action: { type: 'expire' },
      },
    ],
  };
}

export class RegistryStack extends AwsStack {
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, { ...props, environment: 'shared', region: props.shared.region, allowedAccountIds: props.shared.allowedAccountIds });
    const { registry } = props.shared;
    const key = new KmsKey(this, 'key', { alias: `${props.project}-ecr`, description: `Encrypts the ${registry.repositoryName} images` });

    this.repository = new EcrRepository(this, 'repository', {
      name: registry.repositoryName,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: key.arn }],
    });
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: this.repository.name,
      policy: JSON.stringify(registryLifecycleRules(registry.keepReleaseImages, registry.untaggedExpiryDays)),
    });

    new TerraformOutput(this, 'repository_url', { value: this.repository.repositoryUrl, description: 'Push images here' });
    new TerraformOutput(this, 'repository_arn', { value: this.repository.arn });
  }
}
