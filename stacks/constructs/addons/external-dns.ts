/**
 * ExternalDNS for one public Route53 hosted zone: it publishes the hosts of Ingresses (and
 * annotated Services) as alias records, and owns them through TXT records carrying the cluster's
 * name, so two clusters sharing a zone never touch each other's records.
 *
 * IAM: record changes and reads on that zone only; ListHostedZones has no resource-level scope in
 * Route53, so it alone is on `*`. The zone-id filter keeps ExternalDNS off every other zone.
 */
import type { Construct } from 'constructs';
import type { ChartPin, DnsConfig, ExternalDnsPolicy } from '../../config/types.js';
import type { PolicyStatement } from '../pod-identity-role.js';
import type { AddonScope } from './addon-release.js';
import { PodIdentityAddon } from './pod-identity-addon.js';

export const EXTERNAL_DNS = { release: 'external-dns', namespace: 'external-dns', serviceAccount: 'external-dns' } as const;

export const hostedZoneArn = (partition: string, hostedZoneId: string) => `arn:${partition}:route53:::hostedzone/${hostedZoneId}`;

export function externalDnsStatements(partition: string, dns: DnsConfig): PolicyStatement[] {
  return [
    {
      Sid: 'ManageRecordsInTheZone',
      Effect: 'Allow',
      Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'route53:ListTagsForResources'],
      Resource: hostedZoneArn(partition, dns.hostedZoneId),
    },
    // Route53 offers no resource-level permission for listing zones.
    { Sid: 'ListZones', Effect: 'Allow', Action: ['route53:ListHostedZones'], Resource: '*' },
  ];
}

export interface ExternalDnsProps extends AddonScope {
  readonly source: ChartPin;
  readonly dns: DnsConfig;
  readonly policy: ExternalDnsPolicy;
}

export class ExternalDns extends PodIdentityAddon {
  constructor(scope: Construct, id: string, props: ExternalDnsProps) {
    super(scope, id, {
      scope: props,
      spec: EXTERNAL_DNS,
      source: props.source,
      roleName: 'external-dns',
      title: 'ExternalDNS',
      accessScope: `, zone ${props.dns.domain}`,
      statements: externalDnsStatements(props.partition, props.dns),
      values: {
        provider: { name: 'aws' },
        sources: ['ingress', 'service'],
        domainFilters: [props.dns.domain],
        policy: props.policy,
        registry: 'txt',
        // TXT ownership: records this cluster created carry its name.
        txtOwnerId: props.clusterName,
        interval: '1m',
        extraArgs: [`--zone-id-filter=${props.dns.hostedZoneId}`, '--aws-zone-type=public'],
        // The SDK needs a region even for Route53 (a global service); pods cannot read IMDS.
        env: [{ name: 'AWS_DEFAULT_REGION', value: props.region }],
        resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      },
    });
  }
}
