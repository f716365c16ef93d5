/**
 * The base of every AWS stack: the provider (pinned to the allowed accounts), the remote state
 * backend, the standard tags, the security policy and the exact version of every provider.
 */
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Aspects, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, StateConfig } from '../config/types.js';
import { workloadBoundaryName } from '../naming.js';
import { type BackendKind, configureBackend } from './backend.js';
import { PermissionsBoundaryAspect } from './permissions-boundary-aspect.js';
import { PolicyAspect } from './policy-aspect.js';
import { ProviderVersionAspect } from './provider-versions.js';
import { TaggingAspect, standardTags } from './tagging-aspect.js';

export interface AwsStackProps {
  readonly project: string;
  /** Environment name, or "shared" for account-wide stacks. */
  readonly environment: string;
  readonly region: string;
  readonly allowedAccountIds: readonly string[];
  readonly repository: string;
  readonly state: StateConfig;
  /** Default "s3"; "local" only to bootstrap the state stack. */
  readonly backend?: BackendKind;
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Give every IAM role in the stack the workload permissions boundary (and require it in the
   * policy check). On for environment stacks; off for the shared ones, whose roles an
   * administrator applies.
   */
  readonly boundRoles?: boolean;
}

/** What an environment stack's props add to the common ones: the environment itself. */
export interface EnvironmentStackProps extends Omit<AwsStackProps, 'environment' | 'region' | 'allowedAccountIds' | 'tags' | 'boundRoles'> {
  readonly env: EnvironmentConfig;
}

/**
 * The AwsStack settings every environment stack shares: its name, region, allowed accounts and
 * tags, and the permissions boundary on every role it creates.
 */
export const environmentStackProps = (props: EnvironmentStackProps): AwsStackProps => ({
  ...props,
  environment: props.env.name,
  region: props.env.region,
  allowedAccountIds: props.env.allowedAccountIds,
  tags: props.env.tags,
  boundRoles: true,
});

export class AwsStack extends TerraformStack {
  readonly project: string;
  readonly environment: string;
  readonly region: string;
  /** The account and partition Terraform runs against, for building ARNs. */
  readonly accountId: string;
  readonly partition: string;

  constructor(scope: Construct, id: string, props: AwsStackProps) {
    super(scope, id);
    this.project = props.project;
    this.environment = props.environment;
    this.region = props.region;
    new AwsProvider(this, 'aws', {
      region: props.region,
      ...(props.allowedAccountIds.length ? { allowedAccountIds: [...props.allowedAccountIds] } : {}),
    });
    configureBackend(this, id, props.project, props.state, props.backend ?? 's3');
    this.accountId = new DataAwsCallerIdentity(this, 'caller').accountId;
    this.partition = new DataAwsPartition(this, 'aws-partition').partition;
    Aspects.of(this).add(new ProviderVersionAspect());
    Aspects.of(this).add(new TaggingAspect(standardTags(props.project, props.environment, props.repository, { ...props.tags })));
    if (props.boundRoles)
      Aspects.of(this).add(
        new PermissionsBoundaryAspect(`arn:${this.partition}:iam::${this.accountId}:policy/${workloadBoundaryName(props.project, props.environment)}`),
      );
    Aspects.of(this).add(new PolicyAspect({ environment: props.environment, requireRoleBoundary: props.boundRoles ?? false }));
  }
}
