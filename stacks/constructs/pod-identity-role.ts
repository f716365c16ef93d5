/**
 * AWS access for one Kubernetes service account through EKS Pod Identity: a role that only the
 * Pod Identity service may assume, its permissions as an inline policy, and the association that
 * binds the role to exactly one namespace and service account of the cluster. The
 * eks-pod-identity-agent add-on (cluster stack) hands the pods their credentials.
 *
 * Roles are named with the environment's IAM prefix so the deploy role may create them, and the
 * stack's permissions-boundary aspect (AwsStack with boundRoles) bounds them.
 */
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Fn, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { PolicyStatement } from './github-oidc-role.js';

export type { PolicyStatement };

/** The service principal of EKS Pod Identity. */
export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';

export interface PodIdentityRoleProps {
  readonly clusterName: string;
  /** Full role name, with the environment's IAM prefix. */
  readonly roleName: string;
  readonly description: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Inline permissions; may be empty when `managedPolicyArns` grant what the workload needs. */
  readonly statements: readonly PolicyStatement[];
  /** AWS managed policies the workload's maintainers publish (e.g. AmazonEBSCSIDriverPolicy). Default none. */
  readonly managedPolicyArns?: readonly string[];
}

/** Pod Identity assumes the role and tags the session (cluster, namespace, service account). */
export const podIdentityTrustPolicy = () => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: POD_IDENTITY_PRINCIPAL }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
});

export class PodIdentityRole extends Construct {
  readonly role: IamRole;
  /** Everything that grants the role its permissions. */
  readonly grants: ITerraformDependable[] = [];
  readonly association: EksPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(scope, id);
    const managed = props.managedPolicyArns ?? [];
    if (props.statements.length === 0 && managed.length === 0) throw new Error(`PodIdentityRole ${props.roleName}: no policy statements and no managed policies`);
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: Fn.jsonencode(podIdentityTrustPolicy()),
    });
    if (props.statements.length > 0)
      this.grants.push(
        new IamRolePolicy(this, 'policy', {
          role: this.role.id,
          name: `${props.roleName}-permissions`,
          policy: Fn.jsonencode({ Version: '2012-10-17', Statement: props.statements }),
        }),
      );
    managed.forEach((policyArn, i) => this.grants.push(new IamRolePolicyAttachment(this, `managed-${i}`, { role: this.role.name, policyArn })));
    this.association = new EksPodIdentityAssociation(this, 'association', {
      clusterName: props.clusterName,
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      roleArn: this.role.arn,
    });
  }

  /**
   * What the workload must wait for: Pod Identity injects credentials when a pod is created, so
   * pods started before the association exists run without AWS access until they restart.
   */
  get readyBefore(): ITerraformDependable[] {
    return [...this.grants, this.association];
  }
}
