/**
 * helmValues: static values as JSON; values with references through yamlencode, refusing the
 * strings cdktf 0.21 would write unescaped into the HCL expression.
 */
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { helmValues } from '../../../stacks/constructs/helm-values.js';
import { helmReleaseValues } from '../support/hcl.js';

/** A token standing for a value Terraform resolves, as a resource attribute would be. */
function reference(): string {
  const stack = new TerraformStack(Testing.app(), 's');
  return new TerraformVariable(stack, 'v', { type: 'string' }).stringValue;
}

describe('helmValues', () => {
  it('writes values without references as JSON, quotes and all', () => {
    const values = { ingress: { annotations: { 'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]' } }, replicas: 2 };
    const doc = helmValues(values);
    expect(JSON.parse(doc)).toEqual(values);
  });

  it('uses yamlencode when a value is a reference', () => {
    expect(helmValues({ image: { repository: reference() } })).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
  });

  it('refuses a quote or backslash next to a reference, naming the value', () => {
    expect(() => helmValues({ vpcId: reference(), annotations: { a: 'say "hi"' } })).toThrow(/annotations\.a = "say \\"hi\\"" contains " or \\/);
    expect(() => helmValues({ vpcId: reference(), list: ['C:\\path'] })).toThrow(/list\[0\]/);
  });

  it('helmReleaseValues merges documents in order, as Helm does', () => {
    expect(helmReleaseValues(['{"a":{"b":1,"c":[1]},"d":1}', '${yamlencode({"a" = {"c" = [2]}, "e" = x.y.z})}'])).toEqual({ a: { b: 1, c: [2] }, d: 1, e: '${x.y.z}' });
  });
});
