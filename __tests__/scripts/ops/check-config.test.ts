/**
 * Example values never reach AWS: check-config, bootstrap, deploy and set-message refuse the example
 * configuration before they run anything (no synth, no terraform, no AWS call), naming each field
 * and how to fill it in; deploy --dry-run and a filled-in fork go ahead.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../../scripts/ops/cli.js';
import { platformConfig } from '../../../stacks/config/environments.js';
import { forkConfig } from '../../support/fork-config.js';
import { awsResponder, fake, platformFixture, synthResponder, terraformResponder } from './fakes.js';

const setup = (config = platformConfig) =>
  fake({ config, respond: [synthResponder(({ env }) => platformFixture(env)), terraformResponder({}), awsResponder({ credentials: true })] });

const SHARED = ['state.bucketName', 'shared.allowedAccountIds', 'shared.github.repository'];
const PROD = ['environments.prod.allowedAccountIds', 'environments.prod.cluster.adminPrincipalArns', 'environments.prod.dns.domain', 'environments.prod.dns.hostedZoneId'];
const fieldsIn = (text: string) => [...text.matchAll(/^ {2}- (\S+) = /gm)].map((m) => m[1]);

describe('example values are refused before anything touches AWS', () => {
  it.each([
    [['check-config', 'prod'], [...SHARED, ...PROD]],
    [['deploy', 'prod', '--yes'], [...SHARED, ...PROD]],
    [['set-message', 'prod', '--root', 'hi', '--yes'], [...SHARED, ...PROD]],
    [['bootstrap', '--yes'], SHARED],
  ])('%j: exit 1, one line per field with its fix, nothing run', async (argv, fields) => {
    const f = setup();
    expect(await main(argv, f.deps)).toBe(1);
    const text = f.err.join('\n');
    expect(text).toMatch(/still runs with example values; fill them in in stacks\/config\/environments\.ts first/);
    expect(fieldsIn(text)).toEqual(fields);
    for (const line of text.split('\n').filter((l) => l.startsWith('  - '))) expect(line).toMatch(/\(fix: .+\)$/);
    expect(f.calls).toEqual([]);
  });

  it('a dry run still works on the example configuration (it calls neither terraform nor AWS)', async () => {
    const f = setup();
    expect(await main(['deploy', 'dev', '--dry-run'], f.deps)).toBe(0);
  });

  it('a filled-in fork passes check-config and goes on to synth and plan', async () => {
    const ready = setup(forkConfig());
    expect(await main(['check-config', 'prod'], ready.deps)).toBe(0);
    expect(ready.out.join('\n')).toMatch(/no example values left/);
    await main(['deploy', 'dev', '--yes'], ready.deps);
    expect(ready.calls.map((c) => c.line)).toContain('node --import tsx main.ts');
  });

  it('one field left is one line: an empty account guard in one environment', async () => {
    const base = forkConfig();
    const config = { ...base, environments: { ...base.environments, staging: { ...base.environments.staging, allowedAccountIds: [] } } };
    const f = setup(config);
    expect(await main(['check-config', 'staging'], f.deps)).toBe(1);
    expect(fieldsIn(f.err.join('\n'))).toEqual(['environments.staging.allowedAccountIds']);
    expect(await main(['check-config', 'prod'], setup(config).deps)).toBe(0);
  });
});
