/**
 * External Secrets Operator, CRDs installed by the chart. Its controller reads AWS Secrets Manager
 * with the operator's own Pod Identity credentials, limited to the environment's prefix
 * (`arn:…:secret:<env>/*`): dev can never read prod's secrets, whatever an ExternalSecret asks for.
 * The ClusterSecretStore is a custom resource and ships in the platform-config chart.
 */
import type { Construct } from 'constructs';
import type { ChartPin } from '../../config/types.js';
import { secretsPrefix } from '../../naming.js';
import type { PolicyStatement } from '../pod-identity-role.js';
import type { AddonScope } from './addon-release.js';
import { PodIdentityAddon } from './pod-identity-addon.js';

export const EXTERNAL_SECRETS = { release: 'external-secrets', namespace: 'external-secrets', serviceAccount: 'external-secrets' } as const;

/** The secrets an environment may read: exactly its own prefix in its own region and account. */
export const environmentSecretsArn = (partition: string, region: string, accountId: string, environment: string) =>
  `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${secretsPrefix(environment)}*`;

export function externalSecretsStatements(partition: string, region: string, accountId: string, environment: string): PolicyStatement[] {
  return [
    {
      Sid: 'ReadEnvironmentSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
      Resource: environmentSecretsArn(partition, region, accountId, environment),
    },
  ];
}

export interface ExternalSecretsProps extends AddonScope {
  readonly source: ChartPin;
  readonly environment: string;
}

export class ExternalSecrets extends PodIdentityAddon {
  constructor(scope: Construct, id: string, props: ExternalSecretsProps) {
    super(scope, id, {
      scope: props,
      spec: EXTERNAL_SECRETS,
      source: props.source,
      roleName: 'external-secrets',
      title: 'External Secrets Operator',
      accessScope: `: Secrets Manager ${secretsPrefix(props.environment)}*`,
      statements: externalSecretsStatements(props.partition, props.region, props.accountId, props.environment),
      values: {
        installCRDs: true,
        resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      },
    });
  }
}
