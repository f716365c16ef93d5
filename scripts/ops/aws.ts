/** The AWS identity the CLI runs as, and whether it is an account the configuration allows. */
import type { OpsDeps } from './deps.js';

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

export const STS_TIMEOUT_MS = 20_000;

export const CREDENTIALS_HINT =
  'configure credentials: `aws configure sso` then `export AWS_PROFILE=<profile>` (or `aws sso login` when the session expired), ' +
  'or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; check with `aws sts get-caller-identity`';

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim().length > 0)?.trim() ?? '';
}

/** `aws sts get-caller-identity`; an error names why it failed. */
export async function callerIdentity(deps: Pick<OpsDeps, 'run' | 'repoRoot'>, aws: string): Promise<{ identity: CallerIdentity } | { error: string }> {
  const result = await deps.run(aws, ['sts', 'get-caller-identity', '--output', 'json'], { capture: true, timeoutMs: STS_TIMEOUT_MS, cwd: deps.repoRoot });
  if (result.exitCode !== 0) return { error: firstLine(result.stderr) || `aws exited with ${result.exitCode}` };
  try {
    const parsed = JSON.parse(result.stdout) as { Account?: unknown; Arn?: unknown };
    if (typeof parsed.Account === 'string' && typeof parsed.Arn === 'string') return { identity: { account: parsed.Account, arn: parsed.Arn } };
  } catch {
    // reported below
  }
  return { error: `unexpected output from aws sts get-caller-identity: ${result.stdout.slice(0, 200)}` };
}

/** Why `account` may not be used, or undefined when it may (an empty list allows any account). */
export function accountProblem(account: string, allowed: readonly string[], field: string): string | undefined {
  if (allowed.length === 0 || allowed.includes(account)) return undefined;
  return (
    `the AWS credentials are for account ${account}, which is not in ${field} (${allowed.join(', ')}). ` +
    'Switch to a profile of the right account (AWS_PROFILE), or fix the list in stacks/config/environments.ts'
  );
}

/** The role name of an assumed-role session ARN (arn:aws:sts::…:assumed-role/NAME/session), or undefined. */
export function assumedRoleName(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/([^/]+)\//.exec(arn)?.[1];
}

/**
 * Why the caller would get 401 from the cluster's Kubernetes API, or undefined: only the roles with
 * an access entry may talk to it (the cluster stack gives them to `adminRoleArns` and CI's roles).
 * Role ARNs carry a path (SSO roles: aws-reserved/sso.amazonaws.com/…), session ARNs do not, so
 * they are compared by role name.
 */
export function clusterAccessProblem(callerArn: string, adminRoleArns: readonly string[], ciRoleArnNames: readonly string[], field: string): string | undefined {
  const role = assumedRoleName(callerArn);
  const allowed = [...adminRoleArns.map((arn) => arn.split('/').at(-1)!), ...ciRoleArnNames];
  if (role !== undefined && allowed.includes(role)) return undefined;
  return (
    `the AWS credentials (${callerArn}) are not a role with an access entry on the cluster, so its Kubernetes API would answer 401. ` +
    `Add ${role ? `the role ${role} (its ARN: \`aws iam get-role --role-name ${role} --query Role.Arn\`)` : 'an IAM role you can assume'} to ${field} and deploy the cluster stack first, or use credentials of a role listed there`
  );
}
