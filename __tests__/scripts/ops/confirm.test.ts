import { describe, expect, it } from 'vitest';
import { type PromptIo, canConfirmApply, canConfirmDestroy, confirmApply, confirmDestroy } from '../../../scripts/ops/confirm.js';

function io(interactive: boolean, ...answers: (string | undefined)[]): PromptIo & { asked: string[] } {
  const asked: string[] = [];
  return {
    interactive,
    asked,
    prompt: async (q) => {
      asked.push(q);
      return answers.shift();
    },
  };
}

describe('applying', () => {
  it('--yes approves without asking, with or without a terminal', async () => {
    for (const tty of [true, false]) {
      const t = io(tty);
      expect(await confirmApply(t, { yes: true, what: 'these plans to dev' })).toEqual({ ok: true });
      expect(t.asked).toEqual([]);
    }
  });

  it('asks on a terminal and accepts only "yes"', async () => {
    const t = io(true, 'yes');
    expect(await confirmApply(t, { yes: false, what: 'these plans to dev' })).toEqual({ ok: true });
    expect(t.asked).toEqual(['Apply these plans to dev? Only "yes" is accepted: ']);
    expect(await confirmApply(io(true, '  yes \n'), { yes: false, what: 'x' })).toEqual({ ok: true });
  });

  it.each([['y'], ['Yes'], ['no'], ['']])('treats %j as a refusal', async (answer) => {
    const decision = await confirmApply(io(true, answer), { yes: false, what: 'x' });
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.reason).toMatch(/not "yes": nothing was applied/);
  });

  it('treats a closed input (Ctrl-D, Ctrl-C) as a refusal', async () => {
    const decision = await confirmApply(io(true, undefined), { yes: false, what: 'x' });
    expect(!decision.ok && decision.reason).toMatch(/no answer \(input closed\)/);
  });

  it('refuses without a terminal and without --yes, saying how to approve, and never prompts', async () => {
    const t = io(false, 'yes');
    const decision = await confirmApply(t, { yes: false, what: 'x' });
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.reason).toMatch(/no terminal to ask on \(stdin is not a TTY\).*--yes/);
    expect(t.asked).toEqual([]);
    expect(canConfirmApply(t, false).ok).toBe(false);
    expect(canConfirmApply(t, true).ok).toBe(true);
    expect(canConfirmApply(io(true), false).ok).toBe(true);
  });
});

describe('destroying', () => {
  it('needs the environment name typed', async () => {
    const t = io(true, 'dev');
    expect(await confirmDestroy(t, { env: 'dev', iUnderstand: false })).toEqual({ ok: true });
    expect(t.asked).toEqual(['Type the environment name (dev) to destroy it: ']);
  });

  it.each([['yes'], ['DEV'], ['staging'], ['']])('refuses %j typed instead of the name', async (typed) => {
    const decision = await confirmDestroy(io(true, typed), { env: 'dev', iUnderstand: false });
    expect(!decision.ok && decision.reason).toBe(`you typed ${JSON.stringify(typed)}, not "dev": nothing was destroyed`);
  });

  it('refuses prod without --i-understand before asking anything', async () => {
    const t = io(true, 'prod');
    const decision = await confirmDestroy(t, { env: 'prod', iUnderstand: false });
    expect(!decision.ok && decision.reason).toMatch(/refusing to destroy prod without --i-understand/);
    expect(t.asked).toEqual([]);
  });

  it('still asks for the name in prod with --i-understand', async () => {
    const t = io(true, 'prod');
    expect(await confirmDestroy(t, { env: 'prod', iUnderstand: true })).toEqual({ ok: true });
    expect(t.asked).toHaveLength(1);
    expect((await confirmDestroy(io(true, 'yes'), { env: 'prod', iUnderstand: true })).ok).toBe(false);
  });

  it('refuses without a terminal unless --confirm names the environment', async () => {
    const decision = canConfirmDestroy(io(false), { env: 'dev', iUnderstand: false });
    expect(!decision.ok && decision.reason).toMatch(/no terminal to type the environment name on.*--confirm dev/);
    const t = io(false);
    expect(await confirmDestroy(t, { env: 'dev', iUnderstand: false, confirm: 'dev' })).toEqual({ ok: true });
    expect(t.asked).toEqual([]);
  });

  it('refuses a --confirm that names another environment', async () => {
    const decision = await confirmDestroy(io(true), { env: 'dev', iUnderstand: false, confirm: 'staging' });
    expect(!decision.ok && decision.reason).toMatch(/--confirm "staging" does not match the environment "dev"/);
  });

  it('checks the prod guard before --confirm', async () => {
    const decision = await confirmDestroy(io(false), { env: 'prod', iUnderstand: false, confirm: 'prod' });
    expect(!decision.ok && decision.reason).toMatch(/without --i-understand/);
    expect(await confirmDestroy(io(false), { env: 'prod', iUnderstand: true, confirm: 'prod' })).toEqual({ ok: true });
  });
});
