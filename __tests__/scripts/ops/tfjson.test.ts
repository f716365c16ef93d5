import { describe, expect, it } from 'vitest';
import { awsProvider, backendOf, configValue, hclStringValue, ingressEnabled, mergedValues, resources, type TfJson } from '../../../scripts/ops/tfjson.js';
import { synthPlatform } from '../../stacks/support/platform.js';

describe('the synthesised app stack, as the CLI reads it', () => {
  const platform = synthPlatform({ environments: 'dev' });
  const app = platform.json('app-dev') as unknown as TfJson;
  const releases = resources(app, 'helm_release');

  it('has one release whose values set the messages and enable the ingress', () => {
    const withMessages = releases.filter((r) => configValue(r.attrs.values, 'rootMessage') !== undefined);
    expect(withMessages).toHaveLength(1);
    expect(configValue(withMessages[0]!.attrs.values, 'rootMessage')).toBe('Hello from hono-api');
    expect(configValue(withMessages[0]!.attrs.values, 'apiMessage')).toBe('Hello from the hono-api API');
    expect(ingressEnabled(withMessages[0]!.attrs.values)).toBe(true);
  });

  it('reads the region, allowed accounts and backend', () => {
    expect(awsProvider(app)).toEqual({ region: 'eu-west-1', allowedAccountIds: [] });
    expect(backendOf(app)).toMatchObject({ kind: 's3', config: { key: 'hono-api/app-dev.tfstate' } });
  });
});

describe('values documents', () => {
  it('merges static documents in order, skipping Terraform expressions', () => {
    const values = ['{"config":{"rootMessage":"a","apiMessage":"b"},"ingress":{"enabled":true}}', 'config:\n  rootMessage: c\n', '${yamlencode({"image" = {"repository" = data.x.y}})}'];
    expect(mergedValues(values)).toEqual({ config: { rootMessage: 'c', apiMessage: 'b' }, ingress: { enabled: true } });
    expect(configValue(values, 'rootMessage')).toBe('c');
  });

  it('reads messages and the ingress from a yamlencode() expression', () => {
    const expression = '${yamlencode({"replicaCount" = 2, "config" = {"rootMessage" = "Hi \\"you\\"", "apiMessage" = "cost $${x}"}, "ingress" = {"enabled" = true}})}';
    expect(hclStringValue(expression, 'rootMessage')).toBe('Hi "you"');
    expect(hclStringValue(expression, 'apiMessage')).toBe('cost ${x}');
    expect(configValue([expression], 'rootMessage')).toBe('Hi "you"');
    expect(ingressEnabled([expression])).toBe(true);
    expect(ingressEnabled([expression.replace('"enabled" = true', '"enabled" = false')])).toBe(false);
  });

  it('reads a disabled ingress, and none at all', () => {
    expect(ingressEnabled(['{"ingress":{"enabled":false}}'])).toBe(false);
    expect(ingressEnabled(['{"grafana":{"ingress":{"enabled":true}}}'])).toBe(false);
    expect(ingressEnabled(undefined)).toBe(false);
  });
});
