/**
 * Terraform state for the account: the bucket every other stack keeps its state in, with
 * S3-native locking (and, optionally, a DynamoDB lock table for Terraform < 1.10).
 *
 * Bootstrap (see README): apply this stack once with a local backend (STATE_BACKEND=local), then
 * re-synthesise with the S3 backend and run `terraform init -migrate-state` in its directory.
 */
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { StateConfig } from './config/types.js';
import { AwsStack, type AwsStackProps } from './constructs/aws-stack.js';
import { acceptCheckovFinding } from './constructs/checkov.js';
import { SecureBucket } from './constructs/secure-bucket.js';
import { stateKmsAlias } from './naming.js';

export interface StateStackProps extends Omit<AwsStackProps, 'environment' | 'region' | 'state'> {
  readonly state: StateConfig;
}

export class StateStack extends AwsStack {
  constructor(scope: Construct, id: string, props: StateStackProps) {
    super(scope, id, { ...props, environment: 'shared', region: props.state.region });
    const { state } = props;
    const store = new SecureBucket(this, 'state', {
      bucketName: state.bucketName,
      kmsAlias: stateKmsAlias(props.project),
      noncurrentVersionExpirationDays: state.noncurrentVersionExpirationDays,
    });
    // Checks that would each need a second bucket, a queue or a second region just for the state.
    acceptCheckovFinding(store.bucket, 'CKV_AWS_18', 'server access logs would need a second bucket; CloudTrail records every API call on the state bucket and its KMS key');
    acceptCheckovFinding(store.bucket, 'CKV2_AWS_62', 'nothing consumes state events; versioning keeps every state revision and CloudTrail records who wrote it');
    acceptCheckovFinding(store.bucket, 'CKV_AWS_144', 'state is versioned, KMS-encrypted and protected from destroy; cross-region replication is a disaster-recovery choice left to the account');

    if (state.dynamodbLockTable) {
      new DynamodbTable(this, 'lock-table', {
        name: `${state.bucketName}-lock`,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'LockID',
        attribute: [{ name: 'LockID', type: 'S' }],
        serverSideEncryption: { enabled: true, kmsKeyArn: store.key.arn },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
      });
    }

    new TerraformOutput(this, 'state_bucket', { value: store.bucket.bucket, description: 'S3 bucket holding Terraform state' });
    new TerraformOutput(this, 'state_kms_key_arn', { value: store.key.arn, description: 'KMS key encrypting the state' });
  }
}
