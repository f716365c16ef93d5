/**
 * The security policy on throwaway stacks: each breaks one rule and must fail to synthesize with a
 * PolicyViolationError naming the resource and the fix; a compliant stack passes.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import type { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SecurityGroupRule } from '@cdktf/provider-aws/lib/security-group-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Aspects, TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { EksCluster as EksClusterConstruct } from '../../../stacks/constructs/eks-cluster.js';
import { LoadBalancerLogBucket } from '../../../stacks/constructs/load-balancer-log-bucket.js';
import { PolicyAspect, PolicyViolationError } from '../../../stacks/constructs/policy-aspect.js';
import { SecureBucket } from '../../../stacks/constructs/secure-bucket.js';
import { configWith, synthPlatform, testingApp } from '../support/platform.js';

/** A stack like AwsStack, minus backend and tags: the AWS provider and the policy aspect. */
function policyStack(environment = 'dev', build: (stack: TerraformStack) => void = () => {}): TerraformStack {
  const stack = new TerraformStack(testingApp(), `policy-${environment}`);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  Aspects.of(stack).add(new PolicyAspect({ environment }));
  build(stack);
  return stack;
}

/** The violations synth reports; fails if it synthesizes. */
function violations(stack: TerraformStack): readonly string[] {
  try {
    Testing.synth(stack);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyViolationError);
    const e = err as PolicyViolationError;
    expect(e.stackName).toBe(stack.node.id);
    expect(e.message).toContain(`stack "${stack.node.id}" breaks the platform's security policy`);
    return e.violations;
  }
  throw new Error('expected synth to fail with a PolicyViolationError');
}

/** The single violation: it names the resource's construct path and says how to fix it. */
function expectViolation(stack: TerraformStack, path: string, problem: RegExp, fix: RegExp): void {
  const found = violations(stack);
  expect(found).toHaveLength(1);
  expect(found[0]).toContain(`${stack.node.id}/${path}`);
  expect(found[0]).toMatch(problem);
  const fixText = /\(fix: ([^)]+)\)/.exec(found[0]!);
  expect(fixText, `"${found[0]}" says how to fix it`).not.toBeNull();
  expect(fixText![1]).toMatch(fix);
}

const kmsKey = (stack: TerraformStack, id = 'key') => new KmsKey(stack, id, { enableKeyRotation: true });

/** A bucket with everything the S3 rule asks for, except what `omit` leaves out. */
function bucketWith(stack: TerraformStack, omit?: 'public-access') {
  const bucket = new SecureBucket(stack, 'secure', { bucketName: 'policy-test-bucket', kmsAlias: 'policy-test' });
  if (omit === 'public-access') stack.node.tryFindChild('secure')?.node.tryRemoveChild('public-access');
  return bucket;
}

describe('PolicyAspect', () => {
  it('passes a compliant stack', () => {
    const stack = policyStack('prod', (s) => {
      bucketWith(s);
      new EcrRepository(s, 'repo', {
        name: 'ok',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: kmsKey(s, 'ecr-key').arn }],
      });
      new CloudwatchLogGroup(s, 'logs', { name: 'ok', retentionInDays: 30, kmsKeyId: kmsKey(s, 'logs-key').arn });
      new EksClusterConstruct(s, 'eks', {
        name: 'ok',
        version: '1.36',
        vpcId: 'vpc-1',
        controlPlaneSubnetIds: ['subnet-1'],
        publicEndpoint: true,
        publicAccessCidrs: ['203.0.113.0/24'],
        logRetentionDays: 30,
        access: [],
        iamPrefix: 'ok-',
      });
      new LaunchTemplate(s, 'template', {
        metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'true' } }],
      });
      new VpcSecurityGroupIngressRule(s, 'from-vpc', { securityGroupId: 'sg-1', cidrIpv4: '10.0.0.0/16', ipProtocol: 'tcp', fromPort: 443, toPort: 443 });
    });
    expect(() => Testing.synth(stack)).not.toThrow();
  });

  it('rejects mutable ECR tags', () => {
    const stack = policyStack('dev', (s) =>
      new EcrRepository(s, 'repo', {
        name: 'mutable',
        imageTagMutability: 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: kmsKey(s).arn }],
      }),
    );
    expectViolation(stack, 'repo', /ECR repository .* mutable image tags/, /IMMUTABLE/);
  });

  it('rejects an ECR repository without scan on push', () => {
    const stack = policyStack('dev', (s) =>
      new EcrRepository(s, 'repo', { name: 'unscanned', imageTagMutability: 'IMMUTABLE', encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: kmsKey(s).arn }] }),
    );
    expectViolation(stack, 'repo', /no scan on push/, /scan_on_push/);
  });

  it('rejects a log group without a KMS key', () => {
    expectViolation(policyStack('dev', (s) => new CloudwatchLogGroup(s, 'logs', { name: 'plain', retentionInDays: 30 })), 'logs', /log group .* not encrypted/, /kms_key_id/);
  });

  it('rejects a log group that keeps logs forever', () => {
    expectViolation(policyStack('dev', (s) => new CloudwatchLogGroup(s, 'logs', { name: 'forever', kmsKeyId: kmsKey(s).arn })), 'logs', /keeps logs forever/, /retention_in_days/);
  });

  it('rejects a KMS key without rotation', () => {
    expectViolation(policyStack('dev', (s) => new KmsKey(s, 'static-key', { description: 'no rotation' })), 'static-key', /KMS key .* rotation off/, /enable_key_rotation = true/);
  });

  it('rejects a public EKS endpoint with no allowlist (EKS would open it to the internet silently), in every environment', () => {
    for (const env of ['dev', 'prod'] as const) {
      const stack = policyStack(env, (s) =>
        new EksCluster(s, 'cluster', {
          name: 'open',
          roleArn: 'arn:aws:iam::123456789012:role/x',
          vpcConfig: { subnetIds: ['subnet-1'], endpointPublicAccess: true },
          encryptionConfig: { resources: ['secrets'], provider: { keyArn: kmsKey(s).arn } },
        }),
      );
      expectViolation(stack, 'cluster', /EKS cluster .* no public_access_cidrs/, /0\.0\.0\.0\/0|public endpoint off/);
    }
  });

  it('allows an explicitly open EKS endpoint in any environment (the documented access model)', () => {
    for (const env of ['dev', 'prod'] as const) {
      const stack = policyStack(env, (s) =>
        new EksCluster(s, 'cluster', {
          name: `${env}-open`,
          roleArn: 'arn:aws:iam::123456789012:role/x',
          vpcConfig: { subnetIds: ['subnet-1'], endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] },
          encryptionConfig: { resources: ['secrets'], provider: { keyArn: kmsKey(s).arn } },
        }),
      );
      expect(() => Testing.synth(stack)).not.toThrow();
    }
  });

  it('rejects an EKS cluster without secrets encryption', () => {
    const stack = policyStack('dev', (s) => new EksCluster(s, 'cluster', { name: 'plain', roleArn: 'arn:aws:iam::123456789012:role/x', vpcConfig: { subnetIds: ['subnet-1'] } }));
    expectViolation(stack, 'cluster', /no secrets envelope encryption/, /encryption_config/);
  });

  it('rejects a launch template that allows IMDSv1', () => {
    const stack = policyStack('dev', (s) =>
      new LaunchTemplate(s, 'template', { metadataOptions: { httpTokens: 'optional' }, blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'true' } }] }),
    );
    expectViolation(stack, 'template', /launch template .* allows IMDSv1/, /http_tokens = "required"/);
    const noOptions = policyStack('dev', (s) => new LaunchTemplate(s, 'template', {}));
    expectViolation(noOptions, 'template', /allows IMDSv1/, /http_tokens/);
  });

  it('rejects a launch template with an unencrypted volume', () => {
    const stack = policyStack('dev', (s) =>
      new LaunchTemplate(s, 'template', { metadataOptions: { httpTokens: 'required' }, blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 20 } }] }),
    );
    expectViolation(stack, 'template', /unencrypted volumes/, /encrypted = true/);
  });

  it('rejects an S3 bucket without a public access block', () => {
    expectViolation(policyStack('dev', (s) => bucketWith(s, 'public-access')), 'secure/bucket', /S3 bucket .* is missing a public access block \(/, /SecureBucket/);
  });

  it('rejects a bare S3 bucket, listing everything it lacks', () => {
    const found = violations(policyStack('dev', (s) => new S3Bucket(s, 'bare', { bucket: 'bare' })));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/public access block, default encryption, versioning, ownership controls/);
  });

  it('rejects a public access block with a flag off, and SSE other than KMS', () => {
    const stack = policyStack('dev', (s) => {
      new S3BucketPublicAccessBlock(s, 'pab', { bucket: 'x', blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true });
      new S3BucketServerSideEncryptionConfigurationA(s, 'sse', { bucket: 'x', rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] });
    });
    const found = violations(stack);
    expect(found).toHaveLength(2);
    expect(found.find((v) => v.includes('/pab'))).toMatch(/leaves block_public_policy off \(fix: set all four to true\)/);
    expect(found.find((v) => v.includes('/sse'))).toMatch(/uses AES256 \(fix: use aws:kms/);
  });

  it('allows SSE-S3 only on a bucket that receives ALB access logs (which support nothing else): the LoadBalancerLogBucket passes, the same encryption without the ELB grant does not', () => {
    const logs = policyStack('dev', (s) => new LoadBalancerLogBucket(s, 'alb-logs', { bucketName: 'logs', prefix: 'alb', accountId: '123456789012', partition: 'aws', retentionDays: 30 }));
    expect(() => Testing.synth(logs)).not.toThrow();
    const plain = policyStack('dev', (s) => {
      const bucket = new LoadBalancerLogBucket(s, 'alb-logs', { bucketName: 'logs', prefix: 'alb', accountId: '123456789012', partition: 'aws', retentionDays: 30 });
      // The broken twin: the log delivery grant taken out of the bucket policy.
      (bucket.node.findChild('policy') as S3BucketPolicy).policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    });
    expect(violations(plain).join('\n')).toMatch(/alb-logs\/encryption uses AES256 \(fix: use aws:kms/);
  });

  it('rejects ingress from 0.0.0.0/0 or ::/0, whichever resource opens it', () => {
    expectViolation(
      policyStack('dev', (s) => new VpcSecurityGroupIngressRule(s, 'open', { securityGroupId: 'sg-1', cidrIpv4: '0.0.0.0/0', ipProtocol: 'tcp', fromPort: 22, toPort: 22 })),
      'open',
      /security group rule .* opens ingress to the internet/,
      /source security group|known CIDR/,
    );
    expectViolation(
      policyStack('dev', (s) => new VpcSecurityGroupIngressRule(s, 'open6', { securityGroupId: 'sg-1', cidrIpv6: '::/0', ipProtocol: 'tcp', fromPort: 22, toPort: 22 })),
      'open6',
      /opens ingress to the internet/,
      /source security group|known CIDR/,
    );
    expectViolation(
      policyStack('dev', (s) => new SecurityGroupRule(s, 'legacy', { type: 'ingress', securityGroupId: 'sg-1', cidrBlocks: ['0.0.0.0/0'], protocol: 'tcp', fromPort: 22, toPort: 22 })),
      'legacy',
      /opens ingress to the internet/,
      /source security group|known CIDR/,
    );
    expectViolation(
      policyStack('dev', (s) => new SecurityGroup(s, 'inline', { ingress: [{ cidrBlocks: ['0.0.0.0/0'], protocol: 'tcp', fromPort: 22, toPort: 22 }] })),
      'inline',
      /security group .* opens ingress to the internet/,
      /source security group|known CIDR/,
    );
  });

  it('allows egress to 0.0.0.0/0', () => {
    const stack = policyStack('dev', (s) => new SecurityGroupRule(s, 'egress', { type: 'egress', securityGroupId: 'sg-1', cidrBlocks: ['0.0.0.0/0'], protocol: '-1', fromPort: 0, toPort: 0 }));
    expect(() => Testing.synth(stack)).not.toThrow();
  });

  it('rejects unencrypted EBS volumes and DynamoDB tables', () => {
    expectViolation(policyStack('dev', (s) => new EbsVolume(s, 'disk', { availabilityZone: 'eu-west-1a', size: 10 })), 'disk', /EBS volume .* not encrypted/, /encrypted = true/);
    expectViolation(
      policyStack('dev', (s) => new DynamodbTable(s, 'table', { name: 't', hashKey: 'id', attribute: [{ name: 'id', type: 'S' }] })),
      'table',
      /DynamoDB table .* no KMS encryption/,
      /server_side_encryption/,
    );
  });

  it('lists every violation of a stack at once', () => {
    const found = violations(
      policyStack('dev', (s) => {
        new KmsKey(s, 'a', {});
        new KmsKey(s, 'b', {});
        new CloudwatchLogGroup(s, 'c', { name: 'c' });
      }),
    );
    expect(found).toHaveLength(3);
  });

  it('guards the real stacks too: a public endpoint without an allowlist fails synth even when config validation is bypassed', () => {
    const platform = synthPlatform({
      environments: 'prod',
      validate: false,
      config: configWith((c) => {
        c.environments.prod.cluster.publicEndpoint = true;
        c.environments.prod.cluster.publicAccessCidrs = [];
      }),
    });
    expect(() => platform.json('cluster-prod')).toThrow(PolicyViolationError);
    expect(() => platform.json('cluster-prod')).toThrow(/cluster-prod\/eks\/cluster has a public API endpoint with no public_access_cidrs/);
  });

  it('every real stack of every environment complies', () => {
    const platform = synthPlatform();
    for (const id of platform.ids) expect(() => platform.json(id), id).not.toThrow();
  });
});
