/**
 * A customer-managed KMS key with rotation on and an alias. The key policy gives the account
 * (through IAM) full use, and optionally lets an AWS service principal use the key, scoped to an
 * encryption context where the service supports one (CloudWatch Logs does).
 */
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey as AwsKmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

export interface KmsKeyProps {
  /** Alias without the `alias/` prefix. */
  readonly alias: string;
  readonly description: string;
  /** Let CloudWatch Logs use the key for log groups whose name starts with this prefix. */
  readonly cloudwatchLogGroupPrefix?: string;
  /** Days before a deleted key is destroyed. Default 30, the maximum, to survive a mistaken destroy. */
  readonly deletionWindowInDays?: number;
}

const defaults = { deletionWindowInDays: 30 } satisfies Partial<KmsKeyProps>;

export class KmsKey extends Construct {
  readonly key: AwsKmsKey;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    const p = { ...defaults, ...props };
    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition');
    const region = new DataAwsRegion(this, 'region');

    const statements: Record<string, unknown>[] = [
      {
        Sid: 'AccountAdministersThroughIam',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition.partition}:iam::${account.accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ];
    if (p.cloudwatchLogGroupPrefix !== undefined) {
      statements.push({
        Sid: 'CloudWatchLogsEncryptsItsLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${region.name}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${partition.partition}:logs:${region.name}:${account.accountId}:log-group:${p.cloudwatchLogGroupPrefix}*`,
          },
        },
      });
    }

    this.key = new AwsKmsKey(this, 'key', {
      description: p.description,
      enableKeyRotation: true,
      deletionWindowInDays: p.deletionWindowInDays,
      policy: Fn.jsonencode({ Version: '2012-10-17', Statement: statements }),
    });
    new KmsAlias(this, 'alias', { name: `alias/${p.alias}`, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
  }
}
