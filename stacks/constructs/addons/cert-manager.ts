/**
 * cert-manager, CRDs installed (and kept on uninstall) by the chart, for ACME certificates solved
 * with DNS-01 in the environment's hosted zone. The ClusterIssuer itself is a custom resource and
 * ships in the platform-config chart, installed after this release (the CRDs must exist first).
 *
 * IAM: TXT records named _acme-challenge.* in that zone only, reading the zone, and polling the
 * change status (Route53 change ids have no zone in their ARN). The issuer names the zone id, so
 * cert-manager never needs to list zones. The issuer solves DNS-01 only, so no HTTP-01 solver pod ever runs.
 */
import type { Construct } from 'constructs';
import type { ChartPin, DnsConfig } from '../../config/types.js';
import type { PolicyStatement } from '../pod-identity-role.js';
import type { AddonScope } from './addon-release.js';
import { hostedZoneArn } from './external-dns.js';
import { PodIdentityAddon } from './pod-identity-addon.js';

export const CERT_MANAGER = { release: 'cert-manager', namespace: 'cert-manager', serviceAccount: 'cert-manager' } as const;

export function certManagerStatements(partition: string, dns: DnsConfig): PolicyStatement[] {
  const zone = hostedZoneArn(partition, dns.hostedZoneId);
  return [
    {
      Sid: 'AcmeChallengeRecordsOnly',
      Effect: 'Allow',
      Action: 'route53:ChangeResourceRecordSets',
      Resource: zone,
      Condition: {
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] },
        'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`_acme-challenge.${dns.domain}`, `_acme-challenge.*.${dns.domain}`] },
      },
    },
    { Sid: 'ReadTheZone', Effect: 'Allow', Action: 'route53:ListResourceRecordSets', Resource: zone },
    { Sid: 'WaitForChanges', Effect: 'Allow', Action: 'route53:GetChange', Resource: `arn:${partition}:route53:::change/*` },
  ];
}

export interface CertManagerProps extends AddonScope {
  readonly source: ChartPin;
  readonly dns: DnsConfig;
}

export class CertManager extends PodIdentityAddon {
  constructor(scope: Construct, id: string, props: CertManagerProps) {
    super(scope, id, {
      scope: props,
      spec: CERT_MANAGER,
      source: props.source,
      roleName: 'cert-manager',
      title: 'cert-manager',
      accessScope: `: DNS-01 in ${props.dns.domain}`,
      statements: certManagerStatements(props.partition, props.dns),
      values: {
        crds: { enabled: true, keep: true },
        resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      },
    });
  }
}
