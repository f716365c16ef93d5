/**
 * An IAM role that GitHub Actions workflows assume through OIDC: no long-lived keys. The trust
 * policy pins the audience and the token subject (repository plus branch, tag, pull request or
 * environment), so only the named workflows of the named repository can assume it.
 */
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, unknown>;
}

export interface GithubOidcRoleProps {
  readonly roleName: string;
  readonly description: string;
  readonly oidcProviderArn: string;
  /** Allowed token subjects, e.g. `repo:owner/name:environment:prod`. Wildcards (`*`) allowed. */
  readonly subjects: readonly string[];
  readonly managedPolicyArns?: readonly string[];
  readonly statements?: readonly PolicyStatement[];
  /** Session length in seconds. Default one hour: long enough for an EKS apply. */
  readonly maxSessionDuration?: number;
}

const defaults = { managedPolicyArns: [], statements: [], maxSessionDuration: 3600 } satisfies Partial<GithubOidcRoleProps>;

/** The trust policy document, exported for tests that compare it with the workflows. */
export function githubTrustPolicy(oidcProviderArn: string, subjects: readonly string[]) {
  const exact = subjects.every((s) => !s.includes('*'));
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
            ...(exact ? { [`${GITHUB_OIDC_HOST}:sub`]: [...subjects] } : {}),
          },
          ...(exact ? {} : { StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: [...subjects] } }),
        },
      },
    ],
  };
}

export class GithubOidcRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: GithubOidcRoleProps) {
    super(scope, id);
    const p = { ...defaults, ...props };
    if (p.subjects.length === 0) throw new Error(`GithubOidcRole ${p.roleName}: subjects must not be empty (it would trust every repository)`);
    this.role = new IamRole(this, 'role', {
      name: p.roleName,
      description: p.description,
      maxSessionDuration: p.maxSessionDuration,
      assumeRolePolicy: Fn.jsonencode(githubTrustPolicy(p.oidcProviderArn, p.subjects)),
    });
    p.managedPolicyArns.forEach((arn, i) => new IamRolePolicyAttachment(this, `managed-${i}`, { role: this.role.name, policyArn: arn }));
    if (p.statements.length > 0) {
      new IamRolePolicy(this, 'inline', {
        role: this.role.id,
        name: `${p.roleName}-permissions`,
        policy: Fn.jsonencode({ Version: '2012-10-17', Statement: p.statements }),
      });
    }
  }
}
