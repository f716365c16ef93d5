/**
 * Shared helpers for the chart tests: discovering the CI values files, rendering and linting the
 * chart with Helm (cached per input within a test file), and reading the rendered objects.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { afterAll } from 'vitest';
import { parse, stringify } from 'yaml';
import { REPO_ROOT, helmLint, helmTemplate, parseManifestDocuments } from '../../scripts/lib/helm.js';
import type { HelmResult, K8sObject, ManifestDocument, SetValue } from '../../scripts/lib/helm.js';
import { platformConfig } from '../../stacks/config/environments.js';

export const CHART_DIR = path.join(REPO_ROOT, 'helm', 'hono-api');
/** The Kubernetes version the chart tests render for: the production clusters' minor. */
export const KUBE_VERSION = `${platformConfig.environments.prod.cluster.version}.0`;
export const RELEASE = 'demo';
export const NAMESPACE = 'apps';

/** Every `ci/*-values.yaml` file of the chart (what chart-testing lints and installs), sorted. */
export const CI_VALUES_FILES: readonly string[] = readdirSync(path.join(CHART_DIR, 'ci'))
  .filter((file) => file.endsWith('-values.yaml'))
  .sort()
  .map((file) => path.join(CHART_DIR, 'ci', file));
if (CI_VALUES_FILES.length === 0) throw new Error(`no ci/*-values.yaml files in ${CHART_DIR}`);


/** A short label for a values file in test names: `ci/full-values.yaml`. */
export function label(file: string): string {
  return path.relative(path.dirname(path.dirname(file)), file);
}

export const CHART = parse(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { name: string; version: string; appVersion: string };
export const DEFAULT_VALUES = parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;

/** The parsed content of a values file ({} for an empty one). */
export function readValues(file: string): Record<string, unknown> {
  return (parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null) ?? {};
}

/** Value at a dotted path in the defaults overlaid by `overrides` (a values file's content). */
export function effectiveValue(overrides: Record<string, unknown>, dotted: string): unknown {
  const get = (root: unknown): unknown =>
    dotted.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), root);
  const override = get(overrides);
  return override === undefined ? get(DEFAULT_VALUES) : override;
}

// Values given inline are written to files in one temporary directory per test file.
let tempDir: string | undefined;
afterAll(() => {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

/** Writes `values` to a temporary values file (named by content, so equal values share a file). */
export function writeValuesFile(values: Record<string, unknown>): string {
  tempDir ??= mkdtempSync(path.join(tmpdir(), 'hono-api-chart-'));
  const text = stringify(values);
  const file = path.join(tempDir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}-values.yaml`);
  writeFileSync(file, text);
  return file;
}

export interface RenderInput {
  /** Values files, in order (default: none, i.e. the chart's defaults). */
  valuesFiles?: readonly string[];
  /** Inline values, written to a temporary file applied after `valuesFiles`. */
  values?: Record<string, unknown>;
  set?: Readonly<Record<string, SetValue>>;
  setString?: Readonly<Record<string, string>>;
  kubeVersion?: string;
  release?: string;
  namespace?: string;
}

function valuesFilesOf(input: RenderInput): string[] {
  return [...(input.valuesFiles ?? []), ...(input.values ? [writeValuesFile(input.values)] : [])];
}

const templateCache = new Map<string, Promise<HelmResult>>();
const lintCache = new Map<string, Promise<HelmResult>>();

/** `helm template` for the input, whatever its exit code (cached per input). */
export function tryRender(input: RenderInput = {}): Promise<HelmResult> {
  const key = JSON.stringify(input);
  let result = templateCache.get(key);
  if (!result) {
    result = helmTemplate({
      chart: CHART_DIR,
      release: input.release ?? RELEASE,
      namespace: input.namespace ?? NAMESPACE,
      kubeVersion: input.kubeVersion ?? KUBE_VERSION,
      valuesFiles: valuesFilesOf(input),
      ...(input.set ? { set: input.set } : {}),
      ...(input.setString ? { setString: input.setString } : {}),
    });
    templateCache.set(key, result);
  }
  return result;
}

/** `helm lint --strict` for the input (cached per input). */
export function tryLint(input: RenderInput = {}): Promise<HelmResult> {
  const key = JSON.stringify(input);
  let result = lintCache.get(key);
  if (!result) {
    result = helmLint({
      chart: CHART_DIR,
      strict: true,
      valuesFiles: valuesFilesOf(input),
      ...(input.set ? { set: input.set } : {}),
      ...(input.setString ? { setString: input.setString } : {}),
    });
    lintCache.set(key, result);
  }
  return result;
}

export interface Rendered {
  documents: ManifestDocument[];
  objects: K8sObject[];
}

/** Renders the chart and parses the objects; a failed render throws with Helm's message. */
export async function render(input: RenderInput = {}): Promise<Rendered> {
  const result = await tryRender(input);
  if (result.exitCode !== 0) throw new Error(`helm template failed (${JSON.stringify(input)}):\n${result.stderr}`);
  const documents = parseManifestDocuments(result.stdout);
  return { documents, objects: documents.map((doc) => doc.object) };
}

/** Objects of one kind. */
export function ofKind<T = K8sObject>(objects: readonly K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

/** The single object of a kind the release itself runs (`helm test` hooks aside); throws when there are none or several. */
export function only<T = K8sObject>(objects: readonly K8sObject[], kind: string): T {
  const found = ofKind<T>(objects.filter((o) => !isHelmTest(o)), kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, found ${found.length} among ${objects.map((o) => o.kind).join(', ')}`);
  return found[0] as T;
}

export function nameOf(object: K8sObject): string {
  const name = object.metadata?.name;
  if (typeof name !== 'string') throw new Error(`${object.kind} has no metadata.name`);
  return name;
}

export function isHelmTest(object: K8sObject): boolean {
  return object.metadata?.annotations?.['helm.sh/hook'] === 'test';
}

export interface Workload {
  /** e.g. `Deployment demo-hono-api` */
  id: string;
  /** The application pods (Deployment) rather than the `helm test` pod. */
  isApp: boolean;
  object: K8sObject;
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  spec: IPodSpec;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'ReplicationController']);

/**
 * Every workload among the objects: the Deployment's pod template and bare Pods (the helm test).
 * Any other workload kind throws, so a new template cannot slip past the hardening tests.
 */
export function workloads(objects: readonly K8sObject[]): Workload[] {
  const found: Workload[] = [];
  for (const object of objects) {
    if (!WORKLOAD_KINDS.has(object.kind)) continue;
    const id = `${object.kind} ${nameOf(object)}`;
    if (object.kind === 'Deployment') {
      const template = (object as unknown as IDeployment).spec?.template;
      if (!template?.spec) throw new Error(`${id} has no pod template spec`);
      found.push({
        id,
        isApp: true,
        object,
        podLabels: template.metadata?.labels ?? {},
        podAnnotations: template.metadata?.annotations ?? {},
        spec: template.spec,
      });
    } else if (object.kind === 'Pod') {
      const pod = object as unknown as IPod;
      if (!pod.spec) throw new Error(`${id} has no spec`);
      found.push({ id, isApp: !isHelmTest(object), object, podLabels: pod.metadata?.labels ?? {}, podAnnotations: pod.metadata?.annotations ?? {}, spec: pod.spec });
    } else {
      throw new Error(`${id}: workload kind ${object.kind} is not covered by the chart tests; extend workloads() in __tests__/helm/chart.ts`);
    }
  }
  return found;
}

/** All containers of a pod spec, init containers included. */
export function containersOf(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The pod's application container (the one named like the chart). */
export function appContainer(spec: IPodSpec): IContainer {
  const container = spec.containers.find((c) => c.name === CHART.name);
  if (!container) throw new Error(`no container named ${CHART.name}`);
  return container;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Whether a selector selects an object with these labels. The selector is either a LabelSelector
 * (matchLabels/matchExpressions) or a Service-style plain map; an empty one selects everything, as
 * in Kubernetes, and a missing one nothing.
 */
export function selects(selector: LabelSelector | Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const matchLabels = (isLabelSelector ? (selector as LabelSelector).matchLabels : (selector as Record<string, string>)) ?? {};
  const expressions = isLabelSelector ? ((selector as LabelSelector).matchExpressions ?? []) : [];
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of expressions) {
    const has = key in labels;
    const ok =
      operator === 'In' ? has && values.includes(labels[key] as string)
      : operator === 'NotIn' ? !has || !values.includes(labels[key] as string)
      : operator === 'Exists' ? has
      : operator === 'DoesNotExist' ? !has
      : (() => { throw new Error(`unknown selector operator ${operator}`); })();
    if (!ok) return false;
  }
  return true;
}

/** The settings ConfigMap (the one the Deployment loads with envFrom; not the dashboard). */
export function settingsConfigMap(objects: readonly K8sObject[]): K8sObject {
  const maps = ofKind(objects, 'ConfigMap').filter((c) => !(c.metadata?.name ?? '').endsWith('-dashboard'));
  if (maps.length !== 1) throw new Error(`expected exactly one settings ConfigMap, found ${maps.length}`);
  return maps[0]!;
}

/** The settings ConfigMap's data (the service's environment). */
export function configData(objects: readonly K8sObject[]): Record<string, string> {
  return (settingsConfigMap(objects).data as Record<string, string> | undefined) ?? {};
}
