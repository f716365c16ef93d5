/**
 * The actions/github-script steps, run: the drift issues and the pull-request comments are code in
 * YAML, so they are executed here against the reports terraform-plan.yml uploads and a recording
 * stand-in for the GitHub API (the `github`, `context` and `core` objects github-script provides).
 */
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow, stepsOf } from './support/workflows.js';

interface Call {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

function scriptOf(file: string, job: string): string {
  const step = stepsOf(loadWorkflow(file).jobs[job]!).find((s) => s.uses?.startsWith('actions/github-script@'));
  return String(step?.with?.script);
}

/** The reports directory as download-artifact lays it out: plan-report-<target>/{target,status,report.md}. */
function reports(entries: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reports-'));
  for (const [target, status] of Object.entries(entries)) {
    mkdirSync(path.join(dir, `plan-report-${target}`));
    writeFileSync(path.join(dir, `plan-report-${target}`, 'target'), `${target}\n`);
    writeFileSync(path.join(dir, `plan-report-${target}`, 'status'), `${status}\n`);
    writeFileSync(path.join(dir, `plan-report-${target}`, 'report.md'), `<!-- hono-eks-platform:x:${target} -->\nreport of ${target}`);
  }
  return dir;
}

async function run(script: string, env: Record<string, string>, listed: Record<string, unknown>[]): Promise<Call[]> {
  const calls: Call[] = [];
  const record = (method: string) => async (params: Record<string, unknown>) => {
    calls.push({ method, params });
    return { data: { html_url: 'https://example/x', id: 1 } };
  };
  const github = {
    paginate: async () => listed,
    rest: { issues: { listComments: {}, listForRepo: {}, create: record('create'), update: record('update'), createComment: record('createComment'), updateComment: record('updateComment') } },
  };
  const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 }, serverUrl: 'https://github.com', runId: 42 };
  const core = { info: () => undefined };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    await new AsyncFunction('require', 'github', 'context', 'core', script)(createRequire(import.meta.url), github, context, core);
  } finally {
    process.env = saved;
  }
  return calls;
}

describe('drift.yml: the drift issues', () => {
  const script = scriptOf('drift.yml', 'issues');

  it('opens an issue for a target with changes (exit 2), closes the open one of a clean target (exit 0), leaves a failed one alone', async () => {
    const open = [{ number: 3, title: 'Drift detected in staging', html_url: 'u' }];
    const calls = await run(script, { REPORTS: reports({ dev: '2', staging: '0', prod: '1' }) }, open);
    expect(calls.map((c) => c.method)).toEqual(['create', 'createComment', 'update']);
    expect(calls[0]!.params).toMatchObject({ title: 'Drift detected in dev', labels: ['drift'] });
    expect(String(calls[0]!.params.body)).toContain('report of dev');
    expect(calls[2]!.params).toMatchObject({ issue_number: 3, state: 'closed' });
  });

  it('updates the open issue of a target that still drifts instead of opening a second', async () => {
    const calls = await run(script, { REPORTS: reports({ dev: '2' }) }, [{ number: 9, title: 'Drift detected in dev', html_url: 'u' }]);
    expect(calls).toEqual([{ method: 'update', params: expect.objectContaining({ issue_number: 9, body: expect.stringContaining('report of dev') }) }]);
  });

  it('does nothing when no target was planned (none deployed yet)', async () => {
    expect(await run(script, { REPORTS: path.join(os.tmpdir(), 'no-such-reports') }, [])).toEqual([]);
  });
});

describe('drift.yml: the support calendar issue', () => {
  const script = scriptOf('drift.yml', 'calendar');
  const report = () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'calendar-')), 'calendar.md');
    writeFileSync(file, 'Support calendar on 2027-05-04: 3 findings.\n');
    return file;
  };
  const TITLE = 'Support calendar needs an update';

  it('opens one labelled issue with the report when ops calendar exits 2, and updates it while findings remain', async () => {
    const opened = await run(script, { STATUS: '2', REPORT: report() }, []);
    expect(opened).toEqual([{ method: 'create', params: expect.objectContaining({ title: TITLE, labels: ['support-calendar'], body: expect.stringContaining('3 findings') }) }]);
    const updated = await run(script, { STATUS: '2', REPORT: report() }, [{ number: 4, title: TITLE, html_url: 'u' }]);
    expect(updated).toEqual([{ method: 'update', params: expect.objectContaining({ issue_number: 4, body: expect.stringContaining('actions/runs/42') }) }]);
  });

  it('closes the open issue once the calendar is current (exit 0); a failed comparison changes nothing', async () => {
    const closed = await run(script, { STATUS: '0', REPORT: report() }, [{ number: 4, title: TITLE, html_url: 'u' }]);
    expect(closed.map((c) => c.method)).toEqual(['createComment', 'update']);
    expect(closed[1]!.params).toMatchObject({ issue_number: 4, state: 'closed' });
    expect(await run(script, { STATUS: '', REPORT: report() }, [{ number: 4, title: TITLE, html_url: 'u' }])).toEqual([]);
  });
});

describe('plan.yml: one comment per target', () => {
  const script = scriptOf('plan.yml', 'comment');

  it('updates the comment carrying the target\'s marker, and creates one for a target without', async () => {
    const existing = [{ id: 5, user: { login: 'github-actions[bot]' }, body: '<!-- hono-eks-platform:pull-request:dev -->\nold', html_url: 'u' }];
    const calls = await run(script, { REPORTS: reports({ dev: '2', shared: '0' }) }, existing);
    const byMethod = Object.fromEntries(calls.map((c) => [c.method, c.params]));
    expect(byMethod.updateComment).toMatchObject({ comment_id: 5, body: expect.stringContaining('report of dev') });
    expect(byMethod.createComment).toMatchObject({ issue_number: 7, body: expect.stringContaining('report of shared') });
    expect(calls).toHaveLength(2);
  });
});
