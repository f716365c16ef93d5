/**
 * Small accessors for synthesized Terraform JSON (`cdk.tf.json`): find resources by type, follow
 * `${type.id.attr}` references to the resource they name, read the backend and provider, and walk
 * into nested blocks without `any`. Shared by the operator CLI and the stack tests.
 */

export type Attrs = Record<string, unknown>;

export interface TfJson {
  readonly resource?: Record<string, Record<string, Attrs>>;
  readonly data?: Record<string, Record<string, Attrs>>;
  readonly provider?: Record<string, Attrs[]>;
  readonly output?: Record<string, Attrs>;
  readonly terraform?: {
    readonly backend?: Record<string, Attrs>;
    readonly required_providers?: Record<string, { source: string; version: string }>;
    readonly required_version?: string;
  };
}

export interface Found {
  readonly type: string;
  readonly id: string;
  readonly attrs: Attrs;
  /** The Terraform address, e.g. aws_s3_bucket.state_bucket_803B4E61 or data.aws_vpc.vpc. */
  readonly address: string;
}

/** Every resource of a type, in the (sorted) order of their ids. */
export function resources(json: TfJson, type: string): Found[] {
  return Object.entries(json.resource?.[type] ?? {}).map(([id, attrs]) => ({ type, id, attrs, address: `${type}.${id}` }));
}

export function dataSources(json: TfJson, type: string): Found[] {
  return Object.entries(json.data?.[type] ?? {}).map(([id, attrs]) => ({ type, id, attrs, address: `data.${type}.${id}` }));
}

/** The one resource of a type; fails with the ids found otherwise. */
export function only(json: TfJson, type: string, kind: 'resource' | 'data' = 'resource'): Found {
  const found = kind === 'resource' ? resources(json, type) : dataSources(json, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind} ${type}, found ${found.length}: ${found.map((f) => f.id).join(', ')}`);
  return found[0]!;
}

/** Every managed resource of the stack, of any type. */
export function allResources(json: TfJson): Found[] {
  return Object.keys(json.resource ?? {}).flatMap((type) => resources(json, type));
}

export function allDataSources(json: TfJson): Found[] {
  return Object.keys(json.data ?? {}).flatMap((type) => dataSources(json, type));
}

/** The `${address.attr}` reference string Terraform JSON uses for an attribute of `found`. */
export const ref = (found: Found, attr: string) => `\${${found.address}.${attr}}`;

/**
 * The resource or data source a whole-value reference such as `${aws_kms_key.key_1.arn}` (or a bare
 * `aws_kms_key.key_1.arn` from a decoded jsonencode) points at; fails when it points nowhere.
 */
export function deref(json: TfJson, reference: unknown): Found & { attr: string } {
  if (typeof reference !== 'string') throw new Error(`expected a reference, got ${JSON.stringify(reference)}`);
  const m = /^(?:\$\{)?(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_.[\]]+?)\}?$/.exec(reference);
  if (!m) throw new Error(`not a whole-value reference: ${reference}`);
  const [, data, type, id, attr] = m as unknown as [string, string | undefined, string, string, string];
  const attrs = (data ? json.data : json.resource)?.[type]?.[id];
  if (!attrs) throw new Error(`${reference} refers to ${data ?? ''}${type}.${id}, which is not in the stack`);
  return { type, id, attrs, attr, address: `${data ?? ''}${type}.${id}` };
}

/** Whether a value (a string or anything containing strings) mentions `found` by address. */
export function mentions(value: unknown, found: Found): boolean {
  return JSON.stringify(value).includes(`${found.address}.`);
}

/**
 * Walks into nested attributes: at(x, 'rule', 0, 'status'). A single nested block synthesizes as an
 * object and a repeated one as an array; a numeric step 0 on an object returns the object itself,
 * so a path works for either shape.
 */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (typeof step === 'number') {
      if (Array.isArray(current)) current = current[step];
      else if (step === 0 && current !== null && typeof current === 'object') continue;
      else return undefined;
    } else if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      current = (current as Record<string, unknown>)[step];
    } else {
      return undefined;
    }
  }
  return current;
}

/** A list attribute (or a single value) as an array. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

/** The tags map of a resource, or undefined. */
export const tagsOf = (found: Found) => found.attrs.tags as Record<string, string> | undefined;

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
