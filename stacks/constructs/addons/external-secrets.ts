/**
 * External Secrets Operator, CRDs installed by the chart. Its controller reads AWS Secrets Manager
 * with the operator's own Pod Identity credentials, limited to the environment's prefix
 * (`arn:…:secret:<env>/*`): dev can never read prod's secrets, whatever an ExternalSecret asks for.
 * The ClusterSecretStore is a custom resource and ships in the platform-config chart.
 */
import type { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';
import type { ChartPin } from '../../config/types.js';
import { secretsPrefix } from '../../naming.js';
import { type PolicyStatement, PodIdentityRole } from '../pod-identity-role.js';
import { AddonRelease, type AddonScope } from './addon-release.js';
import { addonNamespace } from './namespace.js';

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

export class ExternalSecrets extends Construct {
  readonly identity: PodIdentityRole;
  readonly release: Release;

  constructor(scope: Construct, id: string, props: ExternalSecretsProps) {
    super(scope, id);
    const { namespace, serviceAccount, release } = EXTERNAL_SECRETS;
    const ns = addonNamespace(this, 'namespace', namespace);
    this.identity = new PodIdentityRole(this, 'identity', {
      clusterName: props.clusterName,
      roleName: `${props.iamPrefix}external-secrets`,
      description: `External Secrets Operator of ${props.clusterName} (${namespace}/${serviceAccount}): Secrets Manager ${secretsPrefix(props.environment)}*`,
      namespace,
      serviceAccount,
      statements: externalSecretsStatements(props.partition, props.region, props.accountId, props.environment),
    });
    this.release = new AddonRelease(this, 'chart', {
      source: props.source,
      name: release,
      namespace: ns.metadata.name,
      values: {
        installCRDs: true,
        serviceAccount: { create: true, name: serviceAccount },
        resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      },
      dependsOn: [...this.identity.readyBefore, ...(props.after ?? [])],
    }).release;
  }
}
