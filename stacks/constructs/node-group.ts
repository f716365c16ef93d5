/**
 * A managed node group of Amazon Linux 2023 nodes in private subnets, launched from a template that
 * requires IMDSv2 with a hop limit of 1 (pods cannot borrow the node's credentials; they use Pod
 * Identity), encrypts the root volume, and attaches the recommended node security group.
 */
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Fn, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { acceptCheckovFinding } from './checkov.js';
import type { NodeGroupConfig } from '../config/types.js';
import type { EksCluster } from './eks-cluster.js';

export interface ManagedNodeGroupProps {
  readonly cluster: EksCluster;
  readonly name: string;
  readonly subnetIds: string[];
  readonly nodes: NodeGroupConfig;
  readonly iamPrefix: string;
  /** Resources the node group must wait for (the networking add-ons). */
  readonly dependsOn?: ITerraformDependable[];
}

/** Graviton families (m7g, c6gn, t4g…) need the ARM AMI. */
export const amiTypeFor = (instanceTypes: readonly string[]) =>
  instanceTypes.every((t) => /^[a-z]+\d+g[a-z]*\./.test(t)) ? 'AL2023_ARM_64_STANDARD' : 'AL2023_x86_64_STANDARD';

/** Ports the control plane calls on nodes: kubelet and the webhooks of common add-ons. */
const CONTROL_PLANE_TO_NODE_PORTS = [443, 4443, 6443, 8443, 9443, 10250];

export class ManagedNodeGroup extends Construct {
  readonly nodeGroup: EksNodeGroup;
  readonly securityGroup: SecurityGroup;
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: ManagedNodeGroupProps) {
    super(scope, id);
    const { cluster, nodes } = props;
    const eks = cluster.cluster;
    const vpcId = eks.vpcConfig.vpcId;

    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${props.name}-node`,
      description: `Nodes of ${props.name}`,
      vpcId,
      // No kubernetes.io/cluster/<name> tag: EKS puts it on the cluster security group, which the
      // nodes also carry, and the AWS Load Balancer Controller refuses an ENI with two such groups.
      tags: { Name: `${props.name}-node` },
    });
    const nodeSg = this.securityGroup.id;
    const clusterSg = cluster.clusterSecurityGroup.id;

    new VpcSecurityGroupIngressRule(this, 'cluster-from-nodes', {
      securityGroupId: clusterSg,
      referencedSecurityGroupId: nodeSg,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'Nodes to the API server',
    });
    for (const port of CONTROL_PLANE_TO_NODE_PORTS)
      new VpcSecurityGroupIngressRule(this, `nodes-from-cluster-${port}`, {
        securityGroupId: nodeSg,
        referencedSecurityGroupId: clusterSg,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        description: port === 10250 ? 'Control plane to kubelet' : 'Control plane to webhooks',
      });
    for (const proto of ['tcp', 'udp'])
      new VpcSecurityGroupIngressRule(this, `nodes-dns-${proto}`, {
        securityGroupId: nodeSg,
        referencedSecurityGroupId: nodeSg,
        ipProtocol: proto,
        fromPort: 53,
        toPort: 53,
        description: 'Node to node CoreDNS',
      });
    const ephemeral = new VpcSecurityGroupIngressRule(this, 'nodes-ephemeral', {
      securityGroupId: nodeSg,
      referencedSecurityGroupId: nodeSg,
      ipProtocol: 'tcp',
      fromPort: 1025,
      toPort: 65535,
      description: 'Node to node on ephemeral ports (pod to pod)',
    });
    acceptCheckovFinding(ephemeral, 'CKV_AWS_25', 'false positive: the source is the node security group itself (referenced_security_group_id), not 0.0.0.0/0; the range includes 3389 only between nodes');
    new VpcSecurityGroupEgressRule(this, 'nodes-egress', {
      securityGroupId: nodeSg,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: '-1',
      description: 'Nodes reach AWS APIs, registries and the internet through NAT',
    });

    this.role = new IamRole(this, 'role', {
      name: `${props.iamPrefix}nodes`,
      assumeRolePolicy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    const partition = new DataAwsPartition(this, 'partition').partition;
    const attachments = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonSSMManagedInstanceCore'].map(
      (policy) =>
        new IamRolePolicyAttachment(this, `role-${policy}`, { role: this.role.name, policyArn: `arn:${partition}:iam::aws:policy/${policy}` }),
    );

    const template = new LaunchTemplate(this, 'template', {
      name: `${props.name}-nodes`,
      description: `Nodes of ${props.name}: IMDSv2 only, encrypted root volume`,
      updateDefaultVersion: true,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' },
      blockDeviceMappings: [
        { deviceName: '/dev/xvda', ebs: { volumeSize: nodes.diskSizeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } },
      ],
      vpcSecurityGroupIds: [eks.vpcConfig.clusterSecurityGroupId, nodeSg],
      // Detailed monitoring is billed per instance; node-exporter already samples every node.
      monitoring: { enabled: nodes.detailedMonitoring },
      tagSpecifications: ['instance', 'volume', 'network-interface'].map((resourceType) => ({
        resourceType,
        tags: { Name: `${props.name}-node` },
      })),
    });

    this.nodeGroup = new EksNodeGroup(this, 'nodes', {
      clusterName: eks.name,
      nodeGroupNamePrefix: `${props.name}-`,
      nodeRoleArn: this.role.arn,
      subnetIds: props.subnetIds,
      amiType: amiTypeFor(nodes.instanceTypes),
      capacityType: nodes.capacityType,
      instanceTypes: [...nodes.instanceTypes],
      scalingConfig: { minSize: nodes.minSize, desiredSize: nodes.desiredSize, maxSize: nodes.maxSize },
      updateConfig: { maxUnavailablePercentage: 33 },
      launchTemplate: { id: template.id, version: Fn.tostring(template.latestVersion) },
      labels: { 'node.kubernetes.io/capacity-type': nodes.capacityType.toLowerCase() },
      // No autoscaler moves the desired size (README: Day two on EKS), so Terraform owns it: a change
      // by hand shows up as drift in the next plan instead of hiding behind ignore_changes.
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [...attachments, ...(props.dependsOn ?? [])],
    });
  }
}
