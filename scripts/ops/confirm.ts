/**
 * Confirmation before anything changes: applying plans needs a typed "yes" (or --yes, for
 * scripts), destroying an environment needs its name typed (or --confirm <env>), and prod can
 * only be destroyed with --i-understand as well. Without a terminal and without the flag, the
 * CLI refuses instead of guessing.
 */

export type Decision = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface PromptIo {
  readonly interactive: boolean;
  prompt(question: string): Promise<string | undefined>;
}

/** Environments that `destroy` refuses without --i-understand. */
export const PROTECTED_ENVIRONMENTS: readonly string[] = ['prod'];

const OK: Decision = { ok: true };

/** Checked before any work starts, so a script without --yes fails at once, not after planning. */
export function canConfirmApply(io: PromptIo, yes: boolean): Decision {
  if (yes || io.interactive) return OK;
  return {
    ok: false,
    reason:
      'refusing to apply without confirmation: there is no terminal to ask on (stdin is not a TTY). ' +
      'Review the plan (add --dry-run to see the steps), then re-run with --yes to approve it non-interactively.',
  };
}

/** Asks to apply what `what` describes; only a typed "yes" (or --yes) approves. */
export async function confirmApply(io: PromptIo, options: { yes: boolean; what: string }): Promise<Decision> {
  if (options.yes) return OK;
  const upfront = canConfirmApply(io, false);
  if (!upfront.ok) return upfront;
  const answer = await io.prompt(`Apply ${options.what}? Only "yes" is accepted: `);
  if (answer?.trim() === 'yes') return OK;
  return { ok: false, reason: answer === undefined ? 'no answer (input closed): nothing was applied' : `you answered ${JSON.stringify(answer.trim())}, not "yes": nothing was applied` };
}

export interface DestroyConfirmation {
  readonly env: string;
  /** --i-understand */
  readonly iUnderstand: boolean;
  /** --confirm <env>: the typed name, given non-interactively. */
  readonly confirm?: string;
}

/** The checks that need no answer: the prod guard, a mismatching --confirm, no terminal to type on. */
export function canConfirmDestroy(io: PromptIo, options: DestroyConfirmation): Decision {
  if (PROTECTED_ENVIRONMENTS.includes(options.env) && !options.iUnderstand)
    return {
      ok: false,
      reason:
        `refusing to destroy ${options.env} without --i-understand: this deletes its cluster, its network and everything running on them, ` +
        `and cannot be undone. Re-run with --i-understand if you mean it (you will still have to type "${options.env}").`,
    };
  if (options.confirm !== undefined && options.confirm !== options.env)
    return { ok: false, reason: `--confirm ${JSON.stringify(options.confirm)} does not match the environment "${options.env}": nothing was destroyed` };
  if (options.confirm === undefined && !io.interactive)
    return {
      ok: false,
      reason: `refusing to destroy without confirmation: there is no terminal to type the environment name on (stdin is not a TTY). Run it in a terminal, or pass --confirm ${options.env}.`,
    };
  return OK;
}

/** Asks for the environment's name to be typed, after the checks above. */
export async function confirmDestroy(io: PromptIo, options: DestroyConfirmation): Promise<Decision> {
  const upfront = canConfirmDestroy(io, options);
  if (!upfront.ok || options.confirm !== undefined) return upfront;
  const answer = await io.prompt(`Type the environment name (${options.env}) to destroy it: `);
  if (answer?.trim() === options.env) return OK;
  return {
    ok: false,
    reason: answer === undefined ? 'no answer (input closed): nothing was destroyed' : `you typed ${JSON.stringify(answer.trim())}, not "${options.env}": nothing was destroyed`,
  };
}
