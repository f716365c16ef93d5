/**
 * A Secrets Manager secret the release cannot start without, checked when the plan is made: without
 * it the pods would wait for their Secret until Helm's timeout (600 s) and the release would roll
 * back with no useful message. The plan fails instead, naming the secret and how to create it.
 *
 *   const secret = new RequiredSecret(this, 'app-secret', { name: 'dev/hono-api', fix: '…' });
 *   new Release(this, 'release', { …, lifecycle: { precondition: [secret.precondition] } });
 *
 * ListSecrets filters names by prefix, so the condition asks for the exact name among the results.
 */
import { DataAwsSecretsmanagerSecrets } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secrets';
import type { Precondition } from 'cdktf';
import { Construct } from 'constructs';

export interface RequiredSecretProps {
  /** The secret's name, e.g. `dev/hono-api`. */
  readonly name: string;
  /** What the message tells the reader to do, e.g. the create-secret command. */
  readonly fix: string;
}

export class RequiredSecret extends Construct {
  readonly precondition: Precondition;

  constructor(scope: Construct, id: string, props: RequiredSecretProps) {
    super(scope, id);
    const lookup = new DataAwsSecretsmanagerSecrets(this, 'lookup', { filter: [{ name: 'name', values: [props.name] }] });
    this.precondition = {
      condition: `\${contains(${lookup.fqn}.names, ${JSON.stringify(props.name)})}`,
      errorMessage: `Secrets Manager has no secret named ${props.name} in this account and region, and the release's pods cannot start without it. Fix: ${props.fix}`,
    };
  }
}
