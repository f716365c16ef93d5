/**
 * A checkov finding we accept, recorded on the resource it concerns, with the reason.
 *
 *   acceptCheckovFinding(bucket, 'CKV_AWS_144', 'state is versioned and KMS-encrypted; cross-region replication is a DR choice');
 *
 * checkov honours inline `checkov:skip` comments in HCL, but its terraform_json runner (the one that
 * scans cdk.tf.json) reads none. So the reason goes into the resource's "//" comment block, which
 * Terraform ignores, as `"//": { "checkov": { "<check id>": "<reason>" } }`, and the suite's checkov
 * test (__tests__/stacks/checkov.test.ts) accepts a failed check only when the flagged resource
 * carries that check id with a reason; any other finding fails the suite, and so does an entry
 * that no longer matches a finding.
 */
import { TerraformDataSource, type TerraformResource, TerraformStack } from 'cdktf';
import { compareMinor } from '../config/support-calendar.js';

export function acceptCheckovFinding(resource: TerraformResource | TerraformDataSource, checkId: string, reason: string): void {
  if (!/^CKV2?_[A-Z0-9]+_\d+$/.test(checkId)) throw new Error(`acceptCheckovFinding: "${checkId}" is not a checkov check id (e.g. CKV_AWS_18)`);
  if (reason.trim().length < 20) throw new Error(`acceptCheckovFinding(${checkId}): give a reason a security reviewer can check, not "${reason}"`);
  // Through the stack: a data source writes its own "//" block last, over any override of its own.
  const kind = resource instanceof TerraformDataSource ? 'data' : 'resource';
  TerraformStack.of(resource).addOverride(`${kind}.${resource.terraformResourceType}.${resource.friendlyUniqueId}.//.checkov.${checkId}`, reason);
}

/** A year, the log retention CKV_AWS_338 asks for and the production default. */
export const YEAR_OF_LOGS = 365;

/** Shorter retention than a year is an environment's explicit setting (dev and staging, for cost). */
export function acceptShortRetention(logGroup: TerraformResource, days: number, setting: string): void {
  if (days < YEAR_OF_LOGS)
    acceptCheckovFinding(logGroup, 'CKV_AWS_338', `${days}-day retention is this environment's ${setting} in stacks/config/environments.ts; the default (prod) keeps ${YEAR_OF_LOGS} days`);
}

/**
 * The newest Kubernetes minor checkov's CKV_AWS_339 ("EKS clusters run on a supported Kubernetes
 * version") knows: its list is a constant in checkov (checks/resource/aws/EKSPlatformVersion.py,
 * 1.29 to 1.35 in 3.3.30, the newest on PyPI on 2026-12-07) and lags EKS's calendar. Which minors
 * are supported is stacks/config/support-calendar.ts's job, enforced by validation; a newer minor is
 * accepted with that reason. Once checkov learns it, the reason matches no finding and the suite
 * says to raise this.
 */
export const CHECKOV_NEWEST_EKS_MINOR = '1.35';

export function acceptNewerThanCheckovKnows(cluster: TerraformResource, version: string): void {
  if (compareMinor(version, CHECKOV_NEWEST_EKS_MINOR) > 0)
    acceptCheckovFinding(
      cluster,
      'CKV_AWS_339',
      `Kubernetes ${version} is in EKS standard support (stacks/config/support-calendar.ts, enforced by validation); checkov's list of supported versions stops at ${CHECKOV_NEWEST_EKS_MINOR}`,
    );
}
