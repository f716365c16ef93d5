/** Reading synthesised stacks (cdk.tf.json): resources by type, backend, provider settings, Helm values. */
import { parse as parseYaml } from 'yaml';

export type Attrs = Record<string, unknown>;

export interface TfJson {
  readonly resource?: Record<string, Record<string, Attrs>>;
  readonly data?: Record<string, Record<string, Attrs>>;
  readonly provider?: Record<string, Attrs[]>;
  readonly output?: Record<string, Attrs>;
  readonly terraform?: { readonly backend?: Record<string, Attrs> };
}

export interface Found {
  readonly type: string;
  readonly id: string;
  readonly attrs: Attrs;
}

export function resources(json: TfJson, type: string): Found[] {
  return Object.entries(json.resource?.[type] ?? {}).map(([id, attrs]) => ({ type, id, attrs }));
}

/** A nested block: cdktf writes single blocks as objects and repeated ones as lists. */
export function block(value: unknown): Attrs | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'object' && first !== null ? (first as Attrs) : undefined;
}

export function backendOf(json: TfJson): { kind: string; config: Attrs } | undefined {
  const entry = Object.entries(json.terraform?.backend ?? {})[0];
  return entry ? { kind: entry[0], config: entry[1] } : undefined;
}

/** The first AWS provider block: region and allowed accounts. */
export function awsProvider(json: TfJson): { region?: string; allowedAccountIds: string[] } {
  const p = json.provider?.aws?.[0] ?? {};
  const ids = Array.isArray(p.allowed_account_ids) ? p.allowed_account_ids.filter((x): x is string => typeof x === 'string') : [];
  return { ...(typeof p.region === 'string' ? { region: p.region } : {}), allowedAccountIds: ids };
}

/** Whether a value is (or contains) an unresolved Terraform expression. */
export const isToken = (value: unknown) => typeof value === 'string' && value.includes('${');

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
