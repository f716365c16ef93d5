import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, commandUsage, main, parseArgs, usage } from '../../../scripts/ops/cli.js';
import { fake } from './fakes.js';

const ENVS = ['dev', 'staging', 'prod'];

describe('parseArgs: every command', () => {
  it.each([
    [['doctor'], { kind: 'run', command: 'doctor', options: { workflow: 'all', json: false } }],
    [['doctor', '--workflow', 'local', '--json'], { kind: 'run', command: 'doctor', options: { workflow: 'local', json: true } }],
    [['doctor', '--workflow=deploy', '--env', 'prod'], { kind: 'run', command: 'doctor', options: { workflow: 'deploy', env: 'prod', json: false } }],
    [['check-config', 'prod'], { kind: 'run', command: 'check-config', options: { env: 'prod', planRecipient: false, github: false } }],
    [['check-config', 'dev', '--github'], { kind: 'run', command: 'check-config', options: { env: 'dev', planRecipient: false, github: true } }],
    [['check-config', 'dev', '--plan-recipient'], { kind: 'run', command: 'check-config', options: { env: 'dev', planRecipient: true, github: false } }],
    [['calendar'], { kind: 'run', command: 'calendar', options: { json: false } }],
    [['calendar', '--aws-versions', 'v.json', '--report', 'r.md', '--json'], { kind: 'run', command: 'calendar', options: { awsVersions: 'v.json', report: 'r.md', json: true } }],
    [['bootstrap'], { kind: 'run', command: 'bootstrap', options: { yes: false } }],
    [['push-image'], { kind: 'run', command: 'push-image', options: {} }],
    [['push-image', '--tag', '1.4.0'], { kind: 'run', command: 'push-image', options: { tag: '1.4.0' } }],
    [['bootstrap', '--yes', '--outdir', '/tmp/out'], { kind: 'run', command: 'bootstrap', options: { yes: true }, outdir: '/tmp/out' }],
    [['deploy', 'dev'], { kind: 'run', command: 'deploy', options: { env: 'dev', withShared: false, yes: false, dryRun: false, json: false } }],
    [
      ['deploy', 'staging', '--stacks', 'network-staging, cluster-staging', '--with-shared', '--yes', '--image-tag', '1.4.0'],
      { kind: 'run', command: 'deploy', options: { env: 'staging', stacks: ['network-staging', 'cluster-staging'], withShared: true, yes: true, dryRun: false, json: false, imageTag: '1.4.0' } },
    ],
    [['deploy', '--dry-run', 'dev', '--json'], { kind: 'run', command: 'deploy', options: { env: 'dev', withShared: false, yes: false, dryRun: true, json: true } }],
    [['kubeconfig', 'dev'], { kind: 'run', command: 'kubeconfig', options: { env: 'dev', print: false } }],
    [['kubeconfig', 'prod', '--print'], { kind: 'run', command: 'kubeconfig', options: { env: 'prod', print: true } }],
    [['url', 'dev', '--json'], { kind: 'run', command: 'url', options: { env: 'dev', json: true } }],
    [['status', 'staging'], { kind: 'run', command: 'status', options: { env: 'staging', json: false } }],
    [['set-message', 'dev', '--root', 'Hi', '--api', 'Hi API'], { kind: 'run', command: 'set-message', options: { env: 'dev', root: 'Hi', api: 'Hi API', yes: false } }],
    [['set-message', 'dev', '--api=-dash first', '--yes'], { kind: 'run', command: 'set-message', options: { env: 'dev', api: '-dash first', yes: true } }],
    [['destroy', 'dev'], { kind: 'run', command: 'destroy', options: { env: 'dev', iUnderstand: false } }],
    [['destroy', 'prod', '--i-understand', '--confirm', 'prod'], { kind: 'run', command: 'destroy', options: { env: 'prod', iUnderstand: true, confirm: 'prod' } }],
    [['cost', 'prod', '--json', '--with-shared'], { kind: 'run', command: 'cost', options: { env: 'prod', withShared: true, json: true } }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv, ENVS)).toEqual(expected);
  });

  it('covers every command in the cases above', () => {
    expect([...COMMAND_NAMES].sort()).toEqual(['bootstrap', 'calendar', 'check-config', 'cost', 'deploy', 'destroy', 'doctor', 'kubeconfig', 'push-image', 'set-message', 'status', 'url']);
  });
});

describe('parseArgs: help', () => {
  it.each([
    [['--help'], { kind: 'help' }],
    [['-h'], { kind: 'help' }],
    [['help'], { kind: 'help' }],
    [['help', 'deploy'], { kind: 'help', command: 'deploy' }],
    [['deploy', '--help'], { kind: 'help', command: 'deploy' }],
    [['deploy', 'dev', '-h'], { kind: 'help', command: 'deploy' }],
    [['cost', '--bogus', '--help'], { kind: 'help', command: 'cost' }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv, ENVS)).toEqual(expected);
  });
});

describe('parseArgs: bad arguments', () => {
  it.each([
    [[], /no command given/],
    [['bogus'], /unknown command: bogus/],
    [['help', 'bogus'], /unknown command: bogus/],
    [['--verbose'], /unknown option: --verbose \(the command comes first\)/],
    [['doctor', 'dev'], /unexpected argument for doctor: dev/],
    [['doctor', '--workflow', 'cloud'], /--workflow must be one of deploy, local, all, got "cloud"/],
    [['doctor', '--env', 'qa'], /unknown environment: qa \(known environments: dev, staging, prod\)/],
    [['doctor', '--workflow'], /--workflow needs a value/],
    [['bootstrap', '--force'], /unknown option for bootstrap: --force/],
    [['deploy'], /deploy needs an environment \(known environments: dev, staging, prod\)/],
    [['deploy', 'qa'], /unknown environment: qa/],
    [['deploy', 'dev', 'prod'], /unexpected argument for deploy: prod/],
    [['deploy', 'dev', '--json'], /--json is only for --dry-run/],
    [['deploy', 'dev', '--stacks', 'a,,b'], /--stacks takes stack names separated by commas/],
    [['deploy', 'dev', '--image-tag', ''], /--image-tag needs a non-empty value/],
    [['deploy', 'dev', '--yes=no'], /--yes takes no value/],
    [['kubeconfig'], /kubeconfig needs an environment/],
    [['url', 'dev', '--port', '1'], /unknown option for url: --port/],
    [['status', 'prod', '--yes'], /unknown option for status: --yes/],
    [['set-message', 'dev'], /set-message needs --root <text>, --api <text> or both/],
    [['set-message', 'dev', '--root', 'x'.repeat(257)], /--root is 257 characters long; at most 256/],
    [['set-message', 'dev', '--api', 'costs ${price}'], /--api must not contain "\$\{" or "%\{"/],
    [['destroy'], /destroy needs an environment/],
    [['destroy', 'dev', '--yes'], /unknown option for destroy: --yes/],
    [['cost', 'moon'], /unknown environment: moon/],
  ])('rejects %j', (argv, message) => {
    const parsed = parseArgs(argv, ENVS);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});

describe('main', () => {
  it('prints the usage for --help, listing every command and the configured environments, and runs nothing', async () => {
    const f = fake();
    expect(await main(['--help'], f.deps)).toBe(0);
    expect(f.out.join('\n')).toBe(usage(ENVS));
    for (const name of COMMAND_NAMES) expect(usage(ENVS)).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
    expect(usage(ENVS)).toMatch(/Environments: dev, staging, prod/);
    expect(f.calls).toEqual([]);
  });

  it.each(COMMAND_NAMES.map((name) => [name]))('prints the help of `%s --help` and runs nothing', async (name) => {
    const f = fake();
    expect(await main([name, '--help'], f.deps)).toBe(0);
    expect(f.out.join('\n')).toBe(commandUsage(name));
    expect(commandUsage(name)).toMatch(new RegExp(`^Usage: npm run ops -- ${name}`));
    expect(f.calls).toEqual([]);
  });

  it.each([[['bogus']], [['deploy', 'qa']], [['deploy', 'dev', '--frobnicate']], [[]]])('exits 2 with the usage for %j, running nothing', async (argv) => {
    const f = fake();
    expect(await main(argv, f.deps)).toBe(2);
    expect(f.err[0]).toMatch(/^error: /);
    expect(f.err.join('\n')).toMatch(/Usage: npm run ops -- /);
    expect(f.calls).toEqual([]);
  });

  it('takes the known environments from the configuration', async () => {
    const f = fake({ config: { ...fake().deps.config, environments: { dev: fake().deps.config.environments.dev } as never } });
    expect(await main(['deploy', 'prod', '--dry-run'], f.deps)).toBe(2);
    expect(f.err[0]).toBe('error: unknown environment: prod (known environments: dev)');
  });
});
