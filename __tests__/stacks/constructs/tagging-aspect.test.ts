import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Route } from '@cdktf/provider-aws/lib/route';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Aspects, TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { TaggingAspect, standardTags } from '../../../stacks/constructs/tagging-aspect.js';
import { testingApp } from '../support/platform.js';
import { type TfJson, only } from '../support/tfjson.js';

const STANDARD = standardTags('hono-api', 'dev', 'example/repo', { 'cost-center': 'cc-1', project: 'overridden' });

function synth(build: (stack: TerraformStack) => void): TfJson {
  const stack = new TerraformStack(testingApp(), 'tags');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  Aspects.of(stack).add(new TaggingAspect(STANDARD));
  build(stack);
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

describe('standardTags', () => {
  it('sets project, environment, managed-by and repository, over any extra tag of the same name', () => {
    expect(STANDARD).toEqual({ 'cost-center': 'cc-1', project: 'hono-api', environment: 'dev', 'managed-by': 'cdktf', repository: 'example/repo' });
  });
});

describe('TaggingAspect', () => {
  const json = synth((stack) => {
    const vpc = new Vpc(stack, 'vpc', { cidrBlock: '10.0.0.0/16', tags: { Name: 'main', environment: 'wrong' } });
    new Subnet(stack, 'subnet', { vpcId: vpc.id, cidrBlock: '10.0.0.0/24' });
    new Route(stack, 'route', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-1' });
    new DataAwsVpc(stack, 'lookup', { filter: [{ name: 'tag:Name', values: ['main'] }] });
  });

  it('tags a resource that had no tags', () => {
    expect(only(json, 'aws_subnet').attrs.tags).toEqual(STANDARD);
  });

  it('keeps a resource\'s own tags (Name) and lets the standard ones win on conflicts', () => {
    expect(only(json, 'aws_vpc').attrs.tags).toEqual({ ...STANDARD, Name: 'main' });
  });

  it('leaves resources without tags alone', () => {
    expect(only(json, 'aws_route').attrs).not.toHaveProperty('tags');
  });

  it('leaves data sources alone: on lookups, tags are filters', () => {
    expect(only(json, 'aws_vpc', 'data').attrs).not.toHaveProperty('tags');
  });

  it('is idempotent when aspects run again (a second synth)', () => {
    const stack = new TerraformStack(testingApp(), 'twice');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    Aspects.of(stack).add(new TaggingAspect(STANDARD));
    new Vpc(stack, 'vpc', { cidrBlock: '10.0.0.0/16', tags: { Name: 'main' } });
    expect(Testing.synth(stack)).toBe(Testing.synth(stack));
  });
});
