import { describe, expect, it } from 'vitest';
import type { EnvironmentName } from '../../stacks/config/types.js';
import { planSubnets } from '../../stacks/constructs/cidr.js';
import { ENVIRONMENTS, envConfig, synthPlatform } from './support/platform.js';
import { type Found, type TfJson, at, deref, list, only, ref, resources, tagsOf } from './support/tfjson.js';

const platform = synthPlatform();

function subnetsOf(json: TfJson, tier: string): Found[] {
  return resources(json, 'aws_subnet')
    .filter((s) => tagsOf(s)?.tier === tier)
    .sort((a, b) => azIndex(a) - azIndex(b));
}

/** The index into the AZ list a subnet was placed at: element(data.aws_availability_zones.x.names, i). */
function azIndex(subnet: Found): number {
  const m = /^\$\{element\(data\.aws_availability_zones\.[^.]+\.names, (\d+)\)\}$/.exec(String(subnet.attrs.availability_zone));
  if (!m) throw new Error(`${subnet.address} has availability_zone ${String(subnet.attrs.availability_zone)}`);
  return Number(m[1]);
}

/** The route table a subnet is associated with. */
function routeTableOf(json: TfJson, subnet: Found): Found {
  const assoc = resources(json, 'aws_route_table_association').filter((a) => a.attrs.subnet_id === ref(subnet, 'id'));
  expect(assoc, `association of ${subnet.address}`).toHaveLength(1);
  return deref(json, assoc[0]!.attrs.route_table_id);
}

const defaultRoute = (json: TfJson, table: Found) =>
  resources(json, 'aws_route').filter((r) => r.attrs.route_table_id === ref(table, 'id') && r.attrs.destination_cidr_block === '0.0.0.0/0');

describe.each(ENVIRONMENTS as EnvironmentName[])('network-%s', (env) => {
  const json = platform.json(`network-${env}`);
  const cfg = envConfig(env).network;
  const plan = planSubnets(cfg.vpcCidr, cfg.azCount);
  const vpc = only(json, 'aws_vpc');
  const cluster = `hono-api-${env}`;

  it('has a VPC with the configured CIDR, DNS support and DNS hostnames', () => {
    expect(vpc.attrs).toMatchObject({ cidr_block: cfg.vpcCidr, enable_dns_hostnames: true, enable_dns_support: true });
    expect(tagsOf(vpc)?.Name).toBe(`hono-api-${env}`);
  });

  it.each(['public', 'private', 'intra'] as const)('has one %s subnet per AZ with the CIDRs from planSubnets', (tier) => {
    const subnets = subnetsOf(json, tier);
    expect(subnets).toHaveLength(cfg.azCount);
    expect(subnets.map((s) => s.attrs.cidr_block)).toEqual(plan[tier]);
    expect(subnets.map(azIndex)).toEqual([0, 1, 2].slice(0, cfg.azCount));
    for (const s of subnets) {
      expect(s.attrs.vpc_id).toBe(ref(vpc, 'id'));
      expect(s.attrs.map_public_ip_on_launch).toBe(false);
    }
  });

  it('only uses AZs that need no opt-in (no local or wavelength zones)', () => {
    const azs = only(json, 'aws_availability_zones', 'data');
    expect(azs.attrs.state).toBe('available');
    expect(list(azs.attrs.filter)).toEqual([{ name: 'opt-in-status', values: ['opt-in-not-required'] }]);
  });

  it('tags subnets for the load balancer controller and the cluster', () => {
    for (const s of subnetsOf(json, 'public')) {
      expect(tagsOf(s)).toMatchObject({ 'kubernetes.io/role/elb': '1', [`kubernetes.io/cluster/${cluster}`]: 'shared' });
      expect(tagsOf(s)).not.toHaveProperty('kubernetes.io/role/internal-elb');
    }
    for (const s of subnetsOf(json, 'private')) {
      expect(tagsOf(s)).toMatchObject({ 'kubernetes.io/role/internal-elb': '1', [`kubernetes.io/cluster/${cluster}`]: 'shared' });
      expect(tagsOf(s)).not.toHaveProperty('kubernetes.io/role/elb');
    }
    for (const s of subnetsOf(json, 'intra')) expect(Object.keys(tagsOf(s) ?? {}).filter((k) => k.startsWith('kubernetes.io/'))).toEqual([]);
  });

  it(`has ${cfg.natMode === 'single' ? 'one NAT gateway' : 'a NAT gateway per AZ'} (natMode ${cfg.natMode})`, () => {
    const nats = resources(json, 'aws_nat_gateway');
    expect(nats).toHaveLength(cfg.natMode === 'single' ? 1 : cfg.azCount);
    const publicSubnets = subnetsOf(json, 'public');
    // NAT gateways sit in public subnets, each in a different AZ, each with its own Elastic IP.
    const natSubnets = nats.map((n) => deref(json, n.attrs.subnet_id));
    for (const s of natSubnets) expect(publicSubnets.map((p) => p.address)).toContain(s.address);
    expect(new Set(natSubnets.map((s) => s.address)).size).toBe(nats.length);
    expect(new Set(nats.map((n) => n.attrs.allocation_id)).size).toBe(nats.length);
  });

  it('routes each private subnet to the internet through a NAT gateway (its own AZ\'s when per-az)', () => {
    const privateSubnets = subnetsOf(json, 'private');
    const used = privateSubnets.map((subnet) => {
      const table = routeTableOf(json, subnet);
      const routes = defaultRoute(json, table);
      expect(routes, `default route of ${table.address}`).toHaveLength(1);
      expect(routes[0]!.attrs.gateway_id).toBeUndefined();
      const nat = deref(json, routes[0]!.attrs.nat_gateway_id);
      expect(nat.type).toBe('aws_nat_gateway');
      if (cfg.natMode === 'per-az') expect(azIndex(deref(json, nat.attrs.subnet_id)), subnet.address).toBe(azIndex(subnet));
      return { table: table.address, nat: nat.address };
    });
    expect(new Set(used.map((u) => u.table)).size).toBe(privateSubnets.length);
    expect(new Set(used.map((u) => u.nat)).size).toBe(cfg.natMode === 'per-az' ? cfg.azCount : 1);
  });

  it('routes public subnets through the internet gateway and gives intra subnets no way out', () => {
    for (const s of subnetsOf(json, 'public')) {
      const routes = defaultRoute(json, routeTableOf(json, s));
      expect(routes).toHaveLength(1);
      expect(deref(json, routes[0]!.attrs.gateway_id).type).toBe('aws_internet_gateway');
    }
    for (const s of subnetsOf(json, 'intra')) {
      const table = routeTableOf(json, s);
      expect(resources(json, 'aws_route').filter((r) => r.attrs.route_table_id === ref(table, 'id'))).toEqual([]);
    }
  });

  it('strips the default security group and the default network ACL of every rule', () => {
    const sg = only(json, 'aws_default_security_group');
    expect(sg.attrs.vpc_id).toBe(ref(vpc, 'id'));
    expect(sg.attrs.ingress).toEqual([]);
    expect(sg.attrs.egress).toEqual([]);
    const nacl = only(json, 'aws_default_network_acl');
    expect(nacl.attrs.default_network_acl_id).toBe(ref(vpc, 'default_network_acl_id'));
    expect(nacl.attrs.ingress).toEqual([]);
    expect(nacl.attrs.egress).toEqual([]);
  });

  it('logs all VPC traffic to a KMS-encrypted log group with the configured retention', () => {
    const flowLog = only(json, 'aws_flow_log');
    // 600 s records: a tenth of the 60 s ones, for what is usually read after the fact.
    expect(flowLog.attrs).toMatchObject({ vpc_id: ref(vpc, 'id'), traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs', max_aggregation_interval: 600 });
    const group = deref(json, flowLog.attrs.log_destination);
    expect(group.type).toBe('aws_cloudwatch_log_group');
    expect(group.attrs.retention_in_days).toBe(cfg.flowLogRetentionDays);
    const key = deref(json, group.attrs.kms_key_id);
    expect(key.type).toBe('aws_kms_key');
    expect(key.attrs.enable_key_rotation).toBe(true);
    // The delivery role is named under the environment's IAM prefix (the deploy role may manage it).
    expect(deref(json, flowLog.attrs.iam_role_arn).attrs.name).toBe(`hono-api-${env}-vpc-flow-logs`);
  });

  it('keeps the subnet CIDRs of different environments apart', () => {
    const others = ENVIRONMENTS.filter((e) => e !== env).flatMap((e) => resources(platform.json(`network-${e}`), 'aws_subnet').map((s) => s.attrs.cidr_block));
    for (const s of resources(json, 'aws_subnet')) expect(others).not.toContain(s.attrs.cidr_block);
  });
});

describe('network NAT modes', () => {
  it('dev uses a single NAT gateway and prod one per AZ, as configured', () => {
    expect(envConfig('dev').network.natMode).toBe('single');
    expect(envConfig('prod').network.natMode).toBe('per-az');
    expect(resources(platform.json('network-dev'), 'aws_nat_gateway')).toHaveLength(1);
    expect(resources(platform.json('network-prod'), 'aws_nat_gateway')).toHaveLength(3);
  });

  it('every private route table in dev shares the one NAT gateway', () => {
    const json = platform.json('network-dev');
    const nat = only(json, 'aws_nat_gateway');
    const privateRoutes = resources(json, 'aws_route').filter((r) => r.attrs.nat_gateway_id !== undefined);
    expect(privateRoutes).toHaveLength(3);
    for (const r of privateRoutes) expect(r.attrs.nat_gateway_id).toBe(ref(nat, 'id'));
  });

  it('the subnet layout is the one planSubnets documents', () => {
    expect(at(subnetsOf(platform.json('network-prod'), 'private')[0]!.attrs, 'cidr_block')).toBe('10.30.0.0/20');
  });
});
