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
import { managedPolicy } from './iam-evaluate.js';

export interface EscalationFinding {
  readonly policy: string;
  /** The escalation method, e.g. CreateEC2WithExistingIP, AttachRolePolicy. */
  readonly type: string;
  readonly roles: readonly string[];
}

/** No exclusions: every policy is read, AWS's managed ones included. */
const EXCLUSIONS = 'policies:\n  - ""\nroles:\n  - ""\nusers:\n  - ""\ngroups:\n  - ""\ninclude-actions:\n  - ""\nexclude-actions:\n  - ""\n';

type Details = { RoleDetailList?: Record<string, unknown>[]; Policies?: Record<string, unknown>[]; UserDetailList?: unknown[]; GroupDetailList?: unknown[] };

/**
 * The fields cloudsplaining reads that the AWS emulator's answer may leave out (moto omits a
 * policy's PolicyName, for one), filled from what is there, and every AWS managed policy a role
 * attaches listed with its document (from `managed`, by name).
 */
export function normaliseDetails(raw: unknown, managed: (name: string) => unknown): Details {
  const details = JSON.parse(JSON.stringify(raw)) as Details;
  const policies: Record<string, unknown>[] = (details.Policies ?? []).map((p, i) => ({
    Path: '/',
    PolicyId: `ANPA${String(i).padStart(16, '0')}`,
    DefaultVersionId: 'v1',
    AttachmentCount: 1,
    IsAttachable: true,
    CreateDate: '2026-01-01T00:00:00Z',
    UpdateDate: '2026-01-01T00:00:00Z',
    ...p,
    PolicyName: (p.PolicyName as string | undefined) ?? path.basename(String(p.Arn)),
  }));
  const listed = new Set(policies.map((p) => String(p.Arn)));
  const roles = (details.RoleDetailList ?? []).map((r, i) => {
    const attached = ((r.AttachedManagedPolicies as { PolicyArn: string; PolicyName?: string }[] | undefined) ?? []).map((a) => ({ ...a, PolicyName: a.PolicyName ?? path.basename(a.PolicyArn) }));
    for (const a of attached)
      if (!listed.has(a.PolicyArn) && /:iam::aws:policy\//.test(a.PolicyArn)) {
        listed.add(a.PolicyArn);
        policies.push({
          Path: '/',
          PolicyId: `ANPA9${String(policies.length).padStart(15, '0')}`,
          DefaultVersionId: 'v1',
          AttachmentCount: 1,
          IsAttachable: true,
          CreateDate: '2026-01-01T00:00:00Z',
          UpdateDate: '2026-01-01T00:00:00Z',
          Arn: a.PolicyArn,
          PolicyName: a.PolicyName,
          PolicyVersionList: [{ Document: managed(a.PolicyArn.replace(/^arn:[^:]+:iam::aws:policy\//, '')), VersionId: 'v1', IsDefaultVersion: true, CreateDate: '2026-01-01T00:00:00Z' }],
        });
      }
    return { Path: '/', RoleId: `AROA${String(i).padStart(16, '0')}`, CreateDate: '2026-01-01T00:00:00Z', InstanceProfileList: [], Tags: [], RoleLastUsed: {}, ...r, AttachedManagedPolicies: attached };
  });
  return { UserDetailList: details.UserDetailList ?? [], GroupDetailList: details.GroupDetailList ?? [], RoleDetailList: roles, Policies: policies };
}

export async function escalationFindings(details: unknown): Promise<EscalationFinding[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-cloudsplaining-'));
  try {
    writeFileSync(path.join(dir, 'details.json'), JSON.stringify(normaliseDetails(details, managedPolicy)));
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
        // A policy attached to nothing (the emulator lists every AWS managed policy) grants nothing.
        .filter((p) => !p.is_excluded && (p.AttachedTo?.roles ?? []).length > 0)
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
