/** The environment's VPC. The cluster stack finds it by its Name tag. */
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from './config/types.js';
import { AwsStack, type AwsStackProps } from './constructs/aws-stack.js';
import { Network } from './constructs/network.js';
import { clusterName, environmentIamPrefix, vpcName } from './naming.js';

export interface NetworkStackProps extends Omit<AwsStackProps, 'environment' | 'region' | 'allowedAccountIds' | 'tags'> {
  readonly env: EnvironmentConfig;
}

export class NetworkStack extends AwsStack {
  readonly network: Network;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    const { env } = props;
    super(scope, id, { ...props, environment: env.name, region: env.region, allowedAccountIds: env.allowedAccountIds, tags: env.tags, boundRoles: true });
    this.network = new Network(this, 'network', {
      name: vpcName(props.project, env.name),
      cidr: env.network.vpcCidr,
      azCount: env.network.azCount,
      natMode: env.network.natMode,
      clusterName: clusterName(props.project, env.name),
      flowLogRetentionDays: env.network.flowLogRetentionDays,
      iamPrefix: environmentIamPrefix(props.project, env.name),
    });
    new TerraformOutput(this, 'vpc_id', { value: this.network.vpc.id });
    new TerraformOutput(this, 'private_subnet_ids', { value: this.network.subnets.private.map((s) => s.id) });
    new TerraformOutput(this, 'public_subnet_ids', { value: this.network.subnets.public.map((s) => s.id) });
  }
}
