/**
 * Sets the workload permissions boundary on every IAM role in a stack, so roles created by an
 * environment's stacks (cluster, nodes, flow logs, add-ons) satisfy the deploy role's condition.
 */
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import type { IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';

export class PermissionsBoundaryAspect implements IAspect {
  constructor(private readonly boundaryArn: string) {}

  visit(node: IConstruct): void {
    if (node instanceof IamRole) node.permissionsBoundary = this.boundaryArn;
  }
}
