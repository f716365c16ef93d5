/**
 * The bucket an environment's ALB writes its access logs to (Security Hub ELB.5). ALB access logs
 * support SSE-S3 only, not SSE-KMS (AWS, "Enable access logs for your Application Load Balancer",
 * bucket requirements), so this is the one bucket without a customer-managed key; the synth policy
 * allows that only for a bucket whose policy grants ELB log delivery. Otherwise as SecureBucket:
 * public access blocked, object ownership enforced, TLS only; logs expire after `retentionDays`.
 *
 * Who may write: Elastic Load Balancing, under `<prefix>/AWSLogs/<account>/`: the regional ELB
 * account for Regions opened before August 2022 (the aws_elb_service_account data source knows
 * them) and the log delivery service principal for newer ones. Both are granted, so the policy is
 * right in any Region.
 */
import { DataAwsElbServiceAccount } from '@cdktf/provider-aws/lib/data-aws-elb-service-account';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { acceptCheckovFinding } from './checkov.js';
import { privateBucketBasics } from './secure-bucket.js';

/** The service principal that delivers ALB logs in Regions opened since August 2022. */
export const ELB_LOG_DELIVERY = 'logdelivery.elasticloadbalancing.amazonaws.com';

export interface LoadBalancerLogBucketProps {
  readonly bucketName: string;
  /** Key prefix the load balancers write under (their `access_logs.s3.prefix`). */
  readonly prefix: string;
  readonly accountId: string;
  readonly partition: string;
  readonly retentionDays: number;
}

export class LoadBalancerLogBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, p: LoadBalancerLogBucketProps) {
    super(scope, id);
    // Logs are not state: destroying the environment removes them with it.
    this.bucket = new S3Bucket(this, 'bucket', { bucket: p.bucketName, forceDestroy: true });
    const bucket = this.bucket.id;
    const publicAccess = privateBucketBasics(this, bucket);
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', { bucket, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'expire-logs',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: p.retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
    const elb = new DataAwsElbServiceAccount(this, 'elb-account');
    const logs = `${this.bucket.arn}/${p.prefix}/AWSLogs/${p.accountId}/*`;
    new S3BucketPolicy(this, 'policy', {
      bucket,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ElbAccountWritesLogs', Effect: 'Allow', Principal: { AWS: elb.arn }, Action: 's3:PutObject', Resource: logs },
          { Sid: 'ElbLogDeliveryWritesLogs', Effect: 'Allow', Principal: { Service: ELB_LOG_DELIVERY }, Action: 's3:PutObject', Resource: logs },
          { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [this.bucket.arn, `${this.bucket.arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        ],
      }),
      dependsOn: [publicAccess],
    });
    acceptCheckovFinding(this.bucket, 'CKV_AWS_145', 'ALB access logs support SSE-S3 only (AWS: Enable access logs for your Application Load Balancer); the bucket is SSE-S3, TLS-only, private');
    acceptCheckovFinding(this.bucket, 'CKV_AWS_18', 'this bucket holds access logs itself; logging its own access would need another bucket for logs of logs');
    acceptCheckovFinding(this.bucket, 'CKV2_AWS_62', 'nothing consumes log-delivery events; the logs are read by Athena or downloaded when needed');
    acceptCheckovFinding(this.bucket, 'CKV_AWS_144', 'access logs expire after the environment\'s accessLogDays; replicating them to another region is not worth their cost');
  }
}
