/** Reading synthesised stacks (cdk.tf.json) for the operator CLI: the shared accessors, and Helm values. */
import { parse as parseYaml } from 'yaml';
import { isToken } from '../lib/tfjson.js';

export { type Attrs, type Found, type TfJson, awsProvider, backendOf, block, isToken, resources } from '../lib/tfjson.js';

/** The documents of a helm_release's `values` list. */
function documents(values: unknown): string[] {
  return Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : [];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(from)) into[k] = isRecord(v) && isRecord(into[k]) ? merge({ ...(into[k] as Record<string, unknown>) }, v) : v;
  return into;
}

/**
 * A helm_release's values documents merged in order, as Helm merges them. Documents without
 * Terraform expressions are YAML (the stacks write JSON, which is YAML); `${yamlencode(...)}`
 * expressions cannot be evaluated here and are skipped (see hclStringValue for reading them).
 * `rendered`: the values of a plan (`terraform show -json`), where every document is plain YAML.
 */
export function mergedValues(values: unknown, options: { rendered?: boolean } = {}): Record<string, unknown> {
  let merged: Record<string, unknown> = {};
  for (const doc of documents(values)) {
    if (!options.rendered && isToken(doc)) continue;
    try {
      const parsed: unknown = parseYaml(doc);
      if (isRecord(parsed)) merged = merge(merged, parsed);
    } catch {
      // not YAML: nothing to read
    }
  }
  return merged;
}

/**
 * A string a `${yamlencode({...})}` expression sets under `key`: the HCL object syntax writes it as
 * `"key" = "value"`.
 */
export function hclStringValue(expression: string, key: string): string | undefined {
  const marker = `"${key}" = "`;
  const at = expression.indexOf(marker);
  if (at < 0) return undefined;
  const start = at + marker.length;
  let end = start;
  while (end < expression.length && expression[end] !== '"') end += expression[end] === '\\' ? 2 : 1;
  try {
    return (JSON.parse(`"${expression.slice(start, end)}"`) as string).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  } catch {
    return expression.slice(start, end);
  }
}

/** A string the release's values set under config.<key> (the service's settings), wherever it is written. */
export function configValue(values: unknown, key: string): string | undefined {
  const config = mergedValues(values).config;
  if (isRecord(config) && typeof config[key] === 'string') return config[key];
  for (const doc of documents(values).filter(isToken)) {
    const found = hclStringValue(doc, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether a helm_release's values enable the chart's top-level ingress (one ALB each). */
export function ingressEnabled(values: unknown): boolean {
  const ingress = mergedValues(values).ingress;
  if (isRecord(ingress) && typeof ingress.enabled === 'boolean') return ingress.enabled;
  return documents(values).some((doc) => isToken(doc) && /[,{]\s*"ingress"\s*=\s*\{\s*"enabled"\s*=\s*true\b/.test(doc));
}
