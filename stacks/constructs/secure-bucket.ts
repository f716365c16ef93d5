/**
 * An S3 bucket with the defaults a security review expects: versioning, SSE-KMS with a rotating
 * customer-managed key (bucket keys on, to cut KMS calls), all public access blocked, object
 * ownership enforced (no ACLs), TLS-only access, and noncurrent versions expired after a while.
 */
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { KmsKey } from './kms-key.js';

export interface SecureBucketProps {
  readonly bucketName: string;
  readonly kmsAlias: string;
  /** Days to keep noncurrent object versions. Default 90. */
  readonly noncurrentVersionExpirationDays?: number;
  /** Keep the bucket when the stack is destroyed. Default true: it holds state. */
  readonly preventDestroy?: boolean;
}

const defaults = { noncurrentVersionExpirationDays: 90, preventDestroy: true } satisfies Partial<SecureBucketProps>;

/**
 * What every bucket of the stacks has whatever it holds: versioning, all public access blocked and
 * object ownership enforced (no ACLs). Returns the public access block: S3 rejects a bucket policy
 * while it is being applied, so policies depend on it.
 */
export function privateBucketBasics(scope: Construct, bucket: string): S3BucketPublicAccessBlock {
  new S3BucketVersioningA(scope, 'versioning', { bucket, versioningConfiguration: { status: 'Enabled' } });
  const publicAccess = new S3BucketPublicAccessBlock(scope, 'public-access', { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
  new S3BucketOwnershipControls(scope, 'ownership', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
  return publicAccess;
}

export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const p = { ...defaults, ...props };
    this.key = new KmsKey(this, 'key', { alias: p.kmsAlias, description: `Encrypts s3://${p.bucketName}` });
    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: p.bucketName,
      lifecycle: { preventDestroy: p.preventDestroy },
    });
    const bucket = this.bucket.id;

    const publicAccess = privateBucketBasics(this, bucket);
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'expire-noncurrent-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: p.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketPolicy(this, 'tls-only', {
      bucket,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            // Every object is written under SSE-KMS: a put that asks for SSE-S3 (as Terraform's S3
            // backend does when it has no kms_key_id) or no encryption at all is refused, so nothing
            // can quietly land outside the bucket's key.
            Sid: 'DenyObjectsWithoutKms',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:PutObject',
            Resource: `${this.bucket.arn}/*`,
            Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
          },
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
      // S3 rejects a bucket policy while the public access block is being applied.
      dependsOn: [publicAccess],
    });
  }
}
