/**
 * The workflows' security and delivery rules, read from their YAML: least privilege, pinned
 * actions, no long-lived AWS keys, no script injection, bounded and serialised jobs, and a deploy
 * that applies exactly the reviewed plan.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PLAN_ENVIRONMENT } from '../../stacks/ci-identity-stack.js';
import { buildPlatform } from '../stacks/support/platform.js';
import { describe, expect, it } from 'vitest';
import { IMAGE as KIND_IMAGE } from '../../scripts/kind/config.js';
import { runCommand } from '../../scripts/lib/run.js';
import {
  REPO_ROOT,
  ROLE_VARIABLES,
  TRUSTED_SCRIPT_EXPRESSIONS,
  type Job,
  type Step,
  type Workflow,
  actionName,
  assumedRoles,
  calledWorkflow,
  expressionsIn,
  jobsOf,
  loadWorkflow,
  loadWorkflows,
  needsIdToken,
  permissionsOf,
  scriptsOf,
  stepsOf,
} from './support/workflows.js';

const workflows = loadWorkflows();
const allJobs = workflows.flatMap((wf) => jobsOf(wf).map(({ id, job }) => ({ wf, id, job, label: `${wf.file}#${id}` })));
const deploy = loadWorkflow('deploy.yml');
const plan = loadWorkflow('plan.yml');
const drift = loadWorkflow('drift.yml');
const release = loadWorkflow('release.yml');
const terraformPlan = loadWorkflow('terraform-plan.yml');

const UNTRUSTED = /github\.event\b|\binputs\.|github\.head_ref|github\.event_path/;

/** The commands of a job's scripts and of the scripts/ci/*.sh files they call, without comment lines. */
function jobScriptText(job: Job): string {
  return scriptsOf(job)
    .map(({ code }) => {
      const called = [...code.matchAll(/scripts\/ci\/[\w.-]+\.sh/g)].map((m) => readFileSync(path.join(REPO_ROOT, m[0]), 'utf8'));
      return [code, ...called].join('\n');
    })
    .join('\n')
    .replace(/^\s*#.*$/gm, '');
}

const planJobs = (): { label: string; job: Job }[] =>
  allJobs.filter(({ job }) => assumedRoles(job).some((r) => r === 'plan' || r === 'pr-plan')).map(({ label, job }) => ({ label, job }));

describe('permissions', () => {
  it.each(workflows.map((wf) => [wf.file, wf] as const))('%s: the top-level permissions are {} (jobs ask for what they need)', (_, wf) => {
    expect(wf.permissions).toEqual({});
  });

  it.each(allJobs.map((j) => [j.label, j] as const))('%s: declares its own permissions, never write-all', (_, { job }) => {
    expect(job.permissions, 'permissions').toBeDefined();
    expect(typeof job.permissions).toBe('object');
  });

  it.each(allJobs.map((j) => [j.label, j] as const))('%s: id-token: write exactly when it assumes an AWS role or attests', (_, { job }) => {
    const granted = permissionsOf(job.permissions)['id-token'] === 'write';
    expect(granted).toBe(needsIdToken(job, workflows));
  });

  it('attestations: write only where the provenance is signed, read only where it is verified', () => {
    const writers = allJobs.filter(({ job }) => permissionsOf(job.permissions).attestations === 'write').map((j) => j.label);
    expect(writers).toEqual(['release.yml#image']);
  });
});

describe('actions are pinned', () => {
  const usesLines = workflows.flatMap((wf) =>
    wf.text
      .split('\n')
      .map((line, i) => ({ wf, line, n: i + 1 }))
      .filter(({ line }) => /^\s*(?:-\s+)?uses:\s/.test(line)),
  );

  it('finds the uses: lines', () => {
    expect(usesLines.length).toBeGreaterThan(20);
  });

  it.each(usesLines.map(({ wf, line, n }) => [`${wf.file}:${n}`, line.trim()] as const))('%s: %s', (_, line) => {
    const m = /^(?:-\s+)?uses:\s+(\S+)(?:\s+#\s*(.*))?$/.exec(line);
    expect(m, line).not.toBeNull();
    const [, ref, comment] = m as unknown as [string, string, string | undefined];
    if (ref.startsWith('./')) return; // local workflows and actions are reviewed with the repository
    expect(ref, 'a full 40-character commit SHA').toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
    expect(comment, 'a version comment such as # v4.2.2').toMatch(/^v?\d+\.\d+\.\d+$/);
  });

  it('pins each action to one SHA and version across every workflow', () => {
    const pins = new Map<string, Set<string>>();
    for (const { line } of usesLines) {
      const m = /uses:\s+([^@\s]+)@(\S+)(?:\s+#\s*(\S+))?/.exec(line);
      if (!m || m[1]!.startsWith('./')) continue;
      pins.set(m[1]!, (pins.get(m[1]!) ?? new Set()).add(`${m[2]} ${m[3]}`));
    }
    const inconsistent = [...pins].filter(([, set]) => set.size > 1).map(([action, set]) => `${action}: ${[...set].join(' | ')}`);
    expect(inconsistent).toEqual([]);
  });

  it('no SHA is a placeholder (one repeated digit, such as 0000…): it resolves to no commit, so the job fails at run time', () => {
    const placeholders = usesLines.filter(({ line }) => /@([0-9a-f])\1{39}\b/.test(line)).map(({ wf, n }) => `${wf.file}:${n}`);
    expect(placeholders).toEqual([]);
  });

  it('every checkout drops its credentials (persist-credentials: false): later steps and uploaded artifacts never hold the token', () => {
    const checkouts = allJobs.flatMap(({ job, label }) => stepsOf(job).filter((st) => st.uses && actionName(st.uses) === 'actions/checkout').map((st) => ({ label, st })));
    expect(checkouts.length).toBeGreaterThan(5);
    for (const { label, st } of checkouts) expect(st.with?.['persist-credentials'], label).toBe(false);
  });

  it('uses no docker:// actions (an image tag is as mutable as a git tag)', () => {
    expect(allJobs.flatMap(({ job }) => stepsOf(job)).filter((s) => s.uses?.startsWith('docker://'))).toEqual([]);
  });
});

describe('no long-lived credentials', () => {
  it.each(workflows.map((wf) => [wf.file, wf] as const))('%s: no AWS access keys, as secrets or as action inputs', (_, wf) => {
    expect(wf.text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|aws-secret-access-key|aws-session-token/i);
  });

  // AWS through OIDC, GitHub through the job token; the one secret is an environment's private key
  // that opens its sealed plans in the approved apply job (scripts/ci/seal-plans.sh), never a credential.
  it.each(workflows.map((wf) => [wf.file, wf] as const))('%s: no secrets but the environment\'s plan key, and that only in the apply job', (_, wf) => {
    expect(expressionsIn(wf.text).filter((e) => /\bsecrets\./.test(e) && !/^\s*secrets\.PLAN_AGE_IDENTITY\s*$/.test(e))).toEqual([]);
    for (const { id, job } of jobsOf(wf)) if (JSON.stringify(job).includes('secrets.PLAN_AGE_IDENTITY')) expect(`${wf.file}#${id}`).toBe('deploy.yml#apply');
  });

  it('every configure-aws-credentials step assumes a CI role from a repository variable (the deploy role through prepare)', () => {
    const steps = allJobs.flatMap(({ job }) => stepsOf(job)).filter((s) => s.uses && actionName(s.uses) === 'aws-actions/configure-aws-credentials');
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(Object.keys(step.with ?? {}).sort()).toEqual(['aws-region', 'role-session-name', 'role-to-assume']);
      expect([...Object.values(ROLE_VARIABLES).map((v) => `\${{ vars.${v} }}`), '${{ needs.plan.outputs.deploy-role }}']).toContain(step.with?.['role-to-assume']);
      expect(step.with?.['aws-region']).toBe('${{ vars.AWS_REGION }}');
    }
  });

  it.each(['dev', 'staging', 'prod'])("deploy.yml's role step, run as written, hands the apply job %s's own deploy role variable", async (env) => {
    const deploy = loadWorkflow('deploy.yml');
    const step = stepsOf(deploy.jobs.prepare!).find((s) => s.id === 'role')!;
    expect(step.env).toMatchObject({ DEV: '${{ vars.AWS_DEPLOY_ROLE_ARN_DEV }}', STAGING: '${{ vars.AWS_DEPLOY_ROLE_ARN_STAGING }}', PROD: '${{ vars.AWS_DEPLOY_ROLE_ARN_PROD }}' });
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'role-step-')), 'out');
    writeFileSync(out, '');
    const r = await runCommand('bash', ['-e', '-c', step.run!], { env: { ...process.env, TARGET: env, DEV: 'role-dev', STAGING: 'role-staging', PROD: 'role-prod', GITHUB_OUTPUT: out } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim()).toBe(`deploy-role=role-${env}`);
    expect(deploy.jobs.prepare!.outputs?.['deploy-role']).toBe('${{ steps.role.outputs.deploy-role }}');
    expect(deploy.jobs.plan!.outputs?.['deploy-role']).toBe('${{ needs.prepare.outputs.deploy-role }}');
  });
});

describe('scripts take untrusted values only through env', () => {
  it.each(allJobs.map((j) => [j.label, j] as const))('%s: run and github-script bodies hold only trusted expressions', (_, { job }) => {
    const offending = scriptsOf(job).flatMap(({ step, code }) =>
      expressionsIn(code)
        .filter((e) => !TRUSTED_SCRIPT_EXPRESSIONS.some((re) => re.test(e)))
        .map((e) => `${step.name ?? step.id ?? step.run?.slice(0, 30)}: \${{ ${e} }}`),
    );
    expect(offending).toEqual([]);
  });

  it('the trusted list excludes the untrusted contexts', () => {
    for (const e of ['github.event.pull_request.title', 'inputs.image_tag', 'github.head_ref', 'github.event.issue.body']) {
      expect(UNTRUSTED.test(e)).toBe(true);
      expect(TRUSTED_SCRIPT_EXPRESSIONS.some((re) => re.test(e)), e).toBe(false);
    }
  });

  it.each(workflows.map((wf) => [wf.file, wf] as const))('%s: no pull_request_target or workflow_run (they run privileged on untrusted code)', (_, wf) => {
    expect(Object.keys(wf.on)).not.toContain('pull_request_target');
    expect(Object.keys(wf.on)).not.toContain('workflow_run');
  });
});

describe('bounded and serialised', () => {
  it.each(allJobs.map((j) => [j.label, j] as const))('%s: has timeout-minutes (or calls a workflow whose jobs all do)', (_, { job }) => {
    const called = calledWorkflow(job);
    if (called) {
      const wf = workflows.find((w) => w.file === called)!;
      for (const { job: inner } of jobsOf(wf)) expect(Number(inner['timeout-minutes'])).toBeGreaterThan(0);
      return;
    }
    expect(Number(job['timeout-minutes'])).toBeGreaterThan(0);
    expect(Number(job['timeout-minutes'])).toBeLessThanOrEqual(60);
  });

  it.each(workflows.filter((wf) => !('workflow_call' in wf.on && Object.keys(wf.on).length === 1)).map((wf) => [wf.file, wf] as const))(
    '%s: has a concurrency group (a workflow only ever called runs in its caller\'s)',
    (_, wf) => {
      const group = typeof wf.concurrency === 'string' ? wf.concurrency : wf.concurrency?.group;
      expect(group).toMatch(/\S/);
    },
  );

  it('deploy.yml: one run per environment at a time, never cancelled half-way, and every queued run kept (queue: max, not one pending slot)', () => {
    expect(deploy.concurrency).toEqual({ group: "deploy-${{ inputs.environment || 'dev' }}", 'cancel-in-progress': false, queue: 'max' });
  });

  it('deploy.yml: the apply job is also serialised per environment, never cancelled, nothing dropped', () => {
    const apply = deploy.jobs.apply!;
    expect(apply.concurrency).toEqual({ group: "deploy-apply-${{ inputs.environment || 'dev' }}", 'cancel-in-progress': false, queue: 'max' });
  });

  it('release and drift never cancel a run in progress either', () => {
    for (const wf of [release, drift]) expect(typeof wf.concurrency === 'object' && wf.concurrency['cancel-in-progress']).toBe(false);
  });
});

describe('plan jobs', () => {
  it('exist in deploy.yml and terraform-plan.yml, which plan.yml and drift.yml call', () => {
    expect(planJobs().map((j) => j.label).sort()).toEqual(['deploy.yml#plan', 'terraform-plan.yml#plan']);
    for (const wf of [plan, drift]) expect(calledWorkflow(wf.jobs.plan!), wf.file).toBe('terraform-plan.yml');
  });

  it('synthesis runs the project\'s code in a job without cloud credentials or an OIDC token; jobs with one install with --ignore-scripts', () => {
    for (const wf of [deploy, terraformPlan]) {
      const synth = jobsOf(wf).filter(({ job }) => scriptsOf(job).some(({ code }) => /npm run synth/.test(code)));
      expect(synth.length, wf.file).toBe(1);
      expect(permissionsOf(synth[0]!.job.permissions)['id-token'], wf.file).toBeUndefined();
      expect(assumedRoles(synth[0]!.job), wf.file).toEqual([]);
    }
    for (const { job, label } of allJobs.filter(({ job }) => permissionsOf(job.permissions)['id-token'] === 'write'))
      for (const { code } of scriptsOf(job)) if (/\bnpm (ci|install)\b/.test(code)) expect(code, label).toMatch(/npm ci --ignore-scripts/);
  });

  it('pull-request plans never refresh or lock: the pr-plan role can read neither the clusters nor the lock', () => {
    const step = stepsOf(terraformPlan.jobs.plan!).find((s) => s.id === 'plan')!;
    expect(step.run).toMatch(/if \[\[ "\$PURPOSE" == pull-request \]\]; then options\+=\(--no-refresh\); fi/);
    expect(step.run).not.toMatch(/--lock/);
    expect(readFileSync(path.join(REPO_ROOT, 'scripts/ci/plan-stacks.sh'), 'utf8')).toMatch(/--no-refresh\) refresh=\(-refresh=false\)/);
  });

  it.each(planJobs().map((j) => [j.label, j.job] as const))('%s: never mentions the deploy role, and runs in no environment but the plan environment', (_, job) => {
    expect(JSON.stringify(job)).not.toContain(ROLE_VARIABLES.deploy);
    expect(job.environment ?? PLAN_ENVIRONMENT).toBe(PLAN_ENVIRONMENT);
  });

  it('plan.yml: pull requests from forks get no job, and so no credentials', () => {
    expect(Object.keys(plan.on)).toEqual(['pull_request']);
    for (const { job } of jobsOf(plan)) {
      if (assumedRoles(job).length === 0) continue;
      expect(job.if?.replace(/\s+/g, ' ')).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    }
  });

  it('every role-assuming job of a pull_request workflow excludes forks', () => {
    for (const { wf, job, label } of allJobs) {
      if (!('pull_request' in wf.on) || assumedRoles(job).length === 0) continue;
      expect(job.if, label).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    }
  });

  it('plan.yml: one sticky comment per target, found again by a hidden marker, from a job without cloud credentials', () => {
    const job = plan.jobs.comment!;
    const script = String(stepsOf(job).find((s) => s.uses?.startsWith('actions/github-script@'))?.with?.script);
    expect(script).toMatch(/<!-- hono-eks-platform:pull-request:\$\{target\} -->/);
    expect(script).toMatch(/updateComment/);
    expect(script).toMatch(/createComment/);
    const report = stepsOf(terraformPlan.jobs.plan!).find((s) => s.run?.includes('plan-report.ts'))?.run ?? '';
    expect(report).toContain('--marker "<!-- hono-eks-platform:$PURPOSE:$TARGET -->"');
    expect(plan.jobs.plan!.with?.purpose).toBe('pull-request');
    expect(permissionsOf(job.permissions)).toEqual({ 'pull-requests': 'write' });
    expect(job.needs).toBe('plan');
  });

  it('every target\'s stacks (target-stacks.sh) are exactly what the platform synthesises, in dependency order (a new stack kind must be added there too)', async () => {
    // The stack ids come from the real stack graph, so this fails when a stack is added to
    // stacks/platform.ts but not to the script.
    const expected = [...buildPlatform().stacks.keys()];
    const targets = JSON.parse(String(drift.jobs.plan!.with?.targets)) as string[];
    const stacks: string[] = [];
    for (const target of targets) {
      const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/target-stacks.sh'), target]);
      expect(r.exitCode, r.stderr).toBe(0);
      stacks.push(...r.stdout.trim().split(' '));
    }
    expect(stacks).toEqual(expected);
  });

  it('drift.yml: detailed exit codes drive one issue per target (label drift, title "Drift detected in <target>")', () => {
    const job = drift.jobs.issues!;
    expect(permissionsOf(job.permissions)).toEqual({ issues: 'write' });
    expect(drift.jobs.plan!.with?.purpose).toBe('drift');
    const script = String(stepsOf(job).find((s) => s.uses?.startsWith('actions/github-script@'))?.with?.script);
    expect(script).toContain('const title = `Drift detected in ${target}`;');
    expect(script).toContain("const label = 'drift';");
    expect(script).toMatch(/status === '2'/);
    expect(script).toMatch(/state: 'closed'/);
    expect(readFileSync(path.join(REPO_ROOT, 'scripts/ci/plan-stacks.sh'), 'utf8')).toMatch(/plan -input=false -no-color -detailed-exitcode/);
    expect(Object.keys(drift.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
  });
});

describe('example configuration never reaches AWS', () => {
  const planning = allJobs.filter(({ job }) => assumedRoles(job).some((r) => r === 'plan' || r === 'pr-plan'));
  const guard = (job: Job) => stepsOf(job).find((step) => /npm run (--silent )?ops -- check-config "\$(CONFIG_ENVIRONMENT|env)"/.test(step.run ?? ''));
  const guardJob = (wf: Workflow, job: Job) => [job.needs ?? []].flat().map((id) => wf.jobs[id]!).find((j) => guard(j) !== undefined);
  const runGuard = (step: Step, env: Record<string, string>) =>
    runCommand('bash', ['-ec', step.run!], { cwd: REPO_ROOT, env: { ...process.env, GITHUB_OUTPUT: '', GITHUB_STEP_SUMMARY: '', ...env }, timeoutMs: 120_000 });

  it('every job that takes a plan role needs a job that ran check-config on its environments first', () => {
    expect(planning.map((j) => j.label).sort()).toEqual(['deploy.yml#plan', 'terraform-plan.yml#plan']);
    for (const { wf, job, label } of planning) expect(guardJob(wf, job), label).toBeDefined();
    expect(String(guard(deploy.jobs.prepare!)!.env?.CONFIG_ENVIRONMENT)).toBe('${{ steps.target.outputs.environment }}');
  });

  it("deploy.yml's guard, run as written, fails on the example configuration naming the fields", async () => {
    const r = await runGuard(guard(deploy.jobs.prepare!)!, { CONFIG_ENVIRONMENT: 'prod' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/- shared\.allowedAccountIds = \[\]: .*\(fix: /);
    expect(r.stderr).toMatch(/- environments\.prod\.cluster\.adminPrincipalArns = \[\]/);
  }, 120_000);

  it("terraform-plan.yml's guard, run as written, checks every deployed environment it plans, and only those", async () => {
    const step = guard(terraformPlan.jobs.synth!)!;
    const deployed = await runGuard(step, { TARGETS: '["shared", "dev", "prod"]', DEPLOYED_TARGETS: 'shared prod' });
    expect(deployed.exitCode).toBe(1);
    expect(deployed.stderr).toMatch(/- environments\.prod\.cluster\.adminPrincipalArns = \[\]/);
    expect(deployed.stderr).not.toMatch(/environments\.dev\./);
    const none = await runGuard(step, { TARGETS: '["shared", "dev", "prod"]', DEPLOYED_TARGETS: '' });
    expect(none.exitCode, none.stderr).toBe(0);
  }, 120_000);
});

describe('deploy applies exactly the reviewed plan', () => {
  const planJob = deploy.jobs.plan!;
  const apply = deploy.jobs.apply!;

  it('the apply job needs the plan job and runs in the environment (whose reviewers approve it)', () => {
    expect(apply.needs).toBe('plan');
    expect(apply.environment).toBe("${{ inputs.environment || 'dev' }}");
    expect(assumedRoles(apply)).toEqual(['deploy']);
  });

  it('the plan job uploads only the sealed plans, kept as long as an approval may wait; the apply job opens them against the digests the plan job recorded', () => {
    const uploads = stepsOf(planJob).filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(uploads).toHaveLength(1);
    const upload = uploads[0];
    const download = stepsOf(apply).find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(upload?.with?.name).toBe('${{ steps.artifact.outputs.name }}');
    expect(planJob.outputs?.artifact).toBe('${{ steps.artifact.outputs.name }}');
    expect(download?.with?.name).toBe('${{ needs.plan.outputs.artifact }}');
    // One encrypted file: never cdktf.out itself, whose plan.json shows sensitive values in clear.
    expect(upload?.with?.path).toBe('${{ runner.temp }}/plans.tar.age');
    expect(Number(upload?.with?.['retention-days'])).toBeGreaterThanOrEqual(30);
    // Sealed to the environment's public key (from the configuration, through prepare), never a shared secret.
    const seal = stepsOf(planJob).find((s) => s.id === 'seal');
    expect(seal?.run).toMatch(/seal-plans\.sh seal "\$RUNNER_TEMP\/plans\.tar\.age" "\$PLAN_RECIPIENT"/);
    expect(seal?.env?.PLAN_RECIPIENT).toBe('${{ needs.prepare.outputs.plan-recipient }}');
    expect(deploy.jobs.prepare!.outputs?.['plan-recipient']).toBe('${{ steps.config.outputs.plan-recipient }}');
    // Assigned first, so a failing command fails the step (inside `echo "…$(…)"` only echo's status would count).
    expect(stepsOf(deploy.jobs.prepare!).find((s) => s.id === 'config')?.run).toContain('recipient=$(npm run --silent ops -- check-config "$CONFIG_ENVIRONMENT" --plan-recipient)\necho "plan-recipient=$recipient" >> "$GITHUB_OUTPUT"');
    expect(planJob.outputs?.digests).toBe('${{ steps.seal.outputs.digests }}');
    expect(planJob.outputs?.['archive-digest']).toBe('${{ steps.seal.outputs.archive }}');
    expect(JSON.stringify(planJob)).not.toMatch(/secrets\./);
    const steps = stepsOf(apply);
    const open = steps.findIndex((s) => s.run?.includes('seal-plans.sh open'));
    expect(steps[open]?.env).toMatchObject({
      EXPECTED_PLAN_DIGESTS: '${{ needs.plan.outputs.digests }}',
      EXPECTED_ARCHIVE_DIGEST: '${{ needs.plan.outputs.archive-digest }}',
      PLAN_AGE_IDENTITY: '${{ secrets.PLAN_AGE_IDENTITY }}',
    });
    for (const later of ['verify-image.sh', 'apply-stacks.sh']) expect(open).toBeLessThan(steps.findIndex((s) => s.run?.includes(later)));
    // No repository-wide key: nothing for release.yml to pass, nothing any branch's workflow could read.
    expect((deploy.on.workflow_call as { secrets?: unknown } | null)?.secrets).toBeUndefined();
    expect(release.jobs['deploy-prod']!.secrets).toBeUndefined();
  });

  it('an empty plan asks for no approval: the apply job runs only when a planned stack has changes', () => {
    expect(apply.if).toBe("needs.plan.outputs.changes == 'true'");
    expect(planJob.outputs?.changes).toBe('${{ steps.plan.outputs.changes }}');
    expect(stepsOf(planJob).find((s) => s.id === 'plan')?.run).toContain('echo "changes=$([[ $status -eq 2 ]] && echo true || echo false)"');
  });

  it('the plan job saves plan files (terraform plan -out) and takes the state lock', () => {
    const text = jobScriptText(planJob);
    expect(text).toMatch(/plan-stacks\.sh --lock/);
    expect(text).toMatch(/terraform -chdir="\$dir" plan [^\n]*-out=tfplan/);
  });

  it('the apply job runs terraform apply on the saved plan file, and never plans, synthesises or deploys with cdktf', () => {
    const text = jobScriptText(apply);
    expect(text).toMatch(/terraform -chdir="\$dir" apply [^\n]*\btfplan\b/);
    expect(text).toMatch(/-lockfile=readonly/);
    expect(text).not.toMatch(/terraform\b[^\n]*\splan\s/);
    expect(text).not.toMatch(/plan-stacks\.sh/);
    expect(text).not.toMatch(/-auto-approve/);
    expect(text).not.toMatch(/cdktf\s+(deploy|apply|synth|plan|diff)|npm run synth/);
    expect(stepsOf(apply).some((s) => s.uses?.startsWith('actions/setup-node@'))).toBe(false);
  });

  it('the apply job verifies the image provenance before the first apply', () => {
    const steps = stepsOf(apply);
    const verify = steps.findIndex((s) => s.run?.includes('verify-image.sh'));
    const applyStep = steps.findIndex((s) => s.run?.includes('apply-stacks.sh'));
    expect(verify).toBeGreaterThan(-1);
    expect(verify).toBeLessThan(applyStep);
    const script = readFileSync(path.join(REPO_ROOT, 'scripts/ci/verify-attestations.sh'), 'utf8');
    expect(readFileSync(path.join(REPO_ROOT, 'scripts/ci/verify-image.sh'), 'utf8')).toContain('verify-attestations.sh" "$repository_uri" "$digest" "$tag"');
    expect(script).toMatch(/gh attestation verify "oci:\/\/\$repository_uri@\$digest"/);
    expect(script).toMatch(/--repo "\$GITHUB_REPOSITORY"/);
    // The exact certificate identity; --signer-workflow is a prefix match.
    expect(script).toContain('identity="https://github.com/$GITHUB_REPOSITORY/.github/workflows/release.yml@refs/tags/v$version"');
    expect(script).toMatch(/--cert-identity "\$identity"/);
    expect(script).not.toMatch(/^[^#]*--signer-workflow/m);
    expect(steps[verify]!.env?.EXPECTED_DIGEST).toBe('${{ inputs.image_digest }}');
  });

  it('stacks are planned and applied in the stack graph\'s dependency order (network, cluster, platform, app)', async () => {
    // definePlatform creates each environment's stacks in dependency order.
    const kinds = [...buildPlatform().stacks.keys()].filter((id) => id.endsWith('-dev')).map((id) => id.slice(0, -'-dev'.length));
    expect(kinds).toEqual(['network', 'cluster', 'platform', 'app']);
    const resolve = stepsOf(deploy.jobs.prepare!).find((s) => s.id === 'target')?.run ?? '';
    expect(resolve).toContain('bash scripts/ci/target-stacks.sh --through "$THROUGH" "$TARGET_ENVIRONMENT"');
    for (const [i, kind] of kinds.entries()) {
      const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/target-stacks.sh'), '--through', kind, 'dev']);
      expect(r.stdout.trim()).toBe(kinds.slice(0, i + 1).map((k) => `${k}-dev`).join(' '));
    }
  });

  it('the synth reads the image tag from IMAGE_TAG (main.ts)', () => {
    expect(deploy.jobs.prepare!.env?.IMAGE_TAG).toBe('${{ inputs.image_tag }}');
    expect(readFileSync(path.join(REPO_ROOT, 'main.ts'), 'utf8')).toMatch(/process\.env\.IMAGE_TAG/);
  });

  it('runs on pushes to main, on dispatch, and when release.yml calls it for prod', () => {
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(Object.keys(deploy.on).sort()).toEqual(['push', 'workflow_call', 'workflow_dispatch']);
    const call = release.jobs['deploy-prod']!;
    expect(call.uses).toBe('./.github/workflows/deploy.yml');
    expect(call.needs).toBe('image');
    expect(call.with).toEqual({ environment: 'prod', image_tag: '${{ needs.image.outputs.version }}', image_digest: '${{ needs.image.outputs.digest }}' });
  });
});

describe('release', () => {
  const image = release.jobs.image!;
  const step = (action: string) => stepsOf(image).find((s) => s.uses && actionName(s.uses) === action);

  it('runs on version tags only', () => {
    expect(release.on).toEqual({ push: { tags: ['v*.*.*'] } });
  });

  it('builds once, pushes by digest, scans, attests and verifies, and only then tags the version (a failure burns no version)', () => {
    const steps = stepsOf(image);
    const at = (predicate: (s: (typeof steps)[number]) => boolean) => steps.findIndex(predicate);
    const build = step('docker/build-push-action')!;
    expect(String(build.with?.outputs)).toMatch(/type=docker,name=hono-api:release\n.*push-by-digest=true,name-canonical=true,push=true/);
    expect(build.with).not.toHaveProperty('tags');
    const order = [
      at((s) => s === build),
      at((s) => s.with?.['image-ref'] === 'hono-api:release'),
      ...steps.flatMap((s, i) => (s.uses && ['actions/attest-sbom', 'actions/attest-build-provenance'].includes(actionName(s.uses)) ? [i] : [])),
      at((s) => s.run?.includes('scripts/ci/verify-attestations.sh "$IMAGE" "$DIGEST" "$VERSION"') === true),
      at((s) => s.id === 'tag'),
    ];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order).toHaveLength(7); // build, scan, two SBOM attestations, provenance, verify, tag
    expect(steps[order.at(-1)!]!.run).toBe('bash scripts/ci/tag-image.sh "$REPOSITORY" "$DIGEST" "$VERSION"');
    // Nothing before the tag step names the version in ECR but the existence check; no docker push or tag at all.
    expect(jobScriptText(image)).not.toMatch(/docker (push|tag)\b/);
    for (const s of steps.slice(0, order.at(-1))) expect(s.run ?? '', s.name).not.toMatch(/put-image|imageTag=\$VERSION"\s*$/m);
  });

  it('scans with Trivy (fixable CRITICAL/HIGH fail): the lockfile before the build, the image before anything is attested or tagged', () => {
    expect(stepsOf(image).filter((s) => s.uses?.startsWith('docker/build-push-action@'))).toHaveLength(1);
    const trivy = stepsOf(image).filter((s) => s.uses && actionName(s.uses) === 'aquasecurity/trivy-action');
    for (const scan of trivy) expect(scan.with).toMatchObject({ 'ignore-unfixed': true, severity: 'CRITICAL,HIGH', 'exit-code': '1' });
    // The lockfile's runtime dependencies (bundled by esbuild, invisible in the image) before the build; the image after it.
    expect(trivy.map((s) => s.with?.['scan-ref'] ?? s.with?.['image-ref'])).toEqual(['package-lock.json', 'hono-api:release']);
    const at = (predicate: (s: { uses?: string; with?: Record<string, unknown> }) => boolean) => stepsOf(image).findIndex(predicate);
    const order = [
      at((s) => s.with?.['scan-ref'] === 'package-lock.json'),
      at((s) => s.uses !== undefined && actionName(s.uses) === 'aws-actions/configure-aws-credentials'),
      at((s) => s.uses !== undefined && actionName(s.uses) === 'docker/build-push-action'),
      at((s) => s.with?.['image-ref'] === 'hono-api:release'),
    ];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(assumedRoles(image)).toEqual(['push-image']);
  });

  it('records the digest, and signs provenance and an SBOM for exactly that digest', () => {
    expect(image.outputs?.digest).toBe('${{ steps.push.outputs.digest }}');
    expect(step('actions/attest-build-provenance')?.with).toEqual({
      'subject-name': '${{ steps.push.outputs.image }}',
      'subject-digest': '${{ steps.push.outputs.digest }}',
      'push-to-registry': true,
    });
    expect(step('anchore/sbom-action')?.with?.image).toBe('${{ steps.push.outputs.image }}@${{ steps.push.outputs.digest }}');
    // An SBOM of the bundle's npm packages as well (the image SBOM sees only Debian's), and both
    // attested to exactly the pushed digest, which the deploy verifies (verify-image.sh).
    const sboms = stepsOf(image).filter((s) => s.uses && actionName(s.uses) === 'anchore/sbom-action');
    expect(sboms.map((s) => s.with?.image ?? s.with?.file)).toEqual(['${{ steps.push.outputs.image }}@${{ steps.push.outputs.digest }}', 'package-lock.json']);
    const attested = stepsOf(image).filter((s) => s.uses && actionName(s.uses) === 'actions/attest-sbom');
    expect(attested.map((s) => s.with?.['sbom-path']).sort()).toEqual(sboms.map((s) => s.with?.['output-file']).sort());
    for (const a of attested) expect(a.with).toMatchObject({ 'subject-name': '${{ steps.push.outputs.image }}', 'subject-digest': '${{ steps.push.outputs.digest }}', 'push-to-registry': true });
    expect(stepsOf(image).find((s) => s.id === 'push')?.env?.DIGEST).toBe('${{ steps.build.outputs.digest }}');
    expect(stepsOf(image).find((s) => s.id === 'push')?.run).toContain('echo "digest=$DIGEST"');
    const summary = stepsOf(image).find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'));
    expect(summary?.env?.DIGEST).toBe('${{ steps.push.outputs.digest }}');
  });
});

describe('chart', () => {
  const chart = loadWorkflow('chart.yml');
  const text = chart.text;

  it('runs for chart and service changes', () => {
    expect((chart.on.pull_request as { paths: string[] }).paths).toEqual(expect.arrayContaining(['helm/**', 'src/**']));
  });

  it('installs on kind with helm test, and tests the upgrade from the target branch', () => {
    expect(text).toMatch(/helm\/kind-action@/);
    // hono-api:ci for ct install, and the image the kind deploy (the app-local cluster test) deploys.
    expect(text).toMatch(new RegExp(`kind load docker-image hono-api:ci ${KIND_IMAGE} --name hono-api`));
    expect(text).toMatch(/ct install --config ct\.yaml/);
    expect(text).toMatch(/--upgrade/);
    expect(text).toMatch(/fetch-depth: 0/);
  });
});

