/**
 * The CI roles' real policies, evaluated with AWS's logic (explicit denies, permissions boundaries,
 * condition keys) by @cloud-copilot/iam-simulate (AGPL-3.0, a test-only devDependency: it never
 * reaches the image or a deployment). The policies come from the synthesised ci-identity stack with
 * its Terraform references resolved for one account, and AWS's managed policies from moto's snapshot
 * of them (installed by the toolchain), so nothing here restates a policy by hand.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { toolchain } from '../../../tools/toolchain.js';
import { decodeEncoded } from './hcl.js';
import { type TfJson, ref, resources } from './tfjson.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const STATE_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b7c3f1e-state-key`;

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** Every `${…}` of a synthesised policy, replaced by what Terraform would put there in ACCOUNT; an unknown one throws. */
export function resolveReferences(json: TfJson, value: unknown): unknown {
  const policies = new Map(resources(json, 'aws_iam_policy').map((p) => [ref(p, 'arn'), `arn:aws:iam::${ACCOUNT}:policy/${String(p.attrs.name)}`]));
  const known: Record<string, string> = {
    '${data.aws_kms_alias.state-key.target_key_arn}': STATE_KEY_ARN,
    ...Object.fromEntries(policies),
  };
  const text = JSON.stringify(value).replace(/\$\{[^}]+\}/g, (token) => {
    const resolved =
      known[token] ?? (/^\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}$/.test(token) ? ACCOUNT : /^\$\{data\.aws_partition\.[\w-]+\.partition\}$/.test(token) ? 'aws' : undefined);
    if (resolved === undefined) throw new Error(`no value for ${token} in a policy: extend resolveReferences`);
    return resolved;
  });
  return JSON.parse(text) as unknown;
}

let managedCache: Record<string, { Document: PolicyDocument }> | undefined;
/** AWS's managed policy document by name (path included, e.g. job-function/ViewOnlyAccess), from moto's snapshot. */
export function managedPolicy(name: string): PolicyDocument {
  if (!managedCache) {
    const python = path.join(toolchain().pythonDir(), 'bin', 'python');
    const code = 'import json, moto.iam.aws_managed_policies as m; print(m.aws_managed_policies_data)';
    managedCache = JSON.parse(execFileSync(python, ['-c', code], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Record<string, { Document: PolicyDocument }>;
  }
  const found = managedCache[path.basename(name)];
  if (!found) throw new Error(`moto has no managed policy ${name}`);
  return found.Document;
}

export interface Principal {
  readonly name: string;
  /** Its account; ACCOUNT unless read back from elsewhere (the AWS emulator's). */
  readonly account?: string;
  readonly identity: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
}

/** A CI role of the synthesised stack: its inline policies and its managed policies' documents. */
export function ciRole(json: TfJson, roleName: string): Principal {
  const role = resources(json, 'aws_iam_role').find((r) => r.attrs.name === roleName);
  if (!role) throw new Error(`no role ${roleName}`);
  const inline = resources(json, 'aws_iam_role_policy')
    .filter((p) => p.attrs.role === ref(role, 'id'))
    .map((p) => resolveReferences(json, decodeEncoded(p.attrs.policy)) as PolicyDocument);
  const managed = resources(json, 'aws_iam_role_policy_attachment')
    .filter((a) => a.attrs.role === ref(role, 'name'))
    .map((a) => managedPolicy(String(a.attrs.policy_arn).replace(/^arn:[^:]+:iam::aws:policy\//, '')));
  return { name: roleName, identity: [...inline, ...managed] };
}

/** The permissions boundary policy named `name` in the synthesised stack. */
export function boundaryPolicy(json: TfJson, name: string): PolicyDocument {
  const policy = resources(json, 'aws_iam_policy').find((p) => p.attrs.name === name);
  if (!policy) throw new Error(`no policy ${name}`);
  return resolveReferences(json, decodeEncoded(policy.attrs.policy)) as PolicyDocument;
}

export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
  /** The resource's own policy (a KMS key policy, a bucket policy), where AWS evaluates one. */
  readonly resourcePolicy?: PolicyDocument;
}

/** The key policy of the state stack's KMS key. */
export function stateKeyPolicy(state: TfJson): PolicyDocument {
  const [key] = resources(state, 'aws_kms_key');
  if (!key) throw new Error('the state stack has no KMS key');
  return resolveReferences(state, decodeEncoded(key.attrs.policy)) as PolicyDocument;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** AWS's decision for `principal` making `request`; a context key the action does not take fails (it would be ignored silently). */
export async function decide(principal: Principal, request: Request): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${principal.account ?? ACCOUNT}:role/${principal.name}`,
        action: request.action,
        resource: { resource: request.resource, accountId: principal.account ?? ACCOUNT },
        contextVariables: { ...request.context },
      },
      identityPolicies: principal.identity.map((policy, i) => ({ name: `identity-${i}`, policy })),
      ...(principal.boundary ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: principal.boundary }] } : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') throw new Error(`${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  // An action that takes no resource ARN is evaluated on "*" (a wildcard result, no context keys).
  if (result.resultType === 'wildcard' && request.resource === '*') return result.overallResult as Decision;
  if (result.resultType !== 'single') throw new Error(`${request.action} on ${request.resource}: expected one resource, got ${result.resultType}`);
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`${request.action}: context keys ${ignored.join(', ')} do not apply to it (a typo would change the decision)`);
  return result.overallResult as Decision;
}

interface AuthorizationDetails {
  readonly RoleDetailList: readonly {
    readonly RoleName: string;
    readonly RolePolicyList?: readonly { readonly PolicyDocument: unknown }[];
    readonly AttachedManagedPolicies?: readonly { readonly PolicyArn: string }[];
    readonly PermissionsBoundary?: { readonly PermissionsBoundaryArn: string };
  }[];
  readonly Policies?: readonly { readonly Arn: string; readonly PolicyVersionList?: readonly { readonly Document: unknown; readonly IsDefaultVersion: boolean }[] }[];
}

/** A policy document as IAM's API returns it: an object, or URL-encoded JSON. */
const document = (raw: unknown): PolicyDocument => (typeof raw === 'string' ? (JSON.parse(decodeURIComponent(raw)) as PolicyDocument) : (raw as PolicyDocument));

/**
 * A role as IAM holds it, from `aws iam get-account-authorization-details`: its inline policies,
 * its managed policies (customer ones from the same output, AWS ones from moto's snapshot) and its
 * permissions boundary.
 */
export function readBackRole(details: AuthorizationDetails, roleName: string, account: string): Principal {
  const role = details.RoleDetailList.find((r) => r.RoleName === roleName);
  if (!role) throw new Error(`IAM holds no role ${roleName}`);
  const policy = (arn: string): PolicyDocument => {
    const customer = details.Policies?.find((p) => p.Arn === arn);
    const version = customer?.PolicyVersionList?.find((v) => v.IsDefaultVersion);
    if (version) return document(version.Document);
    if (/:iam::aws:policy\//.test(arn)) return managedPolicy(arn.replace(/^arn:[^:]+:iam::aws:policy\//, ''));
    throw new Error(`IAM holds no policy ${arn}`);
  };
  return {
    name: roleName,
    account,
    identity: [...(role.RolePolicyList ?? []).map((p) => document(p.PolicyDocument)), ...(role.AttachedManagedPolicies ?? []).map((p) => policy(p.PolicyArn))],
    ...(role.PermissionsBoundary ? { boundary: policy(role.PermissionsBoundary.PermissionsBoundaryArn) } : {}),
  };
}

/** A customer-managed policy's default version, by name, from the same output. */
export function readBackPolicy(details: AuthorizationDetails, name: string): PolicyDocument {
  const found = details.Policies?.find((p) => p.Arn.endsWith(`:policy/${name}`));
  const version = found?.PolicyVersionList?.find((v) => v.IsDefaultVersion);
  if (!version) throw new Error(`IAM holds no policy ${name}`);
  return document(version.Document);
}

/**
 * The synthesised CI roles in the shape `aws iam get-account-authorization-details` prints (for
 * tools that read that, such as cloudsplaining), with AWS's managed policies from moto's snapshot.
 */
export function synthesisedAuthorizationDetails(json: TfJson): unknown {
  const roles = resources(json, 'aws_iam_role');
  const managedArns = new Set<string>();
  const RoleDetailList = roles.map((role, i) => {
    const name = String(role.attrs.name);
    const attached = resources(json, 'aws_iam_role_policy_attachment')
      .filter((a) => a.attrs.role === ref(role, 'name'))
      .map((a) => `arn:aws:iam::aws:policy/${String(a.attrs.policy_arn).replace(/^arn:[^:]+:iam::aws:policy\//, '')}`);
    attached.forEach((arn) => managedArns.add(arn));
    return {
      Path: '/',
      RoleName: name,
      RoleId: `AROA${String(i).padStart(16, '0')}`,
      Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
      CreateDate: '2026-01-01T00:00:00Z',
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
      InstanceProfileList: [],
      RolePolicyList: resources(json, 'aws_iam_role_policy')
        .filter((p) => p.attrs.role === ref(role, 'id'))
        .map((p) => ({ PolicyName: String(p.attrs.name), PolicyDocument: resolveReferences(json, decodeEncoded(p.attrs.policy)) })),
      AttachedManagedPolicies: attached.map((arn) => ({ PolicyName: path.basename(arn), PolicyArn: arn })),
      Tags: [],
      RoleLastUsed: {},
    };
  });
  const policy = (arn: string, name: string, document: unknown, i: number) => ({
    PolicyName: name,
    PolicyId: `ANPA${String(i).padStart(16, '0')}`,
    Arn: arn,
    Path: '/',
    DefaultVersionId: 'v1',
    AttachmentCount: 1,
    IsAttachable: true,
    CreateDate: '2026-01-01T00:00:00Z',
    UpdateDate: '2026-01-01T00:00:00Z',
    PolicyVersionList: [{ Document: document, VersionId: 'v1', IsDefaultVersion: true, CreateDate: '2026-01-01T00:00:00Z' }],
  });
  const Policies = [
    ...resources(json, 'aws_iam_policy').map((p, i) => policy(`arn:aws:iam::${ACCOUNT}:policy/${String(p.attrs.name)}`, String(p.attrs.name), resolveReferences(json, decodeEncoded(p.attrs.policy)), i)),
    ...[...managedArns].map((arn, i) => policy(arn, path.basename(arn), managedPolicy(arn.replace(/^arn:aws:iam::aws:policy\//, '')), 100 + i)),
  ];
  return { UserDetailList: [], GroupDetailList: [], RoleDetailList, Policies };
}
