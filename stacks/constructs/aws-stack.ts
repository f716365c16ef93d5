/**
 * The base of every AWS stack: the provider (pinned to the allowed accounts), the remote state
 * backend, the standard tags and the security policy.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Aspects, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { StateConfig } from '../config/types.js';
import { type BackendKind, configureBackend } from './backend.js';
import { PolicyAspect } from './policy-aspect.js';
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
}

export class AwsStack extends TerraformStack {
  readonly project: string;
  readonly environment: string;
  readonly region: string;

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
    Aspects.of(this).add(new TaggingAspect(standardTags(props.project, props.environment, props.repository, { ...props.tags })));
    Aspects.of(this).add(new PolicyAspect({ environment: props.environment }));
  }
}
