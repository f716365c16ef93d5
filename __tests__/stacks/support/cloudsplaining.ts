/**
 * cloudsplaining (PyPI, pinned in tools/versions.json) over IAM authorization details, in the shape
 * `aws iam get-account-authorization-details` prints: its privilege-escalation findings, one per
 * policy and escalation method. It reads one policy at a time (a role whose permissions combine
 * across policies is not flagged), which is why the IAM evaluator is the judge of isolation and
 * this the second opinion.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../../scripts/lib/run.js';
import { toolchain } from '../../../tools/toolchain.js';

export interface EscalationFinding {
  readonly policy: string;
  /** The escalation method, e.g. CreateEC2WithExistingIP, AttachRolePolicy. */
  readonly type: string;
  readonly roles: readonly string[];
}

/** No exclusions: every policy is read, AWS's managed ones included. */
const EXCLUSIONS = 'policies:\n  - ""\nroles:\n  - ""\nusers:\n  - ""\ngroups:\n  - ""\ninclude-actions:\n  - ""\nexclude-actions:\n  - ""\n';

export async function escalationFindings(details: unknown): Promise<EscalationFinding[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-cloudsplaining-'));
  try {
    writeFileSync(path.join(dir, 'details.json'), JSON.stringify(details));
    writeFileSync(path.join(dir, 'exclusions.yml'), EXCLUSIONS);
    mkdirSync(path.join(dir, 'out'));
    const bin = path.join(toolchain().pythonDir(), 'bin', 'cloudsplaining');
    const r = await runCommand(bin, ['scan', '--input-file', path.join(dir, 'details.json'), '--exclusions-file', path.join(dir, 'exclusions.yml'), '--output', path.join(dir, 'out'), '--skip-open-report'], { timeoutMs: 300_000 });
    if (r.exitCode !== 0) throw new Error(`cloudsplaining failed (exit ${r.exitCode}): ${r.stderr || r.stdout}`);
    const results = readdirSync(path.join(dir, 'out')).find((f) => /^iam-results-.*\.json$/.test(f));
    if (!results) throw new Error('cloudsplaining wrote no iam-results-*.json');
    type Policy = { PolicyName: string; is_excluded?: boolean; AttachedTo?: { roles?: string[] }; PrivilegeEscalation?: { findings?: { type: string }[] } };
    const report = JSON.parse(readFileSync(path.join(dir, 'out', results), 'utf8')) as Record<string, Record<string, Policy>>;
    return ['inline_policies', 'customer_managed_policies', 'aws_managed_policies'].flatMap((bucket) =>
      Object.values(report[bucket] ?? {})
        .filter((p) => !p.is_excluded)
        .flatMap((p) => (p.PrivilegeEscalation?.findings ?? []).map((f) => ({ policy: p.PolicyName, type: f.type, roles: p.AttachedTo?.roles ?? [] }))),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The findings that are expected, keyed `<policy>: <method>` (an environment's name replaced by
 * `<env>`), each with why it reaches no other environment. Anything else fails the suite.
 */
export const EXPLAINED_ESCALATIONS: Readonly<Record<string, string>> = {
  'PowerUserAccess: EditExistingLambdaFunctionWithRole':
    'the deploy roles and their boundaries deny lambda:* (NotServicesTheStacksDoNotUse); the IAM evaluator shows lambda:UpdateFunctionCode refused (iam-isolation.test.ts)',
  'PowerUserAccess: UpdateExistingGlueDevEndpoint': 'the deploy roles and their boundaries deny glue:* (NotServicesTheStacksDoNotUse); the IAM evaluator shows glue:UpdateDevEndpoint refused',
};

/** The findings EXPLAINED_ESCALATIONS does not explain. */
export const unexplained = (findings: readonly EscalationFinding[]) =>
  findings.filter((f) => EXPLAINED_ESCALATIONS[`${f.policy.replace(/-(dev|staging|prod)-/, '-<env>-')}: ${f.type}`] === undefined).map((f) => `${f.policy}: ${f.type} (roles ${f.roles.join(', ')})`);
