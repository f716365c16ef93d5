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
