/**
 * Approving a deploy of one environment yields nothing that can change another, judged by an IAM
 * evaluator (support/iam-evaluate.ts) on the synthesised policies, for every pair of environments:
 * each step of the escalation through a role the deploy role creates, each write on another
 * environment's or the shared resources, with the tags AWS really puts on them and with none where
 * the deny is by name; and each action the role needs for its own job is allowed. The broken twin is
 * the boundary as it was before (identity and account changes excluded, no environment denies):
 * the escalated role must reach the other environment through it, or this test proves nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_MANAGED_POLICIES } from '../../stacks/constructs/ci-role-policies.js';
import { ciRoleName, workloadBoundaryName } from '../../stacks/naming.js';
import { FORK_ACCOUNT, forkConfig } from '../support/fork-config.js';
import { ACCOUNT, type Decision, type PolicyDocument, type Principal, REGION, STATE_KEY_ARN, boundaryPolicy, ciRole, decide, managedPolicy, stateKeyPolicy } from './support/iam-evaluate.js';
import { type IsolationContext, isolationScenarios } from './support/isolation-scenarios.js';
import { synthPlatform } from './support/platform.js';
import { resources } from './support/tfjson.js';

const config = forkConfig();
const { project } = config;
const ENVIRONMENTS = Object.keys(config.environments);
const platform = synthPlatform({ environments: 'all', config });
const ci = platform.json('ci-identity');
const stateKey = stateKeyPolicy(platform.json('state'));
const pairs = ENVIRONMENTS.flatMap((env) => ENVIRONMENTS.filter((o) => o !== env).map((other) => [env, other] as const));
const context: IsolationContext = {
  account: ACCOUNT,
  region: REGION,
  project,
  stateBucket: config.state.bucketName,
  stateKeyArn: STATE_KEY_ARN,
  stateKeyPolicy: stateKey,
  hostedZoneId: (env) => config.environments[env as keyof typeof config.environments].dns?.hostedZoneId,
};
const scenarios = (env: string, other: string) => isolationScenarios(context, env, other);

/** A role the deploy role of `env` could create and make as powerful as it may: AdministratorAccess inside `boundary`. */
const escalated = (env: string, boundary: PolicyDocument): Principal => ({ name: `${project}-${env}-escalated`, identity: [managedPolicy('AdministratorAccess')], boundary });

/** The boundary as it was before this change: no environment denies. */
const BOUNDARY_BEFORE: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'AllButIdentityAndAccount', Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    { Sid: 'ReadIamAndServiceLinkedRoles', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'iam:CreateServiceLinkedRole'], Resource: '*' },
  ],
};

describe('the policies under evaluation', () => {
  it('are those of the fork\'s account, with one boundary per environment', () => {
    expect(ACCOUNT).toBe(FORK_ACCOUNT);
    expect(resources(ci, 'aws_iam_policy').map((p) => p.attrs.name).sort()).toEqual(ENVIRONMENTS.map((e) => workloadBoundaryName(project, e)).sort());
  });
});

describe('what the environments attach', () => {
  it('every managed policy an environment stack attaches is one the deploy role may attach (iam:PolicyARN), or its own', () => {
    for (const env of ENVIRONMENTS)
      for (const id of platform.ids.filter((i) => i.endsWith(`-${env}`)))
        for (const a of resources(platform.json(id), 'aws_iam_role_policy_attachment')) {
          const arn = String(a.attrs.policy_arn);
          const awsManaged = /:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
          expect(awsManaged ? (ENVIRONMENT_MANAGED_POLICIES as readonly string[]).includes(awsManaged) : arn.includes(`:policy/${project}-${env}-`), `${id}: ${arn}`).toBe(true);
        }
  });
});

describe.each(pairs)('deploy-%s against %s', (env, other) => {
  let deployer: Principal;
  let boundary: PolicyDocument;
  const { escalation, otherResources, ownJob } = scenarios(env, other);
  const denied = (d: Decision) => d !== 'Allowed';

  beforeAll(() => {
    deployer = ciRole(ci, ciRoleName(project, `deploy-${env}`));
    boundary = boundaryPolicy(ci, workloadBoundaryName(project, env));
  });

  it.each(escalation)('escalation step refused: %s', async (_, request) => {
    expect(denied(await decide(deployer, request))).toBe(true);
  });

  // Explicitly: refused by a deny written for it, not merely left unallowed (PowerUserAccess allows them all).
  it.each(otherResources)('the deploy role is refused: %s', async (_, request) => {
    expect(await decide(deployer, request)).toBe('ExplicitlyDenied');
  });

  it.each(otherResources)('a role it creates, even with AdministratorAccess, is refused by the boundary: %s', async (_, request) => {
    expect(await decide(escalated(env, boundary), request)).toBe('ExplicitlyDenied');
  });

  it.each(ownJob)('its own job is allowed: %s', async (_, request) => {
    expect(await decide(deployer, request)).toBe('Allowed');
  });

  it('the broken twin: through the boundary as it was, the escalated role reaches the other environment', async () => {
    const through = await Promise.all(otherResources.map(async ([what, request]) => [what, await decide(escalated(env, BOUNDARY_BEFORE), request)] as const));
    expect(through.filter(([, d]) => d === 'Allowed').map(([what]) => what)).toEqual(
      expect.arrayContaining(['EKS access entry on the other cluster', 'the other environment\'s secrets', 'the other environment\'s state', 'push to the shared registry', 'point the state key\'s alias elsewhere']),
    );
  });
});
