/**
 * scripts/ci/check-rulesets.sh, run against a fake `gh` answering GitHub's rules API: the deploy's
 * pre-flight fails closed unless main requires pull requests and refuses force pushes and deletion,
 * and an active tag ruleset covers v* tags with restricted creation, update and deletion.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { loadWorkflow, stepsOf } from './support/workflows.js';

const REPO = 'acme-corp/hono-eks-platform';
let bin: string;
beforeAll(() => {
  bin = mkdtempSync(path.join(os.tmpdir(), 'check-rulesets-'));
  // Answers from $FAKE_GH, a JSON object of API path → body; a missing path fails like a 404.
  writeFileSync(
    path.join(bin, 'gh'),
    '#!/usr/bin/env bash\n[[ "$1" == api ]] || exit 2\nbody=$(jq -c --arg p "${!#}" \'.[$p] // empty\' <<<"$FAKE_GH")\n[[ -n "$body" ]] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }\necho "$body"\n',
  );
  chmodSync(path.join(bin, 'gh'), 0o755);
});

const MAIN_RULES = [{ type: 'pull_request', parameters: { required_approving_review_count: 1 } }, { type: 'non_fast_forward' }, { type: 'deletion' }, { type: 'required_status_checks' }];
const TAG_RULESET = { id: 7, name: 'release tags', enforcement: 'active', conditions: { ref_name: { include: ['refs/tags/v*'], exclude: [] } }, rules: [{ type: 'creation' }, { type: 'update' }, { type: 'deletion' }] };

function api(mainRules: unknown, tagRulesets: Record<string, unknown>[]) {
  return {
    [`repos/${REPO}/rules/branches/main`]: mainRules,
    [`repos/${REPO}/rulesets?targets=tag&includes_parents=true`]: tagRulesets.map(({ id, name, enforcement }) => ({ id, name, enforcement })),
    ...Object.fromEntries(tagRulesets.map((r) => [`repos/${REPO}/rulesets/${String(r.id)}`, r])),
  };
}

const check = (answers: Record<string, unknown>) =>
  runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/check-rulesets.sh'), 'main'], {
    timeoutMs: 30_000,
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, GITHUB_REPOSITORY: REPO, FAKE_GH: JSON.stringify(answers) },
  });

describe('check-rulesets.sh', () => {
  it('passes a protected main and a tag ruleset that restricts v* tags', async () => {
    const r = await check(api(MAIN_RULES, [TAG_RULESET]));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/release tags: ruleset release tags/);
  });

  it.each([
    ['main without required pull requests', api(MAIN_RULES.filter((x) => x.type !== 'pull_request'), [TAG_RULESET]), /does not require a pull request/],
    ['main open to force pushes', api(MAIN_RULES.filter((x) => x.type !== 'non_fast_forward'), [TAG_RULESET]), /allows force pushes/],
    ['no rules on main at all', api([], [TAG_RULESET]), /does not require a pull request[\s\S]*may be deleted/],
    ['no tag ruleset', api(MAIN_RULES, []), /no active tag ruleset covers refs\/tags\/v\*/],
    ['a tag ruleset only evaluated, not enforced', api(MAIN_RULES, [{ ...TAG_RULESET, enforcement: 'evaluate' }]), /no active tag ruleset/],
    ['a tag ruleset that allows moving a tag', api(MAIN_RULES, [{ ...TAG_RULESET, rules: [{ type: 'creation' }, { type: 'deletion' }] }]), /no active tag ruleset/],
    ['a tag ruleset for other tags', api(MAIN_RULES, [{ ...TAG_RULESET, conditions: { ref_name: { include: ['refs/tags/release-*'], exclude: [] } } }]), /no active tag ruleset/],
    ['rules that cannot be read', {}, /cannot be read/],
    ['pull requests without an approving review', api([{ type: 'pull_request', parameters: { required_approving_review_count: 0 } }, ...MAIN_RULES.slice(1)], [TAG_RULESET]), /no approving review/],
    ['a tag ruleset on every tag but the release ones', api(MAIN_RULES, [{ ...TAG_RULESET, conditions: { ref_name: { include: ['~ALL'], exclude: ['refs/tags/v*'] } } }]), /no active tag ruleset/],
  ])('fails closed on %s, naming the settings page', async (_label, answers, message) => {
    const r = await check(answers);
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(message);
    expect(r.stdout + r.stderr).toContain(`https://github.com/${REPO}/settings/rules`);
  });

  it("runs in deploy.yml's prepare job before anything is planned, for the branch the plan role trusts", () => {
    const deploy = loadWorkflow('deploy.yml');
    const steps = stepsOf(deploy.jobs.prepare!);
    const at = steps.findIndex((s) => s.run?.includes('check-rulesets.sh'));
    expect(at).toBeGreaterThan(-1);
    expect(at).toBeLessThan(steps.findIndex((s) => s.run?.includes('npm run synth')));
    expect(steps[at]!.env?.MAIN_BRANCH).toBe(platformConfig.shared.github.mainBranch);
  });

  it("runs in release.yml's image job before the push-image role is assumed", () => {
    const steps = stepsOf(loadWorkflow('release.yml').jobs.image!);
    const at = steps.findIndex((s) => s.run?.includes('check-rulesets.sh'));
    expect(at).toBeGreaterThan(-1);
    expect(at).toBeLessThan(steps.findIndex((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')));
    expect(steps[at]!.env?.MAIN_BRANCH).toBe(platformConfig.shared.github.mainBranch);
  });
});
