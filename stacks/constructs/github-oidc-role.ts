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

/** The repository whose workflows a role trusts, as the OIDC subject names it. */
export interface GithubRepositoryIdentity {
  /** owner/name. */
  readonly repository: string;
  /** GitHub's numeric ids of the owner and the repository. */
  readonly ids: { readonly owner: number; readonly repository: number };
  /** Whether the repository may still present the name-only subject (created before 2026-07-15). */
  readonly nameOnlySubject: boolean;
}

/**
 * The `repo:…` part of the subjects GitHub issues to the repository's jobs. Every repository
 * created, renamed or transferred on github.com since 2026-07-15 (a fork or a repository made from
 * a template included) gets the immutable form `repo:OWNER@OWNER_ID/REPO@REPO_ID`, which a
 * takeover of a freed name cannot forge (GitHub changelog 2026-04-23, "Immutable subject claims for
 * GitHub Actions OIDC tokens"; docs.github.com, OpenID Connect reference). Older repositories keep
 * `repo:OWNER/REPO` until they opt in, so that form is trusted only when the config says so.
 */
export function subjectRepositories(github: GithubRepositoryIdentity): string[] {
  const [owner, name] = github.repository.split('/') as [string, string];
  const immutable = `repo:${owner}@${github.ids.owner}/${name}@${github.ids.repository}`;
  return github.nameOnlySubject ? [immutable, `repo:${github.repository}`] : [immutable];
}

export type PolicyStatement = {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, unknown>;
} & ({ readonly Action: string | readonly string[] } | { readonly NotAction: string | readonly string[] });

export interface GithubOidcRoleProps {
  readonly roleName: string;
  readonly description: string;
  readonly oidcProviderArn: string;
  /** Allowed token subjects, e.g. `repo:owner@1/name@2:environment:prod`. Wildcards (`*`) allowed. */
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
