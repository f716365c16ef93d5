/**
 * `cost <env>`: a monthly estimate counted from the synthesised stacks (not from the configuration),
 * so it prices what Terraform would create: EKS clusters, node groups (desired size × the first,
 * most preferred instance type, spot at a discount), their root volumes, NAT gateways and the data
 * they process, public IPv4 addresses, one ALB per ingress-enabled Helm release, CloudWatch log
 * ingestion, KMS keys and ECR storage. Prices come from the committed, dated table of the stack's
 * region (scripts/ops/prices/<region>.json); usage that Terraform cannot know is an assumption,
 * printed with the estimate.
 */
import path from 'node:path';
import type { OpsDeps } from './deps.js';
import { select } from './deploy.js';
import { readStackJson, synth } from './synth.js';
import { type Attrs, type TfJson, awsProvider, block, ingressEnabled, isToken, resources } from './tfjson.js';
import { formatTable, usd } from './table.js';

export interface PriceTable {
  readonly region: string;
  /** When these prices were current (YYYY-MM-DD). */
  readonly date: string;
  readonly source: string;
  readonly currency: 'USD';
  readonly note?: string;
  /** USD per hour. */
  readonly hourly: { readonly eksCluster: number; readonly natGateway: number; readonly publicIpv4: number; readonly alb: number; readonly albLcu: number };
  /** USD per GB. */
  readonly perGb: { readonly natDataProcessed: number; readonly cloudwatchLogsIngestion: number; readonly vpcFlowLogsIngestion: number };
  /** USD per GB-month. */
  readonly perGbMonth: { readonly ebsGp3: number; readonly ecrStorage: number };
  /** USD per month. */
  readonly monthly: { readonly kmsKey: number };
  /** On-demand Linux USD per hour, by instance type. */
  readonly instances: Readonly<Record<string, number>>;
}

export interface CostAssumptions {
  readonly hoursPerMonth: number;
  /** What a spot instance costs as a fraction of on-demand (0.35: a 65% discount). */
  readonly spotPriceFactor: number;
  /** EKS control-plane logs ingested per enabled log type (api, audit, …) per cluster per month. */
  readonly controlPlaneLogGbPerType: number;
  /** VPC flow logs (ALL traffic) ingested per flow log per month. */
  readonly flowLogGbPerVpc: number;
  /** Data each NAT gateway processes per month (image pulls, AWS APIs, egress). */
  readonly natGbPerGateway: number;
  /** Images kept per ECR repository. */
  readonly ecrGbPerRepository: number;
  /** Average load balancer capacity units per ALB (1 LCU: 25 new connections/s, 1 GB/h). */
  readonly albLcuPerLoadBalancer: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  hoursPerMonth: 730,
  spotPriceFactor: 0.35,
  controlPlaneLogGbPerType: 2,
  flowLogGbPerVpc: 5,
  natGbPerGateway: 10,
  ecrGbPerRepository: 2,
  albLcuPerLoadBalancer: 1,
};

export class PriceError extends Error {
  override name = 'PriceError';
}

export interface CostLine {
  readonly resource: string;
  readonly stack: string;
  readonly region: string;
  readonly quantity: number;
  /** What one unit of quantity is: instance, GB, GB-month, key… */
  readonly unit: string;
  /** USD per unit per `per`. */
  readonly unitPrice: number;
  readonly per: 'hour' | 'GB' | 'GB-month' | 'month';
  readonly monthly: number;
}

export interface CostEstimate {
  readonly lines: readonly CostLine[];
  readonly total: number;
  readonly assumptions: CostAssumptions;
  /** Price tables used, by region: their date and source. */
  readonly prices: Readonly<Record<string, { date: string; source: string; file: string }>>;
}

export interface StackJson {
  readonly name: string;
  readonly json: TfJson;
}

export const pricesFile = (dir: string, region: string) => path.join(dir, `${region}.json`);

/** Loads and checks a price table; PriceError names the file and the missing field. */
export function loadPrices(deps: Pick<OpsDeps, 'readFile' | 'repoRoot'>, dir: string, region: string): PriceTable & { file: string } {
  const file = pricesFile(dir, region);
  const shown = path.relative(deps.repoRoot, file) || file;
  const text = deps.readFile(file);
  if (text === undefined)
    throw new PriceError(`no price table for region ${region}: ${shown} does not exist (copy scripts/ops/prices/eu-west-1.json, fill in that region's list prices and the date)`);
  let table: PriceTable;
  try {
    table = JSON.parse(text) as PriceTable;
  } catch (err) {
    throw new PriceError(`${shown} is not JSON: ${(err as Error).message}`);
  }
  const need: [string, unknown][] = [
    ['date', table.date],
    ['source', table.source],
    ['hourly.eksCluster', table.hourly?.eksCluster],
    ['hourly.natGateway', table.hourly?.natGateway],
    ['hourly.publicIpv4', table.hourly?.publicIpv4],
    ['hourly.alb', table.hourly?.alb],
    ['hourly.albLcu', table.hourly?.albLcu],
    ['perGb.natDataProcessed', table.perGb?.natDataProcessed],
    ['perGb.cloudwatchLogsIngestion', table.perGb?.cloudwatchLogsIngestion],
    ['perGb.vpcFlowLogsIngestion', table.perGb?.vpcFlowLogsIngestion],
    ['perGbMonth.ebsGp3', table.perGbMonth?.ebsGp3],
    ['perGbMonth.ecrStorage', table.perGbMonth?.ecrStorage],
    ['monthly.kmsKey', table.monthly?.kmsKey],
    ['instances', table.instances],
  ];
  const missing = need.filter(([key, v]) => (key === 'date' || key === 'source' ? typeof v !== 'string' : key === 'instances' ? typeof v !== 'object' || v === null : typeof v !== 'number'));
  if (missing.length > 0) throw new PriceError(`${shown} lacks ${missing.map(([k]) => k).join(', ')}`);
  return { ...table, file: shown };
}

function number(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  throw new PriceError(`cannot price ${what}: its value ${JSON.stringify(value)} is not a number in the synthesised stack`);
}

/** The launch template a node group references (`${aws_launch_template.<id>.id}`), if any. */
function launchTemplateOf(json: TfJson, group: Attrs): Attrs | undefined {
  const ref = block(group.launch_template)?.id;
  const id = typeof ref === 'string' ? /aws_launch_template\.([^.}]+)\./.exec(ref)?.[1] : undefined;
  return id ? json.resource?.aws_launch_template?.[id] : undefined;
}

/** Root volume size in GiB of a node group's nodes: the launch template's, else disk_size, else EKS's 20. */
function rootVolumeGiB(json: TfJson, group: Attrs, what: string): number {
  const template = launchTemplateOf(json, group);
  const mappings = template?.block_device_mappings;
  const ebs = block(block(mappings)?.ebs);
  if (ebs?.volume_size !== undefined) return number(ebs.volume_size, `the root volume of ${what}`);
  return group.disk_size !== undefined ? number(group.disk_size, `the disk size of ${what}`) : 20;
}

/** The estimate; throws PriceError for anything it cannot price (e.g. an instance type missing from the table). */
export function estimateCost(stacks: readonly StackJson[], pricesFor: (region: string) => PriceTable & { file?: string }, assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS): CostEstimate {
  const H = assumptions.hoursPerMonth;
  const lines: CostLine[] = [];
  // An internet-facing ALB holds a public IPv4 address in every public subnet it spans: the subnets
  // the AWS Load Balancer Controller discovers by their kubernetes.io/role/elb tag.
  const elbSubnets = stacks.flatMap((s) => resources(s.json, 'aws_subnet')).filter((r) => String((r.attrs.tags as Attrs | undefined)?.['kubernetes.io/role/elb']) === '1').length;
  const used: Record<string, { date: string; source: string; file: string }> = {};
  for (const { name: stack, json } of stacks) {
    const region = awsProvider(json).region;
    const count = (type: string) => resources(json, type).length;
    const has = ['aws_eks_cluster', 'aws_eks_node_group', 'aws_nat_gateway', 'aws_eip', 'helm_release', 'aws_flow_log', 'aws_kms_key', 'aws_ecr_repository'].some((t) => count(t) > 0);
    if (!has) continue;
    if (!region) throw new PriceError(`cannot tell the region of stack ${stack}: its aws provider sets none`);
    const prices = pricesFor(region);
    const file = prices.file ?? `scripts/ops/prices/${region}.json`;
    used[region] = { date: prices.date, source: prices.source, file };
    const add = (line: Omit<CostLine, 'stack' | 'region' | 'monthly'>, monthly: number) => {
      if (line.quantity > 0) lines.push({ ...line, stack, region, monthly });
    };

    const clusters = resources(json, 'aws_eks_cluster');
    add({ resource: 'EKS control plane', quantity: clusters.length, unit: 'cluster', unitPrice: prices.hourly.eksCluster, per: 'hour' }, clusters.length * prices.hourly.eksCluster * H);

    for (const group of resources(json, 'aws_eks_node_group')) {
      const what = `node group ${group.id} in ${stack}`;
      const scaling = block(group.attrs.scaling_config);
      const desired = number(scaling?.desired_size, `the desired size of ${what}`);
      const types = group.attrs.instance_types;
      const type = Array.isArray(types) && typeof types[0] === 'string' && !isToken(types[0]) ? types[0] : undefined;
      if (!type) throw new PriceError(`cannot price ${what}: it names no instance type in instance_types`);
      const hourly = prices.instances[type];
      if (typeof hourly !== 'number')
        throw new PriceError(`no price for instance type "${type}" (${what}) in ${file}: add its on-demand Linux price in USD per hour under "instances"`);
      const spot = group.attrs.capacity_type === 'SPOT';
      const factor = spot ? assumptions.spotPriceFactor : 1;
      add(
        { resource: `EC2 ${type} nodes (${spot ? `spot, ${Math.round(factor * 100)}% of on-demand $${hourly}/h` : 'on-demand'})`, quantity: desired, unit: 'instance', unitPrice: hourly * factor, per: 'hour' },
        desired * hourly * H * factor,
      );
      const gib = rootVolumeGiB(json, group.attrs, what);
      add({ resource: `EBS gp3 root volumes (${desired} × ${gib} GiB)`, quantity: desired * gib, unit: 'GB-month', unitPrice: prices.perGbMonth.ebsGp3, per: 'GB-month' }, desired * gib * prices.perGbMonth.ebsGp3);
    }

    const nats = count('aws_nat_gateway');
    add({ resource: 'NAT gateways', quantity: nats, unit: 'gateway', unitPrice: prices.hourly.natGateway, per: 'hour' }, nats * prices.hourly.natGateway * H);
    const natGb = nats * assumptions.natGbPerGateway;
    add({ resource: `NAT data processed (${assumptions.natGbPerGateway} GB per gateway)`, quantity: natGb, unit: 'GB', unitPrice: prices.perGb.natDataProcessed, per: 'GB' }, natGb * prices.perGb.natDataProcessed);
    const eips = count('aws_eip');
    add({ resource: 'Elastic IPs (public IPv4)', quantity: eips, unit: 'address', unitPrice: prices.hourly.publicIpv4, per: 'hour' }, eips * prices.hourly.publicIpv4 * H);

    const albs = resources(json, 'helm_release').filter((r) => ingressEnabled(r.attrs.values)).length;
    add({ resource: 'Application Load Balancers (one per ingress)', quantity: albs, unit: 'load balancer', unitPrice: prices.hourly.alb, per: 'hour' }, albs * prices.hourly.alb * H);
    const lcus = albs * assumptions.albLcuPerLoadBalancer;
    const albIps = albs * elbSubnets;
    add({ resource: `ALB public IPv4 (${elbSubnets} public subnets per ALB)`, quantity: albIps, unit: 'address', unitPrice: prices.hourly.publicIpv4, per: 'hour' }, albIps * prices.hourly.publicIpv4 * H);
    add({ resource: `ALB capacity units (${assumptions.albLcuPerLoadBalancer} LCU per ALB)`, quantity: lcus, unit: 'LCU', unitPrice: prices.hourly.albLcu, per: 'hour' }, lcus * prices.hourly.albLcu * H);

    const logTypes = clusters.reduce((n, c) => n + (Array.isArray(c.attrs.enabled_cluster_log_types) ? c.attrs.enabled_cluster_log_types.length : 0), 0);
    const cpGb = logTypes * assumptions.controlPlaneLogGbPerType;
    add({ resource: `CloudWatch Logs: EKS control plane (${logTypes} log types × ${assumptions.controlPlaneLogGbPerType} GB)`, quantity: cpGb, unit: 'GB', unitPrice: prices.perGb.cloudwatchLogsIngestion, per: 'GB' }, cpGb * prices.perGb.cloudwatchLogsIngestion);
    const flowGb = count('aws_flow_log') * assumptions.flowLogGbPerVpc;
    add({ resource: `CloudWatch Logs: VPC flow logs (${assumptions.flowLogGbPerVpc} GB per VPC)`, quantity: flowGb, unit: 'GB', unitPrice: prices.perGb.vpcFlowLogsIngestion, per: 'GB' }, flowGb * prices.perGb.vpcFlowLogsIngestion);

    const keys = count('aws_kms_key');
    add({ resource: 'KMS keys', quantity: keys, unit: 'key', unitPrice: prices.monthly.kmsKey, per: 'month' }, keys * prices.monthly.kmsKey);
    const ecrGb = count('aws_ecr_repository') * assumptions.ecrGbPerRepository;
    add({ resource: `ECR storage (${assumptions.ecrGbPerRepository} GB per repository)`, quantity: ecrGb, unit: 'GB-month', unitPrice: prices.perGbMonth.ecrStorage, per: 'GB-month' }, ecrGb * prices.perGbMonth.ecrStorage);
  }
  return { lines, total: lines.reduce((sum, l) => sum + l.monthly, 0), assumptions, prices: used };
}

const PER = { hour: '/h', GB: '/GB', 'GB-month': '/GB-mo', month: '/mo' } as const;

/** Prices older than this are called out: list prices change, and the table is written by hand. */
export const STALE_PRICES_DAYS = 365;

/** A warning for each price table older than STALE_PRICES_DAYS on `today`. */
export function stalePrices(estimate: Pick<CostEstimate, 'prices'>, today: Date): string[] {
  return Object.entries(estimate.prices).flatMap(([region, p]) => {
    const days = Math.floor((today.getTime() - Date.parse(`${p.date}T00:00:00Z`)) / 86_400_000);
    return days > STALE_PRICES_DAYS ? [`warning: the ${region} prices (${p.file}) are of ${p.date}, ${days} days old: check them against the AWS pricing pages and update the table and its date`] : [];
  });
}

export function renderCost(env: string, estimate: CostEstimate, today: Date = new Date()): string {
  const rows = estimate.lines.map((l) => [l.resource, l.stack, String(Number(l.quantity.toFixed(2))), `${usd(l.unitPrice, 4)}${PER[l.per]}`, usd(l.monthly)]);
  rows.push(['total', '', '', '', usd(estimate.total)]);
  const a = estimate.assumptions;
  const lines = [
    `Monthly cost estimate for ${env} (USD, list prices):`,
    '',
    formatTable(['resource', 'stack', 'quantity', 'unit price', 'monthly'], rows, ['left', 'left', 'right', 'right', 'right']),
    '',
    'Assumptions:',
    `  - ${a.hoursPerMonth} hours per month; node groups run at their desired size, priced at their first (most preferred) instance type`,
    `  - spot nodes cost ${Math.round(a.spotPriceFactor * 100)}% of on-demand (a ${Math.round((1 - a.spotPriceFactor) * 100)}% discount; it varies by type, zone and time)`,
    `  - log ingestion: ${a.controlPlaneLogGbPerType} GB/month per enabled EKS control-plane log type, ${a.flowLogGbPerVpc} GB/month of VPC flow logs per VPC (log storage not counted)`,
    `  - ${a.natGbPerGateway} GB/month through each NAT gateway; one ALB per ingress-enabled release at ${a.albLcuPerLoadBalancer} LCU; ${a.ecrGbPerRepository} GB per ECR repository`,
    '  - not counted: data transfer out, S3 state storage and requests, KMS and API requests, CloudWatch metrics and alarms, taxes, support plans, free tiers',
    'Prices:',
    ...Object.entries(estimate.prices).map(([region, p]) => `  - ${region}: ${p.file}, prices of ${p.date} (${p.source.split(':')[0]})`),
    ...stalePrices(estimate, today),
  ];
  return lines.join('\n');
}

export interface CostOptions {
  readonly env: string;
  readonly withShared: boolean;
  readonly json: boolean;
}

/** Synthesises the environment and prints its estimate; no AWS call. */
export async function cost(deps: OpsDeps, outdir: string, options: CostOptions): Promise<number> {
  const manifest = await synth(deps, outdir, { environments: options.env });
  if (!manifest) return 1;
  const selection = select(deps, manifest, options.env, { withShared: options.withShared });
  if (typeof selection === 'number') return selection;
  const tables = new Map<string, PriceTable & { file: string }>();
  const pricesFor = (region: string) => {
    let table = tables.get(region);
    if (!table) tables.set(region, (table = loadPrices(deps, deps.pricesDir, region)));
    return table;
  };
  let estimate: CostEstimate;
  try {
    estimate = estimateCost(
      selection.stacks.map((s) => ({ name: s.name, json: readStackJson(deps, outdir, s) })),
      pricesFor,
    );
  } catch (err) {
    deps.err(`error: ${(err as Error).message}`);
    return 1;
  }
  if (options.json) deps.out(JSON.stringify({ environment: options.env, currency: 'USD', ...estimate }, null, 2));
  else {
    deps.out(renderCost(options.env, estimate));
    if (selection.sharedLeftOut.length > 0) deps.out(`Shared stacks (${selection.sharedLeftOut.join(', ')}) not included: add --with-shared (they are paid once per account, not per environment).`);
  }
  return 0;
}
