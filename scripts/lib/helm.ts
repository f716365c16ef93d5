/**
 * Runs Helm for scripts and tests: finds the binary, builds `helm template` / `helm lint` argument
 * lists, runs them without a shell and parses rendered manifests.
 *
 *   const result = await helmTemplate({ chart: 'helm/hono-api', release: 'demo', kubeVersion: '1.31.0' });
 *   if (result.exitCode !== 0) throw new Error(result.stderr);
 *   const objects = parseManifests(result.stdout);
 *
 * The binary is always the pinned Helm of the toolchain (tools/versions.json, installed by `npm run
 * tools`), never whatever `helm` is first on PATH: the tests, the kind loop and the workflows run one
 * version. (The kind loop alone falls back to a helm on PATH, see findHelmWith in tools.ts.)
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type Toolchain, toolchain } from '../../tools/toolchain.js';

/** The repository root (this file lives in scripts/lib/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const HELM_INSTALL_HINT = `run \`npm run tools\`, which builds the pinned Helm ${toolchain().goTool('helm').version} (tools/versions.json) from the Go module proxy, or install that version from https://helm.sh/docs/intro/install/`;

export class HelmNotFoundError extends Error {
  override name = 'HelmNotFoundError';
}

/** The pinned helm. Throws HelmNotFoundError, saying how to install it, when `npm run tools` has not run. */
export function findHelm(chain: Toolchain = toolchain()): string {
  try {
    return chain.bin('helm');
  } catch (err) {
    throw new HelmNotFoundError(err instanceof Error ? err.message : String(err));
  }
}

/** Where the toolchain puts the pinned helm, installed or not. */
export const pinnedHelmPath = (chain: Toolchain = toolchain()): string => path.join(chain.goToolDir('helm'), chain.goTool('helm').binary);

export interface HelmResult {
  /** The binary and arguments that ran. */
  command: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunHelmOptions {
  /** Binary to run; defaults to findHelm(). */
  helm?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill helm after this long (default 120 s); the result then has exit code 124. */
  timeoutMs?: number;
}

/** Runs helm with `args` (no shell). Never throws for a non-zero exit: check `exitCode`. */
export function runHelm(args: readonly string[], options: RunHelmOptions = {}): Promise<HelmResult> {
  const helm = options.helm ?? findHelm();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(helm, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${helm}: ${error.message}. ${HELM_INSTALL_HINT}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) stderr += `\nhelm ${args[0] ?? ''} timed out after ${timeoutMs} ms and was killed`;
      resolve({
        command: [helm, ...args],
        exitCode: timedOut ? 124 : (code ?? (signal ? 128 : 1)),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr,
      });
    });
  });
}

export type SetValue = string | number | boolean | null;

export interface ValuesOptions {
  /** Values files (`-f`), applied in order. */
  valuesFiles?: readonly string[];
  /** `--set key=value` pairs (Helm applies them after the files). */
  set?: Readonly<Record<string, SetValue>>;
  /** `--set-string key=value` pairs: the value stays a string (e.g. a tag like 1.0). */
  setString?: Readonly<Record<string, string>>;
}

export interface TemplateOptions extends ValuesOptions {
  chart: string;
  /** Release name; Helm's own default is `release-name`. */
  release?: string;
  namespace?: string;
  /** `--kube-version`, e.g. 1.31.0: what `.Capabilities.KubeVersion` reports. */
  kubeVersion?: string;
  /** `--api-versions` added to `.Capabilities.APIVersions`. */
  apiVersions?: readonly string[];
  /** `--show-only` templates, e.g. templates/deployment.yaml. */
  showOnly?: readonly string[];
  extraArgs?: readonly string[];
}

export interface LintOptions extends ValuesOptions {
  chart: string;
  /** `--strict`: warnings fail the lint. */
  strict?: boolean;
  extraArgs?: readonly string[];
}

/** A value as `--set` reads it: backslashes and commas escaped (a bare comma starts a new pair). */
export function escapeSetValue(value: SetValue): string {
  return String(value).replace(/\\/g, '\\\\').replace(/,/g, '\\,');
}

function valuesArgs(options: ValuesOptions): string[] {
  const args: string[] = [];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set', `${key}=${escapeSetValue(value)}`);
  for (const [key, value] of Object.entries(options.setString ?? {})) args.push('--set-string', `${key}=${escapeSetValue(value)}`);
  return args;
}

/** Arguments for `helm template`. */
export function templateArgs(options: TemplateOptions): string[] {
  const args = ['template', options.release ?? 'release-name', options.chart];
  if (options.namespace) args.push('--namespace', options.namespace);
  if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
  for (const apiVersion of options.apiVersions ?? []) args.push('--api-versions', apiVersion);
  for (const template of options.showOnly ?? []) args.push('--show-only', template);
  args.push(...valuesArgs(options), ...(options.extraArgs ?? []));
  return args;
}

/** Arguments for `helm lint`. */
export function lintArgs(options: LintOptions): string[] {
  const args = ['lint', options.chart];
  if (options.strict) args.push('--strict');
  args.push(...valuesArgs(options), ...(options.extraArgs ?? []));
  return args;
}

export function helmTemplate(options: TemplateOptions, run: RunHelmOptions = {}): Promise<HelmResult> {
  return runHelm(templateArgs(options), run);
}

export function helmLint(options: LintOptions, run: RunHelmOptions = {}): Promise<HelmResult> {
  return runHelm(lintArgs(options), run);
}

/** A Kubernetes object as rendered: apiVersion and kind are guaranteed, the rest is the manifest. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ManifestDocument {
  /** Position among all documents in the stream, empty ones included (0-based). */
  index: number;
  /** The template that produced it, from Helm's `# Source:` comment, when present. */
  source?: string;
  object: K8sObject;
}

export class ManifestParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestParseError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a multi-document YAML stream (`helm template` output) into Kubernetes objects, skipping
 * empty documents (a template that rendered nothing, or only comments). YAML 1.1 rules apply, as in
 * the Kubernetes API machinery, so e.g. an unquoted `on` is a boolean. Throws ManifestParseError for
 * invalid YAML, duplicate keys, or a document that is not an object with apiVersion and kind.
 */
export function parseManifestDocuments(text: string): ManifestDocument[] {
  const documents: ManifestDocument[] = [];
  parseAllDocuments(text, { version: '1.1', uniqueKeys: true }).forEach((doc, index) => {
    const source = /^#\s*Source:\s*(\S+)/m.exec(text.slice(doc.range[0], doc.range[1]))?.[1];
    const where = `document ${index + 1}${source ? ` (${source})` : ''}`;
    if (doc.errors.length > 0) throw new ManifestParseError(`${where}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (!isRecord(value)) throw new ManifestParseError(`${where} is not a mapping: ${JSON.stringify(value).slice(0, 80)}`);
    if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') {
      throw new ManifestParseError(`${where} has no apiVersion/kind: ${JSON.stringify(value).slice(0, 120)}`);
    }
    documents.push({ index, ...(source ? { source } : {}), object: value as K8sObject });
  });
  return documents;
}

/** The objects of a multi-document YAML stream, empty documents skipped. */
export function parseManifests(text: string): K8sObject[] {
  return parseManifestDocuments(text).map((doc) => doc.object);
}
