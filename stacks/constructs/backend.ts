/**
 * Remote state: every stack but a bootstrapping `state` stack keeps its state in the S3 bucket,
 * under its own key, with S3-native locking.
 */
import { LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import type { StateConfig } from '../config/types.js';
import { stateKmsAlias } from '../naming.js';

export type BackendKind = 's3' | 'local';

export function stateKey(project: string, stackId: string): string {
  return `${project}/${stackId}.tfstate`;
}

export function configureBackend(stack: TerraformStack, stackId: string, project: string, state: StateConfig, kind: BackendKind): void {
  if (kind === 'local') {
    // Only for bootstrapping the state stack: the bucket it creates does not exist yet.
    new LocalBackend(stack, { path: `terraform.${stackId}.tfstate` });
    return;
  }
  new S3Backend(stack, {
    bucket: state.bucketName,
    key: stateKey(project, stackId),
    region: state.region,
    encrypt: true,
    // Without a key Terraform asks for SSE-S3 (AES256) on every write, which overrides the bucket's
    // SSE-KMS default: the state (which holds generated passwords) would not be under our key. The
    // alias is known before the key exists; S3 resolves it to the key in the caller's account.
    kmsKeyId: `alias/${stateKmsAlias(project)}`,
    ...(state.dynamodbLockTable ? { dynamodbTable: `${state.bucketName}-lock` } : {}),
  });
  // S3-native locking (Terraform >= 1.10): a lock object next to the state, no DynamoDB needed.
  // The typed S3Backend in cdktf 0.21 predates the setting, hence the override.
  stack.addOverride('terraform.backend.s3.use_lockfile', true);
}
