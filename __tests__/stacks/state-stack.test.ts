import { describe, expect, it } from 'vitest';
import { platformConfig } from '../../stacks/config/environments.js';
import { decodeEncoded } from './support/hcl.js';
import { configWith, synthPlatform } from './support/platform.js';
import { type TfJson, at, deref, list, only, ref, resources } from './support/tfjson.js';

const platform = synthPlatform({ environments: 'dev' });
const state = platform.json('state');
const bucket = only(state, 'aws_s3_bucket');

/** The one resource of `type` configuring the state bucket (its `bucket` is the bucket's id). */
function forBucket(json: TfJson, type: string) {
  const found = resources(json, type).filter((r) => r.attrs.bucket === ref(only(json, 'aws_s3_bucket'), 'id'));
  expect(found, `${type} for the state bucket`).toHaveLength(1);
  return found[0]!;
}

describe('state stack: the state bucket', () => {
  it('is named from the config and cannot be destroyed by terraform', () => {
    expect(bucket.attrs.bucket).toBe(platformConfig.state.bucketName);
    expect(at(bucket.attrs, 'lifecycle', 'prevent_destroy')).toBe(true);
  });

  it('is versioned', () => {
    expect(at(forBucket(state, 'aws_s3_bucket_versioning').attrs, 'versioning_configuration', 0, 'status')).toBe('Enabled');
  });

  it('encrypts with SSE-KMS under a customer-managed key that rotates', () => {
    const sse = forBucket(state, 'aws_s3_bucket_server_side_encryption_configuration');
    const byDefault = at(sse.attrs, 'rule', 0, 'apply_server_side_encryption_by_default');
    expect(at(byDefault, 'sse_algorithm')).toBe('aws:kms');
    const key = deref(state, at(byDefault, 'kms_master_key_id'));
    expect(key.type).toBe('aws_kms_key');
    expect(key.attr).toBe('arn');
    expect(key.attrs.enable_key_rotation).toBe(true);
  });

  it('blocks every kind of public access', () => {
    expect(forBucket(state, 'aws_s3_bucket_public_access_block').attrs).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it('disables ACLs (BucketOwnerEnforced)', () => {
    expect(at(forBucket(state, 'aws_s3_bucket_ownership_controls').attrs, 'rule', 0, 'object_ownership')).toBe('BucketOwnerEnforced');
  });

  it('has a bucket policy refusing object puts that do not ask for SSE-KMS', () => {
    const policy = decodeEncoded(forBucket(state, 'aws_s3_bucket_policy').attrs.policy);
    const deny = list(at(policy, 'Statement')).find((s) => at(s, 'Action') === 's3:PutObject');
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Resource: `${ref(bucket, 'arn')}/*` });
    expect(at(deny, 'Condition')).toEqual({ StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } });
  });

  it('has a bucket policy denying every request without TLS, on the bucket and its objects', () => {
    const policy = decodeEncoded(forBucket(state, 'aws_s3_bucket_policy').attrs.policy);
    const deny = list(at(policy, 'Statement')).find((s) => at(s, 'Effect') === 'Deny' && at(s, 'Action') === 's3:*');
    expect(deny).toBeDefined();
    expect(at(deny, 'Principal')).toBe('*');
    expect(at(deny, 'Action')).toBe('s3:*');
    expect(at(deny, 'Condition', 'Bool', 'aws:SecureTransport')).toBe('false');
    expect(list(at(deny, 'Resource'))).toEqual([ref(bucket, 'arn'), `${ref(bucket, 'arn')}/*`]);
  });

  it('expires noncurrent versions after the configured number of days', () => {
    const rules = list(at(forBucket(state, 'aws_s3_bucket_lifecycle_configuration').attrs, 'rule'));
    expect(rules).toHaveLength(1);
    expect(at(rules[0], 'status')).toBe('Enabled');
    expect(at(rules[0], 'noncurrent_version_expiration', 0, 'noncurrent_days')).toBe(platformConfig.state.noncurrentVersionExpirationDays);

    const custom = synthPlatform({ environments: 'dev', config: configWith((c) => (c.state.noncurrentVersionExpirationDays = 45)) }).json('state');
    const customRule = list(at(forBucket(custom, 'aws_s3_bucket_lifecycle_configuration').attrs, 'rule'))[0];
    expect(at(customRule, 'noncurrent_version_expiration', 0, 'noncurrent_days')).toBe(45);
  });
});

describe('state stack: locking and backend', () => {
  it('has no DynamoDB lock table unless asked for (S3-native locking is used)', () => {
    expect(platformConfig.state.dynamodbLockTable).toBe(false);
    expect(resources(state, 'aws_dynamodb_table')).toEqual([]);
    expect(at(state.terraform?.backend, 's3', 'dynamodb_table')).toBeUndefined();
  });

  it('with dynamodbLockTable, creates an encrypted lock table and every S3 backend uses it', () => {
    const withTable = synthPlatform({ environments: 'dev', config: configWith((c) => (c.state.dynamodbLockTable = true)) });
    const json = withTable.json('state');
    const table = only(json, 'aws_dynamodb_table');
    expect(table.attrs).toMatchObject({ name: `${platformConfig.state.bucketName}-lock`, hash_key: 'LockID', billing_mode: 'PAY_PER_REQUEST' });
    expect(at(table.attrs, 'server_side_encryption', 0, 'enabled')).toBe(true);
    const key = deref(json, at(table.attrs, 'server_side_encryption', 0, 'kms_key_arn'));
    expect(key.attrs.enable_key_rotation).toBe(true);
    for (const id of withTable.ids) {
      expect(at(withTable.json(id).terraform?.backend, 's3'), id).toMatchObject({ dynamodb_table: `${platformConfig.state.bucketName}-lock`, use_lockfile: true });
    }
  });

  it('with stateBackend "local" (bootstrap), keeps its own state locally and only its own', () => {
    const boot = synthPlatform({ environments: 'dev', stateBackend: 'local' });
    const backend = boot.json('state').terraform?.backend;
    expect(Object.keys(backend ?? {})).toEqual(['local']);
    expect(at(backend, 'local', 'path')).toBe('terraform.state.tfstate');
    expect(at(backend, 's3', 'use_lockfile')).toBeUndefined();
    for (const id of boot.ids.filter((i) => i !== 'state')) expect(Object.keys(boot.json(id).terraform?.backend ?? {}), id).toEqual(['s3']);
  });

  it('every S3 backend writes state under the key the state stack creates (Terraform would otherwise ask for AES256)', () => {
    const alias = only(state, 'aws_kms_alias');
    const sse = forBucket(state, 'aws_s3_bucket_server_side_encryption_configuration');
    const bucketKey = deref(state, at(sse.attrs, 'rule', 0, 'apply_server_side_encryption_by_default', 'kms_master_key_id'));
    expect(deref(state, alias.attrs.target_key_id).address).toBe(bucketKey.address);
    for (const id of platform.ids) {
      const s3 = at(platform.json(id).terraform?.backend, 's3');
      expect([id, at(s3, 'encrypt'), at(s3, 'kms_key_id')]).toEqual([id, true, alias.attrs.name]);
    }
  });

  it('outputs the bucket and the key for the bootstrap instructions', () => {
    expect(Object.keys(state.output ?? {}).sort()).toEqual(['state_bucket', 'state_kms_key_arn']);
  });
});
