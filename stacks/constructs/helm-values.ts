/**
 * A Helm values document for a helm_release `values` entry.
 *
 * Values without Terraform references are written as JSON (valid YAML) and reach Helm exactly as
 * written. Values with references must go through `yamlencode(...)`, and cdktf 0.21 writes the
 * string literals of that expression without escaping `"` or `\` (an annotation such as
 * `[{"HTTP": 80}]` would make invalid HCL): such strings are refused here, with the fix. Keep
 * references in a small document of their own and the rest in a static one; Helm merges the
 * documents in order.
 */
import { Fn, Token } from 'cdktf';

/** Every string and number leaf of a value, with its path. */
function* leaves(value: unknown, at: string): Generator<[string, unknown]> {
  if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* leaves(v, `${at}[${i}]`);
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* leaves(v, at ? `${at}.${k}` : k);
  else yield [at, value];
}

const hasReference = (value: unknown) => [...leaves(value, '')].some(([, v]) => (typeof v === 'string' || typeof v === 'number') && Token.isUnresolved(v));

export function helmValues(values: Record<string, unknown>): string {
  if (!hasReference(values)) return JSON.stringify(values);
  for (const [at, v] of leaves(values, ''))
    if (typeof v === 'string' && !Token.isUnresolved(v) && /["\\]/.test(v))
      throw new Error(`helm values: ${at} = ${JSON.stringify(v)} contains " or \\, which cdktf does not escape inside yamlencode(); move it to a values document without Terraform references`);
  return Fn.yamlencode(values);
}
