/**
 * No secret in Terraform's plan or state: no stack generates or passes a secret through a stored
 * attribute (Grafana's admin password is ephemeral and written with data_wo), judged on every
 * synthesised stack; the scanners' broken twins (a planted random_password, a Secret with `data`,
 * a state file holding a password) must be caught. The state files of the emulated bootstrap are
 * scanned by __tests__/stacks/bootstrap.test.ts with the same function.
 */
import { describe, expect, it } from 'vitest';
import { secretsInConfiguration, secretsInState } from './support/secrets.js';
import { configWith, synthPlatform } from './support/platform.js';
import type { TfJson } from './support/tfjson.js';

const platform = synthPlatform({ environments: 'all' });

describe('no secret in any stack\'s plan or state', () => {
  it.each(platform.ids)('%s', (id) => {
    expect(secretsInConfiguration(platform.json(id))).toEqual([]);
  });

  it('with every add-on on in every environment too', () => {
    const all = synthPlatform({ environments: 'all', config: configWith((c) => Object.values(c.environments).forEach((e) => (e.platform.externalSecrets.enabled = true))) });
    for (const id of all.ids) expect(secretsInConfiguration(all.json(id)), id).toEqual([]);
  });
});

describe('the scanners catch what they exist for (broken twins)', () => {
  it('a planted random_password and a Secret with data in a stack', () => {
    const planted = JSON.parse(JSON.stringify(platform.json('platform-dev'))) as TfJson & { resource: Record<string, Record<string, unknown>> };
    planted.resource.random_password = { grafana: { length: 32 } };
    (planted.resource.kubernetes_secret_v1 as Record<string, Record<string, unknown>>)['extra'] = { metadata: [{ name: 'x' }], data: { password: '${random_password.grafana.result}' } };
    expect(secretsInConfiguration(planted).sort()).toEqual([
      'kubernetes_secret_v1.extra.data: stored in state (use data_wo with a revision)',
      'random_password.grafana: its result is stored in state (use ephemeral "random_password")',
    ]);
  });

  it('a state file holding a generated password, and one with a sensitive attribute set', () => {
    const state = {
      resources: [
        { type: 'random_password', name: 'grafana', instances: [{ attributes: { result: 'hunter2hunter2', length: 14 }, sensitive_attributes: [[{ type: 'get_attr', value: 'result' }]] }] },
        { type: 'kubernetes_secret_v1', name: 'admin', instances: [{ attributes: { data: { 'admin-password': 'hunter2' } }, sensitive_attributes: [[{ type: 'get_attr', value: 'data' }]] }] },
        { type: 'kubernetes_secret_v1', name: 'written', instances: [{ attributes: { data: null, data_wo: null, data_wo_revision: 1 }, sensitive_attributes: [[{ type: 'get_attr', value: 'data' }]] }] },
      ],
    };
    expect(secretsInState(state)).toEqual(['random_password.grafana: holds its generated secret', 'random_password.grafana.result: a sensitive value in state', 'kubernetes_secret_v1.admin.data: a sensitive value in state']);
  });
});
