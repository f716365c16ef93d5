/**
 * Terraform plan summaries for pull-request comments and drift issues: counts per stack from
 * `terraform show -json <planfile>`, and a Markdown report with the full plans folded into
 * <details> blocks, cut to fit GitHub's body limit (65,536 characters) with the summary intact.
 */

/** The part of `terraform show -json` this module reads. */
export interface PlanJson {
  readonly resource_changes?: readonly { readonly address?: string; readonly change?: { readonly actions?: readonly string[] } }[];
}

export interface ChangeCounts {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

/**
 * Counts as Terraform's own "Plan: X to add, Y to change, Z to destroy." line does: a replacement
 * (delete and create, in either order) counts once as an add and once as a destroy; reads and
 * no-ops are not changes.
 */
export function countChanges(plan: PlanJson): ChangeCounts {
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change?.actions ?? [];
    if (actions.includes('create')) add++;
    if (actions.includes('delete')) destroy++;
    if (actions.includes('update')) change++;
  }
  return { add, change, destroy };
}

/** `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, anything else failed. */
/** `deferred`: not planned in this run, because a stack before it has changes (plan-stacks.sh --until-change). */
export type StackStatus = 'no-changes' | 'changes' | 'failed' | 'deferred';

export function statusFromExitCode(code: number | undefined): StackStatus {
  return code === 0 ? 'no-changes' : code === 2 ? 'changes' : 'failed';
}

export interface StackPlan {
  readonly stack: string;
  readonly status: StackStatus;
  /** Absent when the plan failed before producing a plan file. */
  readonly counts?: ChangeCounts;
  /** `terraform show -no-color <planfile>`, or the error output of a failed plan. */
  readonly text: string;
  /** SHA-256 of the saved plan file: what the approver approves and the apply job checks. */
  readonly sha256?: string;
}

export interface ReportOptions {
  /** Hidden marker that finds the comment or issue again, e.g. `<!-- hono-eks-platform:plan:dev -->`. */
  readonly marker: string;
  readonly title: string;
  readonly stacks: readonly StackPlan[];
  /** Extra lines under the title (commit, image tag, …). */
  readonly context?: readonly string[];
  /** Link to the workflow run, where the complete output is. */
  readonly runUrl?: string;
  /** Maximum length of the whole body. Default GITHUB_BODY_LIMIT. */
  readonly maxLength?: number;
}

/** GitHub rejects issue and comment bodies longer than 65,536 characters; keep a margin. */
export const GITHUB_BODY_LIMIT = 65_000;

const STATUS_TEXT: Record<StackStatus, string> = {
  'no-changes': '✅ no changes',
  changes: '📝 changes',
  failed: '❌ plan failed',
  deferred: '⏭ planned in the next run, after the changes above are applied',
};

export function totals(stacks: readonly StackPlan[]): ChangeCounts & { failed: number; changed: number } {
  return stacks.reduce(
    (t, s) => ({
      add: t.add + (s.counts?.add ?? 0),
      change: t.change + (s.counts?.change ?? 0),
      destroy: t.destroy + (s.counts?.destroy ?? 0),
      failed: t.failed + (s.status === 'failed' ? 1 : 0),
      changed: t.changed + (s.status === 'changes' ? 1 : 0),
    }),
    { add: 0, change: 0, destroy: 0, failed: 0, changed: 0 },
  );
}

/** A code fence longer than any backtick run in `text`, so plan output cannot close it early. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

function details(stack: StackPlan, text: string, note = ''): string {
  const f = fence(text);
  return `<details><summary><code>${stack.stack}</code> — ${STATUS_TEXT[stack.status]}</summary>\n\n${f}text\n${text}\n${f}\n${note}</details>\n`;
}

/** Renders the report; never longer than maxLength. */
export function renderReport(options: ReportOptions): string {
  const max = options.maxLength ?? GITHUB_BODY_LIMIT;
  const t = totals(options.stacks);
  const verdict =
    t.failed > 0
      ? `**${t.failed} of ${options.stacks.length} plans failed.**`
      : t.changed === 0
        ? '**No changes.** Infrastructure matches the configuration.'
        : `**${t.add} to add, ${t.change} to change, ${t.destroy} to destroy** across ${t.changed} stack${t.changed === 1 ? '' : 's'}.`;
  const head = [
    options.marker,
    `### ${options.title}`,
    '',
    ...(options.context?.length ? [...options.context, ''] : []),
    verdict,
    '',
    '| stack | result | add | change | destroy | plan file SHA-256 |',
    '|---|---|--:|--:|--:|---|',
    ...options.stacks.map(
      (s) => `| \`${s.stack}\` | ${STATUS_TEXT[s.status]} | ${s.counts?.add ?? '–'} | ${s.counts?.change ?? '–'} | ${s.counts?.destroy ?? '–'} | ${s.sha256 ? `\`${s.sha256}\`` : '–'} |`,
    ),
    '',
  ].join('\n');
  const foot = options.runUrl ? `\n[Workflow run](${options.runUrl})\n` : '';

  let body = `${head}\n`;
  const budget = () => max - body.length - foot.length;
  for (const [i, stack] of options.stacks.entries()) {
    // Stacks without changes have nothing worth reading; keep their output out of the body.
    if (stack.status === 'no-changes') continue;
    const block = details(stack, stack.text);
    if (block.length <= budget()) {
      body += block;
      continue;
    }
    const later = options.stacks.slice(i + 1).filter((s) => s.status !== 'no-changes').length;
    const note = `\n_Truncated to fit GitHub's comment limit${later ? `; ${later} more stack${later === 1 ? '' : 's'} omitted` : ''}. The complete plan is in the workflow run._\n`;
    const overhead = details(stack, '', note).length + 1; // + the newline before the marker line
    const room = budget() - overhead - 40;
    if (room > 200) {
      const cut = stack.text.slice(0, room);
      const kept = cut.slice(0, Math.max(cut.lastIndexOf('\n'), 0) || cut.length);
      const marker = `… ${stack.text.length - kept.length} more characters`;
      const block = details(stack, `${kept}\n${marker}`, note);
      if (block.length <= budget()) body += block;
      else body += note;
    } else if (note.length <= budget()) {
      body += note;
    }
    break;
  }
  const out = body + foot;
  return out.length <= max ? out : out.slice(0, max); // unreachable in practice; the cap is a promise
}
