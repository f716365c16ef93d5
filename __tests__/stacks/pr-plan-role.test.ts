/**
 * The pull-request plan role can plan what pull requests plan, and no more. Those plans run with
 * -refresh=false, so Terraform calls AWS only to read data sources: every data source in the shared
 * and non-prod stacks must be listed with its reads, and each read must be allowed by AWS's own
 * ViewOnlyAccess document (the copy in moto, which the toolchain installs and which tracks AWS's
 * managed policies) or by the role's few extra reads.
 */
import { describe, expect, it } from 'vitest';
import { pullRequestEnvironments } from '../../stacks/ci-identity-stack.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { PULL_REQUEST_DATA_SOURCE_READS, PULL_REQUEST_EXTRA_READS, SHARED_STACKS } from '../../stacks/constructs/ci-role-policies.js';
import { managedPolicy } from './support/iam-evaluate.js';
import { synthPlatform } from './support/platform.js';

interface Statement {
  readonly Effect: string;
  readonly Action?: string | string[];
}


/** IAM action matching: `*` any run of characters, case-insensitive (as IAM compares actions). */
const actionAllowed = (patterns: readonly string[], action: string) =>
  patterns.some((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action));

const viewOnly = (managedPolicy('job-function/ViewOnlyAccess').Statement as unknown as readonly Statement[])
  .filter((s) => s.Effect === 'Allow')
  .flatMap((s) => (Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : []));

const environments = pullRequestEnvironments(Object.keys(platformConfig.environments));
const platform = synthPlatform({ environments: environments.join(',') });
const planned = [...SHARED_STACKS, ...platform.ids.filter((id) => environments.some((env) => id.endsWith(`-${env}`)))];

describe('the pull-request plan role', () => {
  it('plans the shared stacks and those of every environment but prod', () => {
    expect(environments).toEqual(['dev', 'staging']);
    expect(planned).toEqual(expect.arrayContaining(['state', 'registry', 'ci-identity', 'network-dev', 'app-staging']));
  });

  it('knows the reads of every data source those stacks use', () => {
    const used = new Set(planned.flatMap((id) => Object.keys(platform.json(id).data ?? {})));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((type) => !(type in PULL_REQUEST_DATA_SOURCE_READS)), 'add the data source and the API calls it makes to PULL_REQUEST_DATA_SOURCE_READS').toEqual([]);
  });

  it('is allowed every one of those reads by ViewOnlyAccess or its extra reads, and needs each extra read', () => {
    expect(viewOnly.length).toBeGreaterThan(100);
    const reads = [...new Set(Object.values(PULL_REQUEST_DATA_SOURCE_READS).flat())];
    expect(reads.filter((a) => !actionAllowed(viewOnly, a) && !actionAllowed(PULL_REQUEST_EXTRA_READS, a))).toEqual([]);
    // An extra read ViewOnlyAccess already grants is noise; one no data source makes is excess.
    expect(PULL_REQUEST_EXTRA_READS.filter((a) => actionAllowed(viewOnly, a))).toEqual([]);
    expect(PULL_REQUEST_EXTRA_READS.filter((a) => !reads.includes(a))).toEqual([]);
  });

  it('ViewOnlyAccess is metadata: it reads no object, secret, parameter or log event', () => {
    for (const action of ['s3:GetObject', 'secretsmanager:GetSecretValue', 'ssm:GetParameter', 'logs:GetLogEvents', 'kms:Decrypt', 'dynamodb:GetItem'])
      expect(actionAllowed(viewOnly, action), action).toBe(false);
  });
});
