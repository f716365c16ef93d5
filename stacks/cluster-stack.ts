/**
 * The environment's EKS cluster and its nodes. It finds the network by tags (Name of the VPC, tier
 * of the subnets) rather than taking the network stack's outputs, so it can be planned on its own.
 */
import { AutoscalingGroupTagA } from '@cdktf/provider-aws/lib/autoscaling-group-tag';
import { DataAwsSubnets } from '@cdktf/provider-aws/lib/data-aws-subnets';
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc';
import { Ec2Tag } from '@cdktf/provider-aws/lib/ec2-tag';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsStack, type EnvironmentStackProps, environmentStackProps } from './constructs/aws-stack.js';
import { ENVIRONMENT_TAG } from './constructs/tagging-aspect.js';
import { type ClusterAccess, EksCluster } from './constructs/eks-cluster.js';
import { TIER_TAG } from './constructs/network.js';
import { ManagedNodeGroup } from './constructs/node-group.js';
import { type CiRole, ciRoleName, clusterName, deployRole, environmentIamPrefix, vpcName } from './naming.js';

export type ClusterStackProps = EnvironmentStackProps;

export class ClusterStack extends AwsStack {
  readonly eks: EksCluster;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    const { env, project } = props;
    super(scope, id, environmentStackProps(props));
    const name = clusterName(project, env.name);
    const iamPrefix = environmentIamPrefix(project, env.name);

    const vpc = new DataAwsVpc(this, 'vpc', { filter: [{ name: 'tag:Name', values: [vpcName(project, env.name)] }] });
    const subnets = (tier: string) =>
      new DataAwsSubnets(this, `${tier}-subnets`, {
        filter: [
          { name: 'vpc-id', values: [vpc.id] },
          { name: `tag:${TIER_TAG}`, values: [tier] },
        ],
      }).ids;

    const role = (r: CiRole) => `arn:${this.partition}:iam::${this.accountId}:role/${ciRoleName(project, r)}`;
    const access: ClusterAccess[] = [
      // CI applies the app stack (Helm) with this environment's deploy role, and the main-branch
      // plan role refreshes it (Helm keeps releases in Secrets, hence AdminView). The pull-request
      // plan role gets no access entry: its plans run with -refresh=false and never call the cluster.
      { principalArn: role(deployRole(env.name)), policy: 'AmazonEKSClusterAdminPolicy' },
      { principalArn: role('plan'), policy: 'AmazonEKSAdminViewPolicy' },
      ...env.cluster.adminPrincipalArns.map((principalArn) => ({ principalArn, policy: 'AmazonEKSClusterAdminPolicy' as const })),
    ];

    this.eks = new EksCluster(this, 'eks', {
      name,
      version: env.cluster.version,
      vpcId: vpc.id,
      controlPlaneSubnetIds: subnets('intra'),
      publicEndpoint: env.cluster.publicEndpoint,
      publicAccessCidrs: env.cluster.publicAccessCidrs,
      logRetentionDays: env.cluster.logRetentionDays,
      logTypes: env.cluster.logTypes,
      access,
      iamPrefix,
    });
    const prerequisites = this.eks.addNodePrerequisiteAddons(env.cluster.addons);
    const nodes = new ManagedNodeGroup(this, 'nodes', {
      cluster: this.eks,
      name,
      subnetIds: subnets('private'),
      nodes: env.cluster.nodes,
      iamPrefix,
      dependsOn: prerequisites,
    });
    this.eks.addWorkloadAddons(env.cluster.addons, nodes.nodeGroup, iamPrefix, { [ENVIRONMENT_TAG]: env.name });

    // What EKS creates on the cluster's behalf carries none of our tags: the cluster security group
    // and the node group's Auto Scaling group. Tagged here, so the other environments' deploy roles
    // are denied them by tag (constructs/ci-role-policies.ts) like every other resource.
    new Ec2Tag(this, 'cluster-security-group-environment', { resourceId: this.eks.cluster.vpcConfig.clusterSecurityGroupId, key: ENVIRONMENT_TAG, value: env.name });
    new AutoscalingGroupTagA(this, 'nodes-asg-environment', {
      autoscalingGroupName: nodes.nodeGroup.resources.get(0).autoscalingGroups.get(0).name,
      // The instances get theirs from the launch template.
      tag: { key: ENVIRONMENT_TAG, value: env.name, propagateAtLaunch: false },
    });

    new TerraformOutput(this, 'cluster_name', { value: this.eks.cluster.name });
    new TerraformOutput(this, 'cluster_endpoint', { value: this.eks.cluster.endpoint });
    new TerraformOutput(this, 'kubeconfig_command', {
      value: `aws eks update-kubeconfig --region ${env.region} --name ${name}`,
      description: 'Adds the cluster to ~/.kube/config',
    });
  }
}
