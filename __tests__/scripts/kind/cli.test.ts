import { describe, expect, it } from 'vitest';
import { commandUsage, main, parseArgs, usage } from '../../../scripts/kind/cli.js';
import { COMMAND_NAMES } from '../../../scripts/kind/commands.js';
import { fake } from './fakes.js';

describe('parseArgs', () => {
  it.each([
    [['up'], { kind: 'run', command: 'up', options: {} }],
    [['forward', '--port', '9090'], { kind: 'run', command: 'forward', options: { port: 9090 } }],
    [['forward', '--port=9091'], { kind: 'run', command: 'forward', options: { port: 9091 } }],
    [['--help'], { kind: 'help' }],
    [['-h'], { kind: 'help' }],
    [['help'], { kind: 'help' }],
    [['help', 'deploy'], { kind: 'help', command: 'deploy' }],
    [['deploy', '--help'], { kind: 'help', command: 'deploy' }],
    [['forward', '--port', '9090', '-h'], { kind: 'help', command: 'forward' }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv)).toEqual(expected);
  });

  it.each([
    [[], /no command given/],
    [['bogus'], /unknown command: bogus/],
    [['help', 'bogus'], /unknown command: bogus/],
    [['--verbose'], /unknown option: --verbose/],
    [['up', '--force'], /unknown option for up: --force/],
    [['up', 'now'], /unexpected argument for up: now/],
    [['deploy', '--port', '1'], /unknown option for deploy: --port/],
    [['forward', '--port'], /--port needs a value/],
    [['forward', '--port', 'http'], /--port must be a port number/],
    [['forward', '--port', '70000'], /--port must be a port number/],
    [['forward', '--port=0'], /--port must be a port number/],
  ])('rejects %j', (argv, message) => {
    const parsed = parseArgs(argv);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});

describe('main', () => {
  it('prints the usage for --help, listing every command, and exits 0 without running anything', async () => {
    const f = fake();
    expect(await main(['--help'], f.deps)).toBe(0);
    expect(f.out.join('\n')).toBe(usage());
    for (const name of COMMAND_NAMES) expect(usage()).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
    expect(f.calls).toEqual([]);
  });

  it.each(COMMAND_NAMES.map((name) => [name]))('prints help for `%s --help` and runs nothing', async (name) => {
    const f = fake();
    expect(await main([name, '--help'], f.deps)).toBe(0);
    expect(f.out.join('\n')).toBe(commandUsage(name));
    expect(commandUsage(name)).toMatch(new RegExp(`^Usage: tsx scripts/kind\\.ts ${name}`));
    expect(f.calls).toEqual([]);
  });

  it('documents the forward port option', () => {
    expect(commandUsage('forward')).toMatch(/--port <n>/);
  });

  it.each([[['bogus']], [[]]])('prints the usage to stderr and exits 2 for %j', async (argv) => {
    const f = fake();
    expect(await main(argv, f.deps)).toBe(2);
    expect(f.err[0]).toMatch(/^error: /);
    expect(f.err.join('\n')).toContain(usage());
    expect(f.out).toEqual([]);
    expect(f.calls).toEqual([]);
  });

  it("prints the command's usage and exits 2 for a bad option", async () => {
    const f = fake();
    expect(await main(['forward', '--port', 'x'], f.deps)).toBe(2);
    expect(f.err.join('\n')).toContain(commandUsage('forward'));
    expect(f.calls).toEqual([]);
  });

  it('runs the command and returns its exit code', async () => {
    expect(await main(['check'], fake().deps)).toBe(0);
    expect(await main(['check'], fake({ tools: [] }).deps)).toBe(1);
  });
});
