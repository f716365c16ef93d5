/**
 * Builds the platform the way main.ts does (validated config, selected environments, definePlatform)
 * on a Testing.app(), and returns each stack's synthesized JSON through Testing.synth, which also
 * runs the aspects (tagging and policy) exactly as a real synth does.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type TerraformStack, Testing } from 'cdktf';
import { afterAll } from 'vitest';
import { platformConfig } from '../../../stacks/config/environments.js';
import type { EnvironmentConfig, EnvironmentName, PlatformConfig } from '../../../stacks/config/types.js';
import { selectEnvironments, validatePlatformConfig } from '../../../stacks/config/validate.js';
import type { BackendKind } from '../../../stacks/constructs/backend.js';
import { definePlatform } from '../../../stacks/platform.js';
import type { TfJson } from './tfjson.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;

/**
 * A deep copy of the real platformConfig with `mutate` applied; the original is never touched. The
 * copy goes through JSON so objects the environments share in environments.ts (the default add-on
 * versions, the empty admin list) become separate: changing dev's never changes prod's.
 */
export function configWith(mutate: (config: DeepMutable<PlatformConfig>) => void): PlatformConfig {
  const copy = JSON.parse(JSON.stringify(platformConfig)) as DeepMutable<PlatformConfig>;
  mutate(copy);
  return copy as PlatformConfig;
}

/** The real configuration of one environment. */
export const envConfig = (name: EnvironmentName): EnvironmentConfig => platformConfig.environments[name];

export interface BuildOptions {
  readonly config?: PlatformConfig;
  /** As ENVIRONMENTS / --context environments: "dev,prod", "all" or undefined for all. */
  readonly environments?: string;
  readonly stateBackend?: BackendKind;
  /** Run validatePlatformConfig first, as main.ts does. Default true. */
  readonly validate?: boolean;
}

export interface BuiltPlatform {
  readonly app: App;
  readonly stacks: ReadonlyMap<string, TerraformStack>;
  readonly config: PlatformConfig;
}

// Testing.app() would make a new temporary directory per app; Testing.synth writes nothing, so one
// shared (empty) out dir serves every app built here.
const OUTDIR = path.join(os.tmpdir(), `hono-api-stack-tests-${process.pid}`);
// Registered for every test file that imports this module; building apps recreates the directory.
afterAll(() => rmSync(OUTDIR, { recursive: true, force: true }));

/** Testing.app() without a new temporary directory per call. */
export function testingApp(): App {
  mkdirSync(OUTDIR, { recursive: true });
  return Testing.app({ outdir: OUTDIR, stackTraces: false });
}

export function buildPlatform(options: BuildOptions = {}): BuiltPlatform {
  const config = options.config ?? platformConfig;
  if (options.validate !== false) validatePlatformConfig(config);
  const app = testingApp();
  const stacks = definePlatform(app, {
    config,
    environments: selectEnvironments(options.environments, config),
    stateBackend: options.stateBackend ?? 's3',
  });
  return { app, config, stacks: new Map(stacks.map((s) => [s.node.id, s])) };
}

export interface SynthesizedPlatform extends BuiltPlatform {
  /** The synthesized JSON of a stack by id; fails for an unknown id. */
  json(id: string): TfJson;
  readonly ids: readonly string[];
}

export function synthStack(stack: TerraformStack): TfJson {
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

/** Builds and synthesizes every stack (lazily, once per stack). */
export function synthPlatform(options: BuildOptions = {}): SynthesizedPlatform {
  const built = buildPlatform(options);
  const cache = new Map<string, TfJson>();
  return {
    ...built,
    ids: [...built.stacks.keys()],
    json(id) {
      const stack = built.stacks.get(id);
      if (!stack) throw new Error(`no stack "${id}"; stacks: ${[...built.stacks.keys()].join(', ')}`);
      let json = cache.get(id);
      if (!json) cache.set(id, (json = synthStack(stack)));
      return json;
    },
  };
}

export const ENVIRONMENTS: readonly EnvironmentName[] = ['dev', 'staging', 'prod'];
export const SHARED_STACKS = ['state', 'registry', 'ci-identity'] as const;
export const PER_ENV_KINDS = ['network', 'cluster', 'platform', 'app'] as const;

export interface SynthesizedToDisk {
  /** cdktf.out-like directory: <outdir>/stacks/<id>/cdk.tf.json. */
  readonly outdir: string;
  /** Each stack's cdk.tf.json, parsed, by stack id. */
  readonly stacks: Readonly<Record<string, TfJson>>;
  readonly stackDir: (id: string) => string;
}

/**
 * Every stack of every environment, synthesised to a temporary directory the way `npm run synth`
 * writes cdktf.out (what terraform and checkov read). Removed after the test file.
 */
export function synthToDisk(): SynthesizedToDisk {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-synth-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir, stackTraces: false });
  const config = validatePlatformConfig(platformConfig);
  const ids = definePlatform(app, { config, environments: selectEnvironments('all', config), stateBackend: 's3' }).map((s) => s.node.id);
  app.synth();
  const stackDir = (id: string) => path.join(outdir, 'stacks', id);
  return { outdir, stackDir, stacks: Object.fromEntries(ids.map((id) => [id, JSON.parse(readFileSync(path.join(stackDir(id), 'cdk.tf.json'), 'utf8')) as TfJson])) };
}
