/**
 * A VPC for EKS in the terraform-aws-modules/vpc shape: public, private and intra subnets in each
 * AZ, an internet gateway, NAT gateways (one, or one per AZ), DNS hostnames on, the default security
 * group and network ACL stripped of all rules, and flow logs to a KMS-encrypted log group.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { DefaultNetworkAcl } from '@cdktf/provider-aws/lib/default-network-acl';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { NetworkAcl } from '@cdktf/provider-aws/lib/network-acl';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { acceptCheckovFinding, acceptShortRetention } from './checkov.js';
import type { NatMode } from '../config/types.js';
import { planSubnets } from './cidr.js';
import { KmsKey } from './kms-key.js';

export type SubnetTier = 'public' | 'private' | 'intra';

export interface NetworkProps {
  /** Name tag of the VPC and prefix of everything in it. */
  readonly name: string;
  readonly cidr: string;
  readonly azCount: number;
  readonly natMode: NatMode;
  /** EKS cluster that will use the subnets (adds the kubernetes.io/cluster tag). */
  readonly clusterName: string;
  /** Days to keep flow logs. Default 90. */
  readonly flowLogRetentionDays?: number;
  /** Seconds a flow log record aggregates: 600 (default, AWS's too) or 60. */
  readonly flowLogAggregationSeconds?: 60 | 600;
  /** Prefix for IAM names (the deploy role may only manage its environment's prefix). */
  readonly iamPrefix: string;
}

const defaults: { flowLogRetentionDays: number; flowLogAggregationSeconds: 60 | 600 } = { flowLogRetentionDays: 90, flowLogAggregationSeconds: 600 };

/** Tag every subnet of a tier carries; the cluster stack finds its subnets by it. */
export const TIER_TAG = 'tier';

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly subnets: Record<SubnetTier, Subnet[]>;
  readonly natGateways: NatGateway[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const p = { ...defaults, ...props };
    const plan = planSubnets(p.cidr, p.azCount);
    // Only regular AZs: local and wavelength zones need an opt-in and lack EKS support.
    const azs = new DataAwsAvailabilityZones(this, 'azs', {
      state: 'available',
      filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    });
    acceptCheckovFinding(
      azs,
      'CKV_AWS_394',
      'the subnets take the first azCount zones by position in the alphabetical list; a zone AWS adds later sorts after them, so no subnet moves',
    );
    const az = (i: number) => Fn.element(azs.names, i);

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: p.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: p.name },
    });
    const vpcId = this.vpc.id;

    // Nothing may use the defaults: they are stripped of every rule.
    new DefaultSecurityGroup(this, 'default-sg', { vpcId, ingress: [], egress: [], tags: { Name: `${p.name}-default-deny` } });
    new DefaultNetworkAcl(this, 'default-nacl', {
      defaultNetworkAclId: this.vpc.defaultNetworkAclId,
      ingress: [],
      egress: [],
      tags: { Name: `${p.name}-default-deny` },
      lifecycle: { ignoreChanges: ['subnet_ids'] },
    });

    const kubernetesTags: Record<SubnetTier, Record<string, string>> = {
      public: { 'kubernetes.io/role/elb': '1', [`kubernetes.io/cluster/${p.clusterName}`]: 'shared' },
      private: { 'kubernetes.io/role/internal-elb': '1', [`kubernetes.io/cluster/${p.clusterName}`]: 'shared' },
      intra: {},
    };
    const makeSubnets = (tier: SubnetTier) =>
      plan[tier].map(
        (cidr, i) =>
          new Subnet(this, `${tier}-${i}`, {
            vpcId,
            cidrBlock: cidr,
            availabilityZone: az(i),
            mapPublicIpOnLaunch: false,
            tags: { Name: `${p.name}-${tier}-${i}`, [TIER_TAG]: tier, ...kubernetesTags[tier] },
          }),
      );
    this.subnets = { public: makeSubnets('public'), private: makeSubnets('private'), intra: makeSubnets('intra') };

    // The subnets use explicit ACLs that allow traffic (security groups do the filtering); the
    // default ACL stays empty so a subnet added by hand is isolated until someone decides otherwise.
    for (const tier of ['public', 'private', 'intra'] as const) {
      const acl = new NetworkAcl(this, `${tier}-nacl`, {
        vpcId,
        subnetIds: this.subnets[tier].map((s) => s.id),
        ingress: [{ ruleNo: 100, action: 'allow', protocol: '-1', fromPort: 0, toPort: 0, cidrBlock: '0.0.0.0/0' }],
        egress: [{ ruleNo: 100, action: 'allow', protocol: '-1', fromPort: 0, toPort: 0, cidrBlock: '0.0.0.0/0' }],
        tags: { Name: `${p.name}-${tier}` },
      });
      // NACLs are stateless: one that filters ports must also open every ephemeral return port, and
      // then breaks NAT, load balancer health checks and EKS webhooks when it gets a range wrong.
      const why = 'security groups filter traffic (nodes accept only the cluster, the load balancer and each other); the stateless NACL allows all, as terraform-aws-modules/vpc does';
      // CKV_AWS_229..232: ingress from 0.0.0.0/0 to ports 21, 20, 3389 and 22.
      for (const check of ['CKV_AWS_229', 'CKV_AWS_230', 'CKV_AWS_231', 'CKV_AWS_232']) acceptCheckovFinding(acl, check, why);
    }

    const igw = new InternetGateway(this, 'igw', { vpcId, tags: { Name: p.name } });
    const publicRoutes = new RouteTable(this, 'public-rt', { vpcId, tags: { Name: `${p.name}-public` } });
    new Route(this, 'public-default', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    this.subnets.public.forEach((s, i) => new RouteTableAssociation(this, `public-rta-${i}`, { subnetId: s.id, routeTableId: publicRoutes.id }));

    const natCount = p.natMode === 'single' ? 1 : p.azCount;
    this.natGateways = [...Array(natCount).keys()].map((i) => {
      const eip = new Eip(this, `nat-eip-${i}`, { domain: 'vpc', tags: { Name: `${p.name}-nat-${i}` } });
      return new NatGateway(this, `nat-${i}`, {
        allocationId: eip.id,
        subnetId: this.subnets.public[i]!.id,
        tags: { Name: `${p.name}-${i}` },
        dependsOn: [igw],
      });
    });

    this.subnets.private.forEach((s, i) => {
      const rt = new RouteTable(this, `private-rt-${i}`, { vpcId, tags: { Name: `${p.name}-private-${i}` } });
      const nat = this.natGateways[p.natMode === 'single' ? 0 : i]!;
      new Route(this, `private-default-${i}`, { routeTableId: rt.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
      new RouteTableAssociation(this, `private-rta-${i}`, { subnetId: s.id, routeTableId: rt.id });
    });

    // Intra subnets have no route out of the VPC.
    const intraRoutes = new RouteTable(this, 'intra-rt', { vpcId, tags: { Name: `${p.name}-intra` } });
    this.subnets.intra.forEach((s, i) => new RouteTableAssociation(this, `intra-rta-${i}`, { subnetId: s.id, routeTableId: intraRoutes.id }));

    this.flowLogs(p);
  }

  private flowLogs(p: NetworkProps & typeof defaults): void {
    const logGroupName = `/aws/vpc/${p.name}/flow-logs`;
    const key = new KmsKey(this, 'flow-log-key', {
      alias: `${p.name}-flow-logs`,
      description: `Encrypts the ${p.name} VPC flow logs`,
      cloudwatchLogGroupPrefix: logGroupName,
    });
    const logGroup = new CloudwatchLogGroup(this, 'flow-log-group', {
      name: logGroupName,
      retentionInDays: p.flowLogRetentionDays,
      kmsKeyId: key.arn,
    });
    acceptShortRetention(logGroup, p.flowLogRetentionDays, 'network.flowLogRetentionDays');
    const role = new IamRole(this, 'flow-log-role', {
      name: `${p.iamPrefix}vpc-flow-logs`,
      assumeRolePolicy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    new IamRolePolicy(this, 'flow-log-policy', {
      role: role.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams'],
            Resource: [logGroup.arn, `${logGroup.arn}:*`],
          },
        ],
      }),
    });
    new FlowLog(this, 'flow-log', {
      vpcId: this.vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: p.flowLogAggregationSeconds,
    });
  }
}
