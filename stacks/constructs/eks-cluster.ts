/**
 * An EKS control plane with the defaults a security review expects: secrets envelope-encrypted
 * with a rotating KMS key, control-plane logs in a KMS-encrypted log group with retention, the
 * private endpoint on and the public one limited to an allowlist, access entries (authentication
 * mode API, no aws-auth ConfigMap), no IRSA OIDC provider (every add-on uses Pod Identity), and managed add-ons pinned to
 * versions.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon';
import { EksCluster as AwsEksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Fn, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { AddonVersions } from '../config/types.js';
import { acceptCheckovFinding, acceptNewerThanCheckovKnows, acceptShortRetention } from './checkov.js';
import { KmsKey } from './kms-key.js';
import { PodIdentityRole } from './pod-identity-role.js';

/** The service account the aws-ebs-csi-driver add-on runs its controller as. */
export const EBS_CSI_CONTROLLER_SERVICE_ACCOUNT = 'ebs-csi-controller-sa';

/** EKS cluster access policies an access entry can be associated with. */
export type AccessPolicy = 'AmazonEKSClusterAdminPolicy' | 'AmazonEKSAdminViewPolicy' | 'AmazonEKSViewPolicy';

export interface ClusterAccess {
  readonly principalArn: string;
  readonly policy: AccessPolicy;
}

export interface EksClusterProps {
  readonly name: string;
  readonly version: string;
  readonly vpcId: string;
  /** Subnets for the control-plane network interfaces (the intra subnets). */
  readonly controlPlaneSubnetIds: string[];
  readonly publicEndpoint: boolean;
  readonly publicAccessCidrs: readonly string[];
  readonly logRetentionDays: number;
  readonly access: readonly ClusterAccess[];
  /** Prefix for IAM names. */
  readonly iamPrefix: string;
  /** Default: api, audit, authenticator, controllerManager, scheduler. */
  readonly logTypes?: readonly string[];
  /** Service CIDR; must not overlap the VPC. Default KUBERNETES_SERVICE_CIDR. */
  readonly serviceCidr?: string;
}

/**
 * The Kubernetes Service range of every cluster, set explicitly: left unset, EKS picks 10.100.0.0/16
 * or 172.20.0.0/16 by a rule it does not document (EKS API, KubernetesNetworkConfigRequest), and a
 * VPC that overlaps the range it picks breaks Service routing. 172.20.0.0/16 is what EKS picks for
 * a VPC in 10.0.0.0/8, the default here, so a cluster created without it keeps its range; validation
 * refuses a VPC CIDR that overlaps it.
 */
export const KUBERNETES_SERVICE_CIDR = '172.20.0.0/16';

/** What the cluster role may do with the secrets key (terraform-aws-modules/eks's cluster_encryption policy). */
export const CLUSTER_KEY_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey'] as const;

const defaults = {
  logTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
  serviceCidr: KUBERNETES_SERVICE_CIDR,
} satisfies Partial<EksClusterProps>;

const assumeRole = (service: string) =>
  Fn.jsonencode({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
  });

export class EksCluster extends Construct {
  readonly cluster: AwsEksCluster;
  readonly key: KmsKey;
  /** Extra security group on the control-plane interfaces; node rules reference it. */
  readonly clusterSecurityGroup: SecurityGroup;
  private readonly partition: string;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    const p = { ...defaults, ...props };
    this.partition = new DataAwsPartition(this, 'partition').partition;
    const logGroupName = `/aws/eks/${p.name}/cluster`;

    this.key = new KmsKey(this, 'key', {
      alias: `eks/${p.name}`,
      description: `Encrypts Kubernetes secrets and control-plane logs of ${p.name}`,
      cloudwatchLogGroupPrefix: logGroupName,
    });
    // Created before the cluster, or EKS would create an unencrypted one that never expires.
    const logGroup = new CloudwatchLogGroup(this, 'logs', { name: logGroupName, retentionInDays: p.logRetentionDays, kmsKeyId: this.key.arn });
    acceptShortRetention(logGroup, p.logRetentionDays, 'cluster.logRetentionDays');

    const role = new IamRole(this, 'role', { name: `${p.iamPrefix}cluster`, assumeRolePolicy: assumeRole('eks.amazonaws.com') });
    const rolePolicy = new IamRolePolicyAttachment(this, 'role-policy', {
      role: role.name,
      policyArn: `arn:${this.partition}:iam::aws:policy/AmazonEKSClusterPolicy`,
    });

    // EKS uses the secrets key as the cluster role, and checks it periodically (a key it can no longer
    // use is a cluster health issue, KMS_KEY_DISABLED / KMS_GRANT_REVOKED, and a revoked grant means
    // recreating the cluster). AmazonEKSClusterPolicy has no KMS actions: these are the ones
    // terraform-aws-modules/eks attaches (aws_iam_policy.cluster_encryption, v21.19.0), on this key only.
    const encryptionPolicy = new IamRolePolicy(this, 'role-encryption', {
      name: 'secrets-encryption',
      role: role.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{ Sid: 'UseTheSecretsKey', Effect: 'Allow', Action: [...CLUSTER_KEY_ACTIONS], Resource: this.key.arn }],
      }),
    });

    this.clusterSecurityGroup = new SecurityGroup(this, 'cluster-sg', {
      name: `${p.name}-cluster`,
      description: `EKS control plane of ${p.name}; node rules reference it`,
      vpcId: p.vpcId,
      tags: { Name: `${p.name}-cluster` },
    });

    this.cluster = new AwsEksCluster(this, 'cluster', {
      name: p.name,
      version: p.version,
      roleArn: role.arn,
      enabledClusterLogTypes: [...p.logTypes],
      vpcConfig: {
        subnetIds: p.controlPlaneSubnetIds,
        securityGroupIds: [this.clusterSecurityGroup.id],
        endpointPrivateAccess: true,
        endpointPublicAccess: p.publicEndpoint,
        ...(p.publicEndpoint ? { publicAccessCidrs: [...p.publicAccessCidrs] } : {}),
      },
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: this.key.arn } },
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      kubernetesNetworkConfig: { serviceIpv4Cidr: p.serviceCidr, ipFamily: 'ipv4' },
      // Managed add-ons below replace the self-managed defaults.
      bootstrapSelfManagedAddons: false,
      // Standard support only: extended support costs six times as much per hour.
      upgradePolicy: { supportType: 'STANDARD' },
      dependsOn: [logGroup, rolePolicy, encryptionPolicy],
    });
    acceptNewerThanCheckovKnows(this.cluster, p.version);
    const allLogTypes = defaults.logTypes;
    const left = allLogTypes.filter((t) => !p.logTypes.includes(t));
    if (left.length > 0)
      acceptCheckovFinding(this.cluster, 'CKV_AWS_37', `this environment's cluster.logTypes (stacks/config/environments.ts) leaves out ${left.join(', ')} to save CloudWatch ingestion; audit is always on, and prod keeps all five`);
    if (p.publicEndpoint) {
      // The CI roles plan and apply the cluster-facing stacks from GitHub-hosted runners, which have no
      // fixed addresses. Every request is still authenticated by IAM and authorised by access entries.
      acceptCheckovFinding(this.cluster, 'CKV_AWS_39', 'public endpoint so GitHub-hosted runners can plan the platform and app stacks; IAM-authenticated, access entries authorise, publicAccessCidrs limit');
      if (p.publicAccessCidrs.includes('0.0.0.0/0'))
        acceptCheckovFinding(this.cluster, 'CKV_AWS_38', `publicAccessCidrs is 0.0.0.0/0 in this environment's cluster config (stacks/config/environments.ts): runner addresses are not fixed; IAM still authenticates every call`);
    }

    p.access.forEach((a, i) => this.grant(`access-${i}`, a));
  }

  /** Gives an IAM principal a cluster-wide access policy through an access entry. */
  grant(id: string, access: ClusterAccess): void {
    const entry = new EksAccessEntry(this, id, { clusterName: this.cluster.name, principalArn: access.principalArn, type: 'STANDARD' });
    new EksAccessPolicyAssociation(this, `${id}-policy`, {
      clusterName: this.cluster.name,
      principalArn: entry.principalArn,
      policyArn: `arn:${this.partition}:eks::aws:cluster-access-policy/${access.policy}`,
      accessScope: { type: 'cluster' },
    });
  }

  /** Add-ons nodes need before they can become Ready: networking and Pod Identity. */
  addNodePrerequisiteAddons(versions: AddonVersions): EksAddon[] {
    return [
      // NetworkPolicy enforcement is off by default in the EKS vpc-cni add-on; without it the
      // chart's default-deny and per-port policies are accepted by the API server and do nothing.
      this.addon('vpc-cni', versions.vpcCni, [], { enableNetworkPolicy: 'true' }),
      this.addon('kube-proxy', versions.kubeProxy),
      this.addon('eks-pod-identity-agent', versions.podIdentityAgent),
    ];
  }

  /**
   * Add-ons that run as pods, so they wait for the nodes. metrics-server feeds the HPA; the EBS CSI
   * driver provisions persistent volumes, its controller calling EC2 through a Pod Identity role
   * with AWS's managed policy for it (created with the environment's IAM prefix, bounded), tagging
   * every volume with `volumeTags`.
   */
  addWorkloadAddons(versions: AddonVersions, nodes: ITerraformDependable, iamPrefix: string, volumeTags: Readonly<Record<string, string>> = {}): EksAddon[] {
    const ebsCsi = new PodIdentityRole(this, 'ebs-csi-driver', {
      clusterName: this.cluster.name,
      roleName: `${iamPrefix}ebs-csi-driver`,
      description: `EBS CSI driver controller of ${this.cluster.name}: creates, attaches and deletes the cluster's volumes`,
      namespace: 'kube-system',
      serviceAccount: EBS_CSI_CONTROLLER_SERVICE_ACCOUNT,
      statements: [],
      managedPolicyArns: [`arn:${this.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy`],
    });
    return [
      this.addon('coredns', versions.coredns, [nodes]),
      this.addon('metrics-server', versions.metricsServer, [nodes]),
      // The volumes the driver creates carry the environment's tags (the add-on's extraVolumeTags),
      // so other environments' deploy roles are denied them by tag.
      this.addon('aws-ebs-csi-driver', versions.ebsCsiDriver, [nodes, ...ebsCsi.readyBefore], Object.keys(volumeTags).length ? { controller: { extraVolumeTags: volumeTags } } : undefined),
    ];
  }

  private addon(name: string, version: string, after: ITerraformDependable[] = [], configuration?: Record<string, unknown>): EksAddon {
    return new EksAddon(this, `addon-${name}`, {
      clusterName: this.cluster.name,
      addonName: name,
      addonVersion: version,
      ...(configuration ? { configurationValues: JSON.stringify(configuration) } : {}),
      resolveConflictsOnCreate: 'OVERWRITE',
      resolveConflictsOnUpdate: 'PRESERVE',
      dependsOn: after,
    });
  }
}
