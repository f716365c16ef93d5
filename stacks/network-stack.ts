/** The environment's VPC. The cluster stack finds it by its Name tag. */
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsStack, type EnvironmentStackProps, environmentStackProps } from './constructs/aws-stack.js';
import { Network } from './constructs/network.js';
import { clusterName, environmentIamPrefix, vpcName } from './naming.js';

export type NetworkStackProps = EnvironmentStackProps;

export class NetworkStack extends AwsStack {
  readonly network: Network;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    const { env } = props;
    super(scope, id, environmentStackProps(props));
    this.network = new Network(this, 'network', {
      name: vpcName(props.project, env.name),
      cidr: env.network.vpcCidr,
      azCount: env.network.azCount,
      natMode: env.network.natMode,
      clusterName: clusterName(props.project, env.name),
      flowLogRetentionDays: env.network.flowLogRetentionDays,
      flowLogAggregationSeconds: env.network.flowLogAggregationSeconds,
      iamPrefix: environmentIamPrefix(props.project, env.name),
    });
    new TerraformOutput(this, 'vpc_id', { value: this.network.vpc.id });
    new TerraformOutput(this, 'private_subnet_ids', { value: this.network.subnets.private.map((s) => s.id) });
    new TerraformOutput(this, 'public_subnet_ids', { value: this.network.subnets.public.map((s) => s.id) });
  }
}
