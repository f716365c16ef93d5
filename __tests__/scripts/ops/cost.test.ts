import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ASSUMPTIONS, type PriceTable, PriceError, STALE_PRICES_DAYS, estimateCost, loadPrices, renderCost } from '../../../scripts/ops/cost.js';
import { main } from '../../../scripts/ops/cli.js';
import type { TfJson } from '../../../scripts/ops/tfjson.js';
import { configWith, envConfig, synthPlatform } from '../../stacks/support/platform.js';
import { OUTDIR, fake, synthResponder } from './fakes.js';

const PRICES_DIR = path.resolve('scripts/ops/prices');
const prices = (region: string) => JSON.parse(readFileSync(path.join(PRICES_DIR, `${region}.json`), 'utf8')) as PriceTable;
const H = DEFAULT_ASSUMPTIONS.hoursPerMonth;

/** The stacks of one environment, synthesised as main.ts would (definePlatform on a Testing app). */
function envStacks(env: 'dev' | 'staging' | 'prod', config = configWith(() => undefined)) {
  const platform = synthPlatform({ environments: env, config });
  return platform.ids.filter((id) => id.endsWith(`-${env}`)).map((name) => ({ name, json: platform.json(name) as unknown as TfJson }));
}

const quantity = (e: ReturnType<typeof estimateCost>, prefix: string) => e.lines.filter((l) => l.resource.startsWith(prefix)).reduce((s, l) => s + l.quantity, 0);
const monthly = (e: ReturnType<typeof estimateCost>, prefix: string) => e.lines.filter((l) => l.resource.startsWith(prefix)).reduce((s, l) => s + l.monthly, 0);

describe('the price tables', () => {
  it.each([['eu-west-1'], ['us-east-1']])('%s is dated, sourced and complete', (region) => {
    const table = loadPrices({ readFile: (f) => readFileSync(f, 'utf8'), repoRoot: path.resolve('.') }, PRICES_DIR, region);
    expect(table.region).toBe(region);
    expect(table.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(table.source).toMatch(/https:\/\/aws\.amazon\.com\//);
    // Every instance type an environment is configured with has a price.
    for (const env of ['dev', 'staging', 'prod'] as const) for (const type of envConfig(env).cluster.nodes.instanceTypes) expect(table.instances[type], `${region} ${type}`).toBeGreaterThan(0);
  });

  it('names the file to create for a region without a table', () => {
    expect(() => loadPrices({ readFile: () => undefined, repoRoot: path.resolve('.') }, PRICES_DIR, 'ap-south-2')).toThrow(
      /no price table for region ap-south-2: scripts\/ops\/prices\/ap-south-2\.json does not exist/,
    );
  });

  it('names the fields a table lacks', () => {
    const partial = JSON.stringify({ date: '2025-01-01', source: 'x', hourly: { eksCluster: 0.1 } });
    expect(() => loadPrices({ readFile: () => partial, repoRoot: '/' }, '/p', 'eu-west-1')).toThrow(/lacks hourly\.natGateway, .*monthly\.kmsKey, instances/);
  });
});

describe('estimateCost on the synthesised environments', () => {
  const dev = estimateCost(envStacks('dev'), prices);
  const prod = estimateCost(envStacks('prod'), prices);
  const eu = prices('eu-west-1');

  it('counts one NAT gateway (and its EIP) in dev, three in prod', () => {
    expect(quantity(dev, 'NAT gateways')).toBe(1);
    expect(quantity(dev, 'Elastic IPs')).toBe(1);
    expect(quantity(prod, 'NAT gateways')).toBe(3);
    expect(quantity(prod, 'Elastic IPs')).toBe(3);
    expect(monthly(prod, 'NAT gateways')).toBeCloseTo(3 * eu.hourly.natGateway * H, 6);
  });

  it('prices dev nodes as desired × hourly × 730 × the spot factor, at the first instance type', () => {
    const nodes = dev.lines.find((l) => l.resource.startsWith('EC2 '))!;
    const cfg = envConfig('dev').cluster.nodes;
    expect(cfg.capacityType).toBe('SPOT');
    expect(nodes.resource).toMatch(new RegExp(`^EC2 ${cfg.instanceTypes[0]!.replace('.', '\\.')} nodes \\(spot, 35% of on-demand`));
    expect(nodes.quantity).toBe(cfg.desiredSize);
    expect(nodes.monthly).toBeCloseTo(cfg.desiredSize * eu.instances[cfg.instanceTypes[0]!]! * H * DEFAULT_ASSUMPTIONS.spotPriceFactor, 6);
  });

  it('prices prod nodes on demand', () => {
    const nodes = prod.lines.find((l) => l.resource.startsWith('EC2 '))!;
    const cfg = envConfig('prod').cluster.nodes;
    expect(nodes.resource).toBe(`EC2 ${cfg.instanceTypes[0]} nodes (on-demand)`);
    expect(nodes.monthly).toBeCloseTo(cfg.desiredSize * eu.instances[cfg.instanceTypes[0]!]! * H, 6);
  });

  it('counts one EKS cluster, its root volumes, one ALB for the ingress-enabled release, the KMS keys and the log ingestion', () => {
    for (const [e, env] of [[dev, 'dev'], [prod, 'prod']] as const) {
      const cfg = envConfig(env);
      expect(quantity(e, 'EKS control plane')).toBe(1);
      expect(monthly(e, 'EKS control plane')).toBeCloseTo(eu.hourly.eksCluster * H, 6);
      expect(quantity(e, 'EBS gp3')).toBe(cfg.cluster.nodes.desiredSize * cfg.cluster.nodes.diskSizeGiB);
      expect(quantity(e, 'Application Load Balancers')).toBe(1);
      expect(quantity(e, 'ALB public IPv4')).toBe(cfg.network.azCount);
      // One per aws_kms_key in the stacks (network: flow logs, cluster: secrets, and any the platform adds).
      const keys = envStacks(env).reduce((n, st) => n + Object.keys(st.json.resource?.aws_kms_key ?? {}).length, 0);
      expect(keys).toBeGreaterThanOrEqual(2);
      expect(quantity(e, 'KMS keys')).toBe(keys);
      // Per enabled log type: dev sends two (audit, authenticator), prod all five.
      expect(quantity(e, 'CloudWatch Logs: EKS')).toBe(cfg.cluster.logTypes.length * DEFAULT_ASSUMPTIONS.controlPlaneLogGbPerType);
      expect(quantity(e, 'CloudWatch Logs: VPC')).toBe(DEFAULT_ASSUMPTIONS.flowLogGbPerVpc);
    }
  });

  it('totals the lines, each line being quantity × unit price (× hours for hourly prices)', () => {
    for (const e of [dev, prod]) {
      expect(e.total).toBeCloseTo(e.lines.reduce((s, l) => s + l.monthly, 0), 9);
      for (const l of e.lines) expect(l.monthly).toBeCloseTo(l.quantity * l.unitPrice * (l.per === 'hour' ? H : 1), 9);
    }
    expect(prod.total).toBeGreaterThan(dev.total);
    expect(dev.prices['eu-west-1']).toMatchObject({ date: eu.date });
  });

  it('counts no ALB when the release has no ingress', () => {
    const noIngress = (json: TfJson): TfJson => {
      const copy = JSON.parse(JSON.stringify(json)) as { resource?: { helm_release?: Record<string, { values?: string[] }> } };
      for (const release of Object.values(copy.resource?.helm_release ?? {}))
        release.values = release.values?.map((v) => v.replace(/"ingress":\{"enabled":true/g, '"ingress":{"enabled":false').replace(/"ingress" = \{"enabled" = true/g, '"ingress" = {"enabled" = false'));
      return copy as TfJson;
    };
    const stacks = envStacks('dev').map((s) => ({ ...s, json: noIngress(s.json) }));
    expect(quantity(estimateCost(envStacks('dev'), prices), 'Application Load Balancers')).toBe(1);
    expect(quantity(estimateCost(stacks, prices), 'Application Load Balancers')).toBe(0);
  });

  it('uses the region of each stack', () => {
    const config = configWith((c) => {
      // An environment lives in the registry's region (validation), so both move.
      c.shared.region = 'us-east-1';
      for (const env of Object.values(c.environments)) env.region = 'us-east-1';
    });
    const us = estimateCost(envStacks('dev', config), prices);
    expect(Object.keys(us.prices)).toEqual(['us-east-1']);
    expect(monthly(us, 'NAT gateways')).toBeCloseTo(prices('us-east-1').hourly.natGateway * H, 6);
  });

  it('fails naming an instance type the table does not price, and the file to edit', () => {
    const config = configWith((c) => {
      c.environments.dev.cluster.nodes.instanceTypes = ['x9z.huge'];
    });
    expect(() => estimateCost(envStacks('dev', config), (r) => ({ ...prices(r), file: 'scripts/ops/prices/eu-west-1.json' }))).toThrow(PriceError);
    expect(() => estimateCost(envStacks('dev', config), (r) => ({ ...prices(r), file: 'scripts/ops/prices/eu-west-1.json' }))).toThrow(
      /no price for instance type "x9z\.huge" \(node group .* in cluster-dev\) in scripts\/ops\/prices\/eu-west-1\.json: add its on-demand Linux price/,
    );
  });

  it('renders a table with the total and the assumptions', () => {
    const text = renderCost('dev', dev);
    expect(text).toMatch(/resource\s+stack\s+quantity\s+unit price\s+monthly/);
    expect(text).toMatch(new RegExp(`total\\s+\\$${dev.total.toFixed(2)}`));
    expect(text).toMatch(/730 hours per month/);
    expect(text).toMatch(/spot nodes cost 35% of on-demand/);
    expect(text).toMatch(/2 GB\/month per enabled EKS control-plane log type, 5 GB\/month of VPC flow logs/);
    expect(text).toMatch(/prices of \d{4}-\d{2}-\d{2}/);
  });

  it('says when its prices are more than a year old, and not before', () => {
    const date = Object.values(dev.prices)[0]!.date;
    const day = (offset: number) => new Date(Date.parse(`${date}T00:00:00Z`) + offset * 86_400_000);
    expect(renderCost('dev', dev, day(STALE_PRICES_DAYS))).not.toMatch(/warning/);
    expect(renderCost('dev', dev, day(STALE_PRICES_DAYS + 1))).toMatch(new RegExp(`warning: the eu-west-1 prices \\(.*\\) are of ${date}, ${STALE_PRICES_DAYS + 1} days old: check them against the AWS pricing pages`));
  });
});

describe('ops cost', () => {
  it('synthesises the environment and prints JSON with lines and total, without any AWS call', async () => {
    const platform = synthPlatform({ environments: 'dev' });
    const stacks = platform.ids.map((name) => ({ name, dependencies: [...(platform.stacks.get(name)!.dependencies.map((d) => d.node.id))], json: platform.json(name) as unknown as Record<string, unknown> }));
    const f = fake({ respond: [synthResponder(() => stacks)] });
    expect(await main(['cost', 'dev', '--json'], f.deps)).toBe(0);
    const report = JSON.parse(f.out.join('\n')) as { environment: string; total: number; lines: { resource: string; quantity: number }[] };
    expect(report.environment).toBe('dev');
    expect(report.lines.find((l) => l.resource === 'NAT gateways')?.quantity).toBe(1);
    expect(report.total).toBeGreaterThan(0);
    expect(f.callsTo('aws')).toEqual([]);
    expect(f.callsTo('terraform')).toEqual([]);
    expect(f.calls[0]!.options.env).toMatchObject({ ENVIRONMENTS: 'dev', CDKTF_OUTDIR: OUTDIR });
  });

  it('exits 1 naming an unpriced instance type', async () => {
    const config = configWith((c) => {
      c.environments.dev.cluster.nodes.instanceTypes = ['x9z.huge'];
    });
    const platform = synthPlatform({ environments: 'dev', config });
    const stacks = platform.ids.map((name) => ({ name, dependencies: platform.stacks.get(name)!.dependencies.map((d) => d.node.id), json: platform.json(name) as unknown as Record<string, unknown> }));
    const f = fake({ respond: [synthResponder(() => stacks)] });
    expect(await main(['cost', 'dev'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/no price for instance type "x9z\.huge".*prices\/eu-west-1\.json/);
  });
});
