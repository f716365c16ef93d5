import { describe, expect, it } from 'vitest';
import { main } from '../../../scripts/ops/cli.js';
import { type StackScript, awsResponder, fake, platformFixture, synthResponder, terraformResponder } from './fakes.js';

function setup(options: { interactive?: boolean; answers?: string[]; scripts?: Record<string, StackScript>; platformStack?: boolean } = {}) {
  return fake({
    interactive: options.interactive ?? true,
    answers: options.answers ?? [],
    respond: [synthResponder(({ env }) => platformFixture(env, { platformStack: options.platformStack ?? true })), terraformResponder(options.scripts ?? {}), awsResponder()],
  });
}

const destroyed = (f: ReturnType<typeof fake>) => f.calls.filter((c) => c.args[1] === 'destroy').map((c) => c.args[0]!.split('/').pop());
const tfCalls = (f: ReturnType<typeof fake>) => f.calls.filter((c) => c.line.startsWith('terraform -chdir='));

describe('destroy', () => {
  it('destroys the environment in reverse dependency order after its name is typed, never the shared stacks', async () => {
    const f = setup({ answers: ['dev'] });
    expect(await main(['destroy', 'dev'], f.deps)).toBe(0);
    expect(f.prompts).toEqual(['Type the environment name (dev) to destroy it: ']);
    expect(destroyed(f)).toEqual(['app-dev', 'platform-dev', 'cluster-dev', 'network-dev']);
    expect(tfCalls(f).map((c) => c.args.slice(1).join(' '))).toContain('destroy -auto-approve -input=false -no-color -lock-timeout=10m');
    expect(f.lines().some((l) => /stacks\/(state|registry|ci-identity)\b/.test(l))).toBe(false);
    const out = f.out.join('\n');
    expect(out).toMatch(/stack by stack: app-dev → platform-dev → cluster-dev → network-dev/);
    expect(out).toMatch(/The shared stacks \(state, ci-identity, registry\) are kept/);
    expect(out).toMatch(/Destroyed dev: app-dev, platform-dev, cluster-dev, network-dev\./);
  });

  it('runs no terraform at all when the typed name is wrong', async () => {
    const f = setup({ answers: ['yes'] });
    expect(await main(['destroy', 'dev'], f.deps)).toBe(1);
    expect(tfCalls(f)).toEqual([]);
    expect(f.err.join('\n')).toMatch(/Not destroyed: you typed "yes", not "dev": nothing was destroyed/);
  });

  it('refuses prod without --i-understand before doing anything', async () => {
    const f = setup({ answers: ['prod'] });
    expect(await main(['destroy', 'prod'], f.deps)).toBe(1);
    expect(f.calls).toEqual([]);
    expect(f.prompts).toEqual([]);
    expect(f.err.join('\n')).toMatch(/refusing to destroy prod without --i-understand/);
  });

  it('destroys prod with --i-understand and the typed name', async () => {
    const f = setup({ answers: ['prod'] });
    expect(await main(['destroy', 'prod', '--i-understand'], f.deps)).toBe(0);
    expect(destroyed(f)).toEqual(['app-prod', 'platform-prod', 'cluster-prod', 'network-prod']);
  });

  it('refuses without a terminal unless --confirm names the environment', async () => {
    const f = setup({ interactive: false });
    expect(await main(['destroy', 'dev'], f.deps)).toBe(1);
    expect(f.calls).toEqual([]);
    expect(f.err.join('\n')).toMatch(/no terminal to type the environment name on.*--confirm dev/);
    const g = setup({ interactive: false });
    expect(await main(['destroy', 'dev', '--confirm', 'dev'], g.deps)).toBe(0);
    expect(destroyed(g)).toHaveLength(4);
    const h = setup({ interactive: false });
    expect(await main(['destroy', 'dev', '--confirm', 'prod'], h.deps)).toBe(1);
    expect(h.calls).toEqual([]);
  });

  it('skips a stack with nothing in its state', async () => {
    const f = setup({ answers: ['dev'], scripts: { 'app-dev': { state: '' }, 'platform-dev': { state: '' } } });
    expect(await main(['destroy', 'dev'], f.deps)).toBe(0);
    expect(destroyed(f)).toEqual(['cluster-dev', 'network-dev']);
    expect(f.out.join('\n')).toMatch(/app-dev: nothing in its state, nothing to destroy/);
  });

  it('skips a stack that was never applied (its S3 state object does not exist), and does not call it destroyed', async () => {
    // What terraform 1.11 says for `state list` with an S3 backend and no state object yet.
    const never = { stateResult: { exitCode: 1, stdout: '', stderr: 'No state file was found!\n\nState management commands require a state file. Run this command\nin a directory where Terraform has been run or use the -state flag\nto point the command to a specific state location.\n' } };
    const f = setup({ answers: ['dev'], scripts: { 'app-dev': never, 'platform-dev': never } });
    expect(await main(['destroy', 'dev'], f.deps)).toBe(0);
    expect(destroyed(f)).toEqual(['cluster-dev', 'network-dev']);
    expect(f.out.join('\n')).toMatch(/platform-dev: nothing in its state, nothing to destroy/);
    expect(f.out.join('\n')).toMatch(/Destroyed dev: cluster-dev, network-dev\./);
  });

  it('stops at the first failure, naming what was and was not destroyed', async () => {
    const f = setup({ answers: ['dev'], scripts: { 'cluster-dev': { destroy: { exitCode: 1, stderr: 'Error: deleting EKS Node Group: ResourceInUseException\n' } } } });
    expect(await main(['destroy', 'dev'], f.deps)).toBe(1);
    expect(destroyed(f)).toEqual(['app-dev', 'platform-dev', 'cluster-dev']);
    const err = f.err.join('\n');
    expect(err).toMatch(/error: cluster-dev: terraform destroy failed \(terraform exited with 1\):\n {2}Error: deleting EKS Node Group: ResourceInUseException/);
    expect(err).toMatch(/Stopped at cluster-dev\. Destroyed: app-dev, platform-dev\. Not destroyed: network-dev\. Fix the error and run destroy again/);
  });

  it('follows the synthesised graph when there is no platform stack', async () => {
    const f = setup({ answers: ['dev'], platformStack: false });
    expect(await main(['destroy', 'dev'], f.deps)).toBe(0);
    expect(destroyed(f)).toEqual(['app-dev', 'cluster-dev', 'network-dev']);
  });
});
