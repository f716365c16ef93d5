/**
 * cloudsplaining's privilege-escalation findings over the CI roles (support/cloudsplaining.ts):
 * every finding must be one explained below, where the IAM evaluator shows why it does not reach
 * another environment; an unexplained one fails. Its broken twin, a role with iam:* inline, must be
 * flagged. The bootstrap test runs the same over the policies read back from the AWS emulator.
 */
import { describe, expect, it } from 'vitest';
import { forkConfig } from '../support/fork-config.js';
import { synthesisedAuthorizationDetails } from './support/iam-evaluate.js';
import { EXPLAINED_ESCALATIONS, escalationFindings, unexplained } from './support/cloudsplaining.js';
import { synthPlatform } from './support/platform.js';

const ci = synthPlatform({ environments: 'all', config: forkConfig() }).json('ci-identity');

describe('cloudsplaining over the synthesised CI roles', () => {
  it('finds no privilege escalation that is not explained, and every explanation still matches a finding', async () => {
    const findings = await escalationFindings(synthesisedAuthorizationDetails(ci));
    expect(unexplained(findings)).toEqual([]);
    const used = new Set(findings.map((f) => `${f.policy.replace(/-(dev|staging|prod)-/, '-<env>-')}: ${f.type}`));
    expect(Object.keys(EXPLAINED_ESCALATIONS).filter((k) => !used.has(k))).toEqual([]);
  }, 300_000);

  it('the broken twin: a role with iam:* inline is flagged', async () => {
    const details = {
      UserDetailList: [],
      GroupDetailList: [],
      Policies: [],
      RoleDetailList: [
        {
          Path: '/',
          RoleName: 'hono-api-ci-careless',
          RoleId: 'AROA0000000000000099',
          Arn: 'arn:aws:iam::123456789012:role/hono-api-ci-careless',
          CreateDate: '2026-01-01T00:00:00Z',
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
          InstanceProfileList: [],
          RolePolicyList: [{ PolicyName: 'careless', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] } }],
          AttachedManagedPolicies: [],
          Tags: [],
          RoleLastUsed: {},
        },
      ],
    };
    const findings = await escalationFindings(details);
    expect(findings.length).toBeGreaterThan(0);
    expect(unexplained(findings).length).toBe(findings.length);
  }, 300_000);
});
