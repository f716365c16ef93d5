/**
 * Validates rendered objects against the Kubernetes OpenAPI schemas.
 *
 * Built-in kinds go through kubernetes-models: apiVersion `v1` maps to `kubernetes-models/v1`,
 * `group/version` to `kubernetes-models/group/version`, and the kind to the class of that name
 * (e.g. `new Deployment(obj).validate()`). The CRDs the charts render (Prometheus Operator,
 * External Secrets, Gateway API, cert-manager) are not in kubernetes-models core, so their required
 * structure is checked here by hand; when the matching @kubernetes-models/* package is installed its
 * schema is applied as well. Anything else throws: an unknown apiVersion/kind is never skipped silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../scripts/lib/helm.js';
import type { K8sObject } from '../../scripts/lib/helm.js';

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: unknown): { validate(): void };
}

function isModelClass(value: unknown): value is ModelClass {
  return typeof value === 'function' && typeof (value as { kind?: unknown }).kind === 'string';
}

const API_VERSION = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;

/** The `exports` subpaths of an installed package, or undefined when it is not installed. */
function exportedSubpaths(pkg: string): Set<string> | undefined {
  const file = path.join(REPO_ROOT, 'node_modules', ...pkg.split('/'), 'package.json');
  if (!existsSync(file)) return undefined;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { exports?: Record<string, unknown> };
  return new Set(Object.keys(manifest.exports ?? {}));
}

/**
 * Imports `pkg/subpath` when the package is installed and exports that subpath, else undefined.
 * Checking the exports map first keeps a genuine import failure from passing as "not covered".
 */
async function importExported(pkg: string, subpath: string): Promise<Record<string, unknown> | undefined> {
  if (!exportedSubpaths(pkg)?.has(`./${subpath}`)) return undefined;
  return (await import(`${pkg}/${subpath}`)) as Record<string, unknown>;
}

/** The kubernetes-models class for an apiVersion/kind, or undefined when the package has none. */
export async function coreModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!API_VERSION.test(apiVersion)) return undefined;
  const mod = await importExported('kubernetes-models', apiVersion);
  const model = mod?.[kind];
  if (!isModelClass(model) || model.kind !== kind || model.apiVersion !== apiVersion) return undefined;
  return model;
}

type StructureCheck = (object: K8sObject) => string[];

const DURATION = /^(0|([0-9]+(\.[0-9]+)?(ms|s|m|h|d|w|y))+)$/;
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function stringMap(value: unknown): boolean {
  const map = record(value);
  return map !== undefined && Object.values(map).every((v) => typeof v === 'string');
}

function specOf(object: K8sObject, problems: string[]): Record<string, unknown> {
  const spec = record(object.spec);
  if (!spec) problems.push('spec is required');
  return spec ?? {};
}

/** monitoring.coreos.com/v1 ServiceMonitor: a selector, and endpoints each naming a port. */
function checkServiceMonitor(object: K8sObject): string[] {
  const problems: string[] = [];
  const spec = specOf(object, problems);
  const selector = record(spec.selector);
  if (!selector) problems.push('spec.selector is required');
  else if (selector.matchLabels !== undefined && !stringMap(selector.matchLabels)) problems.push('spec.selector.matchLabels must map strings to strings');
  const namespaceSelector = record(spec.namespaceSelector);
  if (namespaceSelector?.matchNames !== undefined && !(Array.isArray(namespaceSelector.matchNames) && namespaceSelector.matchNames.every(nonEmptyString))) {
    problems.push('spec.namespaceSelector.matchNames must be a list of names');
  }
  const endpoints = spec.endpoints;
  if (!Array.isArray(endpoints) || endpoints.length === 0) problems.push('spec.endpoints must be a non-empty list');
  else
    endpoints.forEach((raw, i) => {
      const endpoint = record(raw);
      if (!endpoint) return void problems.push(`spec.endpoints[${i}] must be an object`);
      if (!nonEmptyString(endpoint.port) && endpoint.targetPort === undefined) problems.push(`spec.endpoints[${i}] needs port (a Service port name) or targetPort`);
      if (endpoint.path !== undefined && !(typeof endpoint.path === 'string' && endpoint.path.startsWith('/'))) problems.push(`spec.endpoints[${i}].path must start with /`);
      for (const key of ['interval', 'scrapeTimeout'] as const) {
        if (endpoint[key] !== undefined && !(typeof endpoint[key] === 'string' && DURATION.test(endpoint[key]))) problems.push(`spec.endpoints[${i}].${key} must be a Prometheus duration`);
      }
      const authorization = record(endpoint.authorization);
      if (endpoint.authorization !== undefined) {
        const credentials = record(authorization?.credentials);
        if (!credentials || !nonEmptyString(credentials.key)) problems.push(`spec.endpoints[${i}].authorization.credentials needs a key`);
      }
    });
  return problems;
}

/** monitoring.coreos.com/v1 PrometheusRule: groups with a name and rules that alert or record an expr. */
function checkPrometheusRule(object: K8sObject): string[] {
  const problems: string[] = [];
  const spec = specOf(object, problems);
  const groups = spec.groups;
  if (!Array.isArray(groups)) return [...problems, 'spec.groups must be a list'];
  const names = new Set<string>();
  groups.forEach((raw, g) => {
    const group = record(raw);
    if (!group || !nonEmptyString(group.name)) return void problems.push(`spec.groups[${g}].name is required`);
    if (names.has(group.name)) problems.push(`spec.groups[${g}].name ${group.name} is duplicated`);
    names.add(group.name);
    if (!Array.isArray(group.rules)) return void problems.push(`spec.groups[${g}].rules must be a list`);
    group.rules.forEach((rawRule, r) => {
      const rule = record(rawRule);
      const at = `spec.groups[${g}].rules[${r}]`;
      if (!rule) return void problems.push(`${at} must be an object`);
      const alert = nonEmptyString(rule.alert);
      const recordName = nonEmptyString(rule.record);
      if (alert === recordName) problems.push(`${at} needs exactly one of alert or record`);
      if (!(typeof rule.expr === 'string' && rule.expr.trim().length > 0) && typeof rule.expr !== 'number') problems.push(`${at}.expr is required`);
      if (rule.for !== undefined && !(typeof rule.for === 'string' && DURATION.test(rule.for))) problems.push(`${at}.for must be a Prometheus duration`);
      if (rule.labels !== undefined && !stringMap(rule.labels)) problems.push(`${at}.labels must map strings to strings`);
      if (rule.annotations !== undefined && !stringMap(rule.annotations)) problems.push(`${at}.annotations must map strings to strings`);
    });
  });
  return problems;
}

/** external-secrets.io/v1 ExternalSecret: a store reference, a target and data entries with remote keys. */
function checkExternalSecret(object: K8sObject): string[] {
  const problems: string[] = [];
  const spec = specOf(object, problems);
  const store = record(spec.secretStoreRef);
  if (!store || !nonEmptyString(store.name)) problems.push('spec.secretStoreRef.name is required');
  if (store?.kind !== undefined && store.kind !== 'SecretStore' && store.kind !== 'ClusterSecretStore') problems.push('spec.secretStoreRef.kind must be SecretStore or ClusterSecretStore');
  if (spec.refreshInterval !== undefined && !(typeof spec.refreshInterval === 'string' && GO_DURATION.test(spec.refreshInterval))) problems.push('spec.refreshInterval must be a Go duration');
  const target = record(spec.target);
  if (spec.target !== undefined && !target) problems.push('spec.target must be an object');
  if (target?.creationPolicy !== undefined && !['Owner', 'Orphan', 'Merge', 'None'].includes(target.creationPolicy as string)) problems.push('spec.target.creationPolicy must be Owner, Orphan, Merge or None');
  const data = spec.data;
  if (data === undefined && spec.dataFrom === undefined) problems.push('spec.data or spec.dataFrom is required');
  if (data !== undefined && !Array.isArray(data)) problems.push('spec.data must be a list');
  if (Array.isArray(data))
    data.forEach((raw, i) => {
      const entry = record(raw);
      if (!entry || !nonEmptyString(entry.secretKey)) problems.push(`spec.data[${i}].secretKey is required`);
      if (!nonEmptyString(record(entry?.remoteRef)?.key)) problems.push(`spec.data[${i}].remoteRef.key is required`);
    });
  return problems;
}

/** gateway.networking.k8s.io/v1 HTTPRoute: parentRefs by name, path matches and Service backends with a port. */
function checkHTTPRoute(object: K8sObject): string[] {
  const problems: string[] = [];
  const spec = specOf(object, problems);
  const parentRefs = spec.parentRefs;
  if (parentRefs !== undefined && !(Array.isArray(parentRefs) && parentRefs.length <= 32)) problems.push('spec.parentRefs must be a list of at most 32');
  if (Array.isArray(parentRefs))
    parentRefs.forEach((raw, i) => {
      const ref = record(raw);
      if (!ref || !(nonEmptyString(ref.name) && ref.name.length <= 253)) problems.push(`spec.parentRefs[${i}].name is required`);
      if (ref?.port !== undefined && !(Number.isInteger(ref.port) && (ref.port as number) >= 1 && (ref.port as number) <= 65535)) problems.push(`spec.parentRefs[${i}].port must be 1-65535`);
    });
  const hostnames = spec.hostnames;
  if (hostnames !== undefined && !(Array.isArray(hostnames) && hostnames.length <= 16 && hostnames.every((h) => typeof h === 'string' && HOSTNAME.test(h)))) {
    problems.push('spec.hostnames must be at most 16 host names');
  }
  const rules = spec.rules;
  if (rules !== undefined && !(Array.isArray(rules) && rules.length <= 16)) problems.push('spec.rules must be a list of at most 16');
  if (Array.isArray(rules))
    rules.forEach((rawRule, r) => {
      const rule = record(rawRule) ?? {};
      const matches = rule.matches;
      if (Array.isArray(matches))
        matches.forEach((rawMatch, m) => {
          const pathMatch = record(record(rawMatch)?.path);
          if (!pathMatch) return;
          if (pathMatch.type !== undefined && !['Exact', 'PathPrefix', 'RegularExpression'].includes(pathMatch.type as string)) problems.push(`spec.rules[${r}].matches[${m}].path.type is invalid`);
          if (pathMatch.type !== 'RegularExpression' && !(typeof pathMatch.value === 'string' && pathMatch.value.startsWith('/'))) problems.push(`spec.rules[${r}].matches[${m}].path.value must start with /`);
        });
      const backendRefs = rule.backendRefs;
      if (Array.isArray(backendRefs))
        backendRefs.forEach((rawRef, b) => {
          const ref = record(rawRef);
          const at = `spec.rules[${r}].backendRefs[${b}]`;
          if (!ref || !(nonEmptyString(ref.name) && DNS_SUBDOMAIN.test(ref.name))) return void problems.push(`${at}.name is required`);
          const isService = (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service';
          if (isService && ref.port === undefined) problems.push(`${at}.port is required for a Service backend`);
          if (ref.port !== undefined && !(Number.isInteger(ref.port) && (ref.port as number) >= 1 && (ref.port as number) <= 65535)) problems.push(`${at}.port must be 1-65535`);
        });
    });
  return problems;
}

/** external-secrets.io/v1 ClusterSecretStore: one provider; AWS needs a service and a region; conditions name namespaces. */
function checkClusterSecretStore(object: K8sObject): string[] {
  const problems: string[] = [];
  const spec = specOf(object, problems);
  const provider = record(spec.provider);
  if (!provider || Object.keys(provider).length !== 1) return [...problems, 'spec.provider must name exactly one provider'];
  const aws = record(provider.aws);
  if (provider.aws !== undefined) {
    if (!aws) problems.push('spec.provider.aws must be an object');
    else {
      if (!['SecretsManager', 'ParameterStore'].includes(aws.service as string)) problems.push('spec.provider.aws.service must be SecretsManager or ParameterStore');
      if (!(nonEmptyString(aws.region) && /^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(aws.region))) problems.push('spec.provider.aws.region must be an AWS region');
    }
  }
  const conditions = spec.conditions;
  if (conditions !== undefined && !Array.isArray(conditions)) problems.push('spec.conditions must be a list');
  if (Array.isArray(conditions))
    conditions.forEach((raw, i) => {
      const c = record(raw);
      const names = c?.namespaces;
      if (!c || (names === undefined && c.namespaceSelector === undefined && c.namespaceRegexes === undefined)) problems.push(`spec.conditions[${i}] needs namespaces, namespaceSelector or namespaceRegexes`);
      if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string' && DNS_SUBDOMAIN.test(n)))) problems.push(`spec.conditions[${i}].namespaces must be namespace names`);
    });
  return problems;
}

/** cert-manager.io/v1 ClusterIssuer: one issuer type; ACME needs a server, an account key secret and solvers of one kind each. */
function checkClusterIssuer(object: K8sObject): string[] {
  const problems: string[] = [];
  const spec = specOf(object, problems);
  const kinds = ['acme', 'ca', 'selfSigned', 'vault', 'venafi'].filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1) return [...problems, 'spec needs exactly one of acme, ca, selfSigned, vault, venafi'];
  const acme = record(spec.acme);
  if (spec.acme === undefined) return problems;
  if (!acme) return [...problems, 'spec.acme must be an object'];
  if (!(typeof acme.server === 'string' && /^https:\/\//.test(acme.server))) problems.push('spec.acme.server must be an https URL');
  if (acme.email !== undefined && !(typeof acme.email === 'string' && /^[^@\s]+@[^@\s]+$/.test(acme.email))) problems.push('spec.acme.email must be an e-mail address');
  if (!nonEmptyString(record(acme.privateKeySecretRef)?.name)) problems.push('spec.acme.privateKeySecretRef.name is required');
  const solvers = acme.solvers;
  if (!Array.isArray(solvers) || solvers.length === 0) return [...problems, 'spec.acme.solvers must be a non-empty list'];
  solvers.forEach((raw, i) => {
    const solver = record(raw) ?? {};
    const at = `spec.acme.solvers[${i}]`;
    if ((solver.http01 === undefined) === (solver.dns01 === undefined)) problems.push(`${at} needs exactly one of http01 or dns01`);
    const zones = record(solver.selector)?.dnsZones;
    if (zones !== undefined && !(Array.isArray(zones) && zones.every((z) => typeof z === 'string' && HOSTNAME.test(z)))) problems.push(`${at}.selector.dnsZones must be domains`);
    const route53 = record(record(solver.dns01)?.route53);
    if (route53) {
      if (route53.region !== undefined && !nonEmptyString(route53.region)) problems.push(`${at}.dns01.route53.region must be a region`);
      if (route53.hostedZoneID !== undefined && !(typeof route53.hostedZoneID === 'string' && /^Z[A-Z0-9]+$/.test(route53.hostedZoneID))) problems.push(`${at}.dns01.route53.hostedZoneID must be a hosted zone id`);
    }
  });
  return problems;
}

interface CrdRule {
  check: StructureCheck;
  /** The chart of this repository that renders the kind (its CI values files must cover it). */
  chart: 'hono-api' | 'platform-config';
  /** The @kubernetes-models package with this apiVersion's schema, used when installed. */
  modelPackage: string;
}

/** The CRDs the chart may render, by `apiVersion kind`. */
export const CRD_RULES: Readonly<Record<string, CrdRule>> = {
  'monitoring.coreos.com/v1 ServiceMonitor': { check: checkServiceMonitor, chart: 'hono-api', modelPackage: '@kubernetes-models/prometheus-operator' },
  'monitoring.coreos.com/v1 PrometheusRule': { check: checkPrometheusRule, chart: 'hono-api', modelPackage: '@kubernetes-models/prometheus-operator' },
  'external-secrets.io/v1 ExternalSecret': { check: checkExternalSecret, chart: 'hono-api', modelPackage: '@kubernetes-models/external-secrets' },
  'gateway.networking.k8s.io/v1 HTTPRoute': { check: checkHTTPRoute, chart: 'hono-api', modelPackage: '@kubernetes-models/gateway-api' },
  'external-secrets.io/v1 ClusterSecretStore': { check: checkClusterSecretStore, chart: 'platform-config', modelPackage: '@kubernetes-models/external-secrets' },
  'cert-manager.io/v1 ClusterIssuer': { check: checkClusterIssuer, chart: 'platform-config', modelPackage: '@kubernetes-models/cert-manager' },
};

/** The model class from the CRD's @kubernetes-models package, or undefined when it is not installed. */
export async function crdModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const rule = CRD_RULES[`${apiVersion} ${kind}`];
  if (!rule) return undefined;
  const model = (await importExported(rule.modelPackage, apiVersion))?.[kind];
  return isModelClass(model) ? model : undefined;
}

function metadataProblems(object: K8sObject): string[] {
  const name = object.metadata?.name;
  return typeof name === 'string' && name.length > 0 ? [] : ['metadata.name is required'];
}

export class UnknownKindError extends Error {
  constructor(object: K8sObject) {
    super(
      `${object.apiVersion} ${object.kind} (${object.metadata?.name ?? 'unnamed'}) is neither in kubernetes-models nor a CRD known to __tests__/helm/k8s-validate.ts: ` +
        'add a structure check (and its @kubernetes-models package) there instead of leaving it unvalidated',
    );
    this.name = 'UnknownKindError';
  }
}

export interface ValidationReport {
  /** `kubernetes-models`, `structure` or `structure+<package>`. */
  validatedBy: string;
}

/** Validates one object; throws with every problem found, or UnknownKindError for an unknown type. */
export async function validateObject(object: K8sObject): Promise<ValidationReport> {
  const id = `${object.apiVersion} ${object.kind} ${object.metadata?.name ?? ''}`.trim();
  const crd = CRD_RULES[`${object.apiVersion} ${object.kind}`];
  if (crd) {
    const problems = [...metadataProblems(object), ...crd.check(object)];
    if (problems.length > 0) throw new Error(`${id}: ${problems.join('; ')}`);
    const model = await crdModel(object.apiVersion, object.kind);
    if (!model) return { validatedBy: 'structure' };
    try {
      new model(object).validate();
    } catch (error) {
      throw new Error(`${id}: ${(error as Error).message}`, { cause: error });
    }
    return { validatedBy: `structure+${crd.modelPackage}` };
  }
  const model = await coreModel(object.apiVersion, object.kind);
  if (!model) throw new UnknownKindError(object);
  const problems = metadataProblems(object);
  if (problems.length > 0) throw new Error(`${id}: ${problems.join('; ')}`);
  try {
    new model(object).validate();
  } catch (error) {
    throw new Error(`${id}: ${(error as Error).message}`, { cause: error });
  }
  return { validatedBy: 'kubernetes-models' };
}
