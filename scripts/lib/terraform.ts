/**
 * `terraform validate` for synthesized CDKTF stacks, without touching cdktf.out and, where a
 * provider mirror exists, without the network:
 *
 * 1. findProviderMirror(): TF_PLUGIN_MIRROR if set, else known places, else (last resort, cached) a
 *    `find /` for a directory holding registry.terraform.io/hashicorp/aws/<version>/<os_arch>.
 * 2. prepareTerraform(): writes a temporary CLI config whose provider_installation takes
 *    registry.terraform.io/hashicorp/* from that mirror only, and returns the environment
 *    (TF_CLI_CONFIG_FILE …) to run terraform with. Without a mirror it downloads from the registry
 *    only when allowed (TF_VALIDATE_ALLOW_NETWORK=1), through one shared plugin cache.
 * 3. validateStack(): copies a stack directory to a temporary one, runs `terraform init
 *    -backend=false` and `terraform validate -json` there, and returns the parsed diagnostics.
 *
 * An unpacked mirror is linked into .terraform, not copied, so validating many stacks costs no
 * extra disk for the ~700 MB AWS provider.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from './run.js';
import { lookPath } from './which.js';

export const DEFAULT_REGISTRY = 'registry.terraform.io';

// ---------------------------------------------------------------------------------------------
// Providers and mirrors
// ---------------------------------------------------------------------------------------------

export interface ProviderAddress {
  readonly hostname: string;
  readonly namespace: string;
  readonly type: string;
}

export const AWS_PROVIDER: ProviderAddress = { hostname: DEFAULT_REGISTRY, namespace: 'hashicorp', type: 'aws' };

/** A required_providers source ("aws", "hashicorp/aws", "registry.terraform.io/hashicorp/aws") as an address. */
export function parseProviderSource(source: string): ProviderAddress {
  const parts = source.toLowerCase().split('/');
  if (parts.length === 1 && parts[0]) return { hostname: DEFAULT_REGISTRY, namespace: 'hashicorp', type: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { hostname: DEFAULT_REGISTRY, namespace: parts[0], type: parts[1] };
  if (parts.length === 3 && parts.every(Boolean)) return { hostname: parts[0]!, namespace: parts[1]!, type: parts[2]! };
  throw new Error(`not a provider source address: "${source}"`);
}

export const providerKey = (p: ProviderAddress) => `${p.hostname}/${p.namespace}/${p.type}`;

/** Terraform's name for a platform, e.g. linux_amd64. */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const archName: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
  return `${platform === 'win32' ? 'windows' : platform}_${archName[arch] ?? arch}`;
}

/** The file system calls mirror detection needs; injectable for tests. */
export interface MirrorFs {
  isDir(p: string): boolean;
  list(p: string): string[];
}

export const realFs: MirrorFs = {
  isDir: (p) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
  list: (p) => {
    try {
      return readdirSync(p);
    } catch {
      return [];
    }
  },
};

export type MirrorLayout = 'unpacked' | 'packed';

export interface MirrorVersion {
  readonly version: string;
  readonly layout: MirrorLayout;
}

/**
 * The versions of a provider a filesystem mirror holds for a platform: unpacked
 * (`<host>/<ns>/<type>/<version>/<os_arch>/`) or packed (`<host>/<ns>/<type>/terraform-provider-<type>_<version>_<os_arch>.zip`,
 * what `terraform providers mirror` writes).
 */
export function mirrorVersions(mirror: string, provider: ProviderAddress = AWS_PROVIDER, platform = terraformPlatform(), fs: MirrorFs = realFs): MirrorVersion[] {
  const dir = path.join(mirror, provider.hostname, provider.namespace, provider.type);
  const found: MirrorVersion[] = [];
  const zip = new RegExp(`^terraform-provider-${provider.type}_(.+)_${platform}\\.zip$`);
  for (const entry of fs.list(dir)) {
    const packed = zip.exec(entry);
    if (packed) found.push({ version: packed[1]!, layout: 'packed' });
    else if (fs.isDir(path.join(dir, entry, platform))) found.push({ version: entry, layout: 'unpacked' });
  }
  return found.sort((a, b) => compareVersions(a.version, b.version));
}

/** Orders dotted versions numerically (5.9.0 < 5.100.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isInteger(nx) && Number.isInteger(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

export const knownMirrorDirs = (home: string = os.homedir()) => [
  '/opt/tf-plugins',
  path.join(home, '.terraform.d', 'plugins'),
  '/usr/share/terraform/plugins',
  '/usr/local/share/terraform/plugins',
];

export type MirrorSource = 'TF_PLUGIN_MIRROR' | 'known location' | 'filesystem search';

export interface MirrorLocation {
  readonly path: string;
  readonly source: MirrorSource;
  /** Versions of the provider searched for (AWS by default) for this platform. */
  readonly versions: readonly MirrorVersion[];
}

export class MirrorError extends Error {
  override name = 'MirrorError';
}

export interface MirrorSearchOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
  readonly platform?: string;
  readonly provider?: ProviderAddress;
  readonly fs?: MirrorFs;
  /** Mirror roots from a file system search, the last resort. Default: findMirrorRoots() (cached). */
  readonly search?: () => readonly string[];
}

/**
 * Where to take the provider from. TF_PLUGIN_MIRROR wins and must be right (an error, not a silent
 * fallback, when it does not hold the provider); then the known places; then a file system search.
 */
export function findProviderMirror(options: MirrorSearchOptions = {}): MirrorLocation | undefined {
  const env = options.env ?? process.env;
  const provider = options.provider ?? AWS_PROVIDER;
  const platform = options.platform ?? terraformPlatform();
  const fs = options.fs ?? realFs;
  const versionsAt = (dir: string) => mirrorVersions(dir, provider, platform, fs);

  const explicit = env.TF_PLUGIN_MIRROR;
  if (explicit) {
    const versions = versionsAt(explicit);
    if (versions.length === 0)
      throw new MirrorError(
        `TF_PLUGIN_MIRROR=${explicit} holds no ${providerKey(provider)} for ${platform} ` +
          `(expected ${path.join(explicit, provider.hostname, provider.namespace, provider.type)}/<version>/${platform}/ or a terraform-provider-${provider.type}_<version>_${platform}.zip)`,
      );
    return { path: explicit, source: 'TF_PLUGIN_MIRROR', versions };
  }
  for (const dir of knownMirrorDirs(options.home)) {
    const versions = versionsAt(dir);
    if (versions.length > 0) return { path: dir, source: 'known location', versions };
  }
  const searches = options.search ? [options.search] : [() => findMirrorRoots(), () => findMirrorRoots({ refresh: true })];
  for (const search of searches) {
    for (const dir of search()) {
      const versions = versionsAt(dir);
      if (versions.length > 0) return { path: dir, source: 'filesystem search', versions };
    }
  }
  return undefined;
}

/**
 * Mirror roots from `find / -maxdepth 5 -path '*registry.terraform.io/hashicorp'`: each hit's
 * grandparent. Roots inside a working directory's .terraform (links into some other mirror, and
 * gone when that directory is) come last. A non-empty result is cached in memory and, for a day, in
 * a file under the temporary directory, because the search takes a while; `refresh` ignores the
 * cache (findProviderMirror does so when no cached root holds the provider any more).
 */
let memo: { roots: readonly string[]; cached: boolean } | undefined;
const SEARCH_CACHE = path.join(os.tmpdir(), 'hono-api-terraform-mirror-search.json');

export function findMirrorRoots(options: { refresh?: boolean } = {}): readonly string[] {
  if (memo && !(options.refresh && memo.cached)) return memo.roots;
  if (!options.refresh) {
    try {
      const cached = JSON.parse(readFileSync(SEARCH_CACHE, 'utf8')) as { at: number; roots: string[] };
      if (Date.now() - cached.at < 24 * 3600_000 && Array.isArray(cached.roots) && cached.roots.length > 0) return (memo = { roots: cached.roots, cached: true }).roots;
    } catch {
      // no cache yet
    }
  }
  const result = spawnSync(
    'find',
    ['/', '-maxdepth', '5', '(', '-path', '/proc', '-o', '-path', '/sys', '-o', '-path', '/dev', ')', '-prune', '-o', '-type', 'd', '-path', `*${DEFAULT_REGISTRY}/hashicorp`, '-print'],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const roots = orderMirrorRoots((result.stdout ?? '').split('\n').filter(Boolean).map((hit) => path.dirname(path.dirname(hit))));
  memo = { roots, cached: false };
  if (roots.length > 0) {
    try {
      writeFileSync(SEARCH_CACHE, JSON.stringify({ at: Date.now(), roots }));
    } catch {
      // a cache is an optimisation
    }
  }
  return roots;
}

/** Deduplicated, with roots inside a .terraform directory last. */
export function orderMirrorRoots(roots: readonly string[]): string[] {
  const unique = [...new Set(roots)];
  const inWorkingDir = (r: string) => r.split(path.sep).includes('.terraform');
  return [...unique.filter((r) => !inWorkingDir(r)), ...unique.filter(inWorkingDir)];
}

// ---------------------------------------------------------------------------------------------
// CLI configuration
// ---------------------------------------------------------------------------------------------

/** An HCL string literal (JSON escaping, plus $${ so a path never interpolates). */
const hclString = (s: string) =>
  JSON.stringify(s)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');

export interface CliConfigOptions {
  /** Filesystem mirror for `include`; without one, providers come from their registries. */
  readonly mirror?: string;
  /** Provider address patterns taken from the mirror (and never downloaded). */
  readonly include?: readonly string[];
  /** Shared plugin cache, so providers are downloaded or unpacked once for every stack. */
  readonly pluginCacheDir?: string;
}

export const MIRRORED_PROVIDERS = [`${DEFAULT_REGISTRY}/hashicorp/*`];

/** A Terraform CLI configuration file (the TF_CLI_CONFIG_FILE format). */
export function renderCliConfig(options: CliConfigOptions): string {
  const include = `[${(options.include ?? MIRRORED_PROVIDERS).map(hclString).join(', ')}]`;
  const lines: string[] = [];
  if (options.pluginCacheDir) lines.push(`plugin_cache_dir = ${hclString(options.pluginCacheDir)}`, '');
  lines.push('provider_installation {');
  if (options.mirror) {
    lines.push('  filesystem_mirror {', `    path    = ${hclString(options.mirror)}`, `    include = ${include}`, '  }');
    lines.push('  direct {', `    exclude = ${include}`, '  }');
  } else {
    lines.push('  direct {}');
  }
  lines.push('}', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------

export class TerraformUnavailableError extends Error {
  override name = 'TerraformUnavailableError';
}

export interface TerraformSetup {
  readonly terraform: string;
  readonly version: string;
  /** Where providers come from: the mirror, or (when allowed) the registry. */
  readonly mode: 'mirror' | 'network';
  readonly mirror?: MirrorLocation;
  readonly cliConfigFile: string;
  /** The environment to run terraform with. */
  readonly env: NodeJS.ProcessEnv;
  /** A plugin cache terraform writes to (network mode, packed mirrors): inits must not race on it. */
  readonly pluginCacheDir?: string;
  /** Removes the temporary CLI config. */
  dispose(): void;
}

export interface PrepareOptions extends MirrorSearchOptions {
  /** Allow downloads when no mirror is found. Default: TF_VALIDATE_ALLOW_NETWORK=1. */
  readonly allowNetwork?: boolean;
  /** Plugin cache for network mode (and packed mirrors). Default: <tmpdir>/hono-api-terraform-plugin-cache. */
  readonly pluginCacheDir?: string;
}

export const NO_MIRROR_HELP = (platform: string, home: string) =>
  [
    `no Terraform provider mirror holding ${DEFAULT_REGISTRY}/hashicorp/aws for ${platform} was found, and network downloads are not allowed.`,
    `Looked at: TF_PLUGIN_MIRROR (unset), ${knownMirrorDirs(home).join(', ')}, and \`find / -maxdepth 5 -path '*${DEFAULT_REGISTRY}/hashicorp'\`.`,
    'Either:',
    `  - point TF_PLUGIN_MIRROR at a directory containing ${DEFAULT_REGISTRY}/hashicorp/aws/<version>/${platform}/terraform-provider-aws_v<version>_x5`,
    `    (unpacked), or one made with \`terraform providers mirror -platform=${platform} <dir>\` in a synthesized stack directory; or`,
    '  - set TF_VALIDATE_ALLOW_NETWORK=1 to let terraform download the providers from the registry (about 700 MB for AWS, once, into a shared plugin cache).',
  ].join('\n');

export function prepareTerraform(options: PrepareOptions = {}): TerraformSetup {
  const env = options.env ?? process.env;
  const terraform = lookPath('terraform', { pathEnv: env.PATH });
  if (!terraform) throw new TerraformUnavailableError('terraform is not on PATH (install Terraform >= 1.10, the version S3-native state locking needs)');
  const version = terraformVersion(terraform);

  const mirror = findProviderMirror(options);
  const allowNetwork = options.allowNetwork ?? env.TF_VALIDATE_ALLOW_NETWORK === '1';
  if (!mirror && !allowNetwork) throw new TerraformUnavailableError(NO_MIRROR_HELP(options.platform ?? terraformPlatform(), options.home ?? os.homedir()));

  // Unpacked mirrors are linked into .terraform; packed ones and downloads go through one cache.
  const needsCache = !mirror || mirror.versions.every((v) => v.layout === 'packed');
  const pluginCacheDir = needsCache ? (options.pluginCacheDir ?? path.join(os.tmpdir(), 'hono-api-terraform-plugin-cache')) : undefined;
  if (pluginCacheDir) mkdirSync(pluginCacheDir, { recursive: true });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-terraform-cli-'));
  const cliConfigFile = path.join(dir, 'terraform.tfrc');
  writeFileSync(cliConfigFile, renderCliConfig({ ...(mirror ? { mirror: mirror.path } : {}), ...(pluginCacheDir ? { pluginCacheDir } : {}) }));

  const childEnv: NodeJS.ProcessEnv = { ...env, TF_CLI_CONFIG_FILE: cliConfigFile, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' };
  // Settings that would change where terraform puts or finds things, or what it runs.
  for (const key of Object.keys(childEnv)) if (key.startsWith('TF_CLI_ARGS') || key === 'TF_DATA_DIR' || key === 'TF_PLUGIN_CACHE_DIR' || key === 'TF_WORKSPACE') delete childEnv[key];

  return {
    terraform,
    version,
    mode: mirror ? 'mirror' : 'network',
    ...(mirror ? { mirror } : {}),
    cliConfigFile,
    ...(pluginCacheDir ? { pluginCacheDir } : {}),
    env: childEnv,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function terraformVersion(terraform: string): string {
  const result = spawnSync(terraform, ['version', '-json'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  try {
    return (JSON.parse(result.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    throw new TerraformUnavailableError(`\`${terraform} version -json\` failed: ${result.stderr || result.error?.message || 'no output'}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------------

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  readonly address?: string;
  readonly range?: { readonly filename: string; readonly start: { readonly line: number; readonly column: number } };
}

export interface ValidateOutput {
  readonly valid: boolean;
  readonly error_count: number;
  readonly warning_count: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** `terraform validate -json` output; throws when it is not that (e.g. terraform crashed). */
export function parseValidateJson(text: string): ValidateOutput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`terraform validate -json printed no JSON: ${text.slice(0, 300)}`);
  }
  const v = parsed as Partial<ValidateOutput>;
  if (typeof v.valid !== 'boolean' || typeof v.error_count !== 'number' || typeof v.warning_count !== 'number' || !Array.isArray(v.diagnostics))
    throw new Error(`unexpected terraform validate -json output: ${text.slice(0, 300)}`);
  return v as ValidateOutput;
}

/** The diagnostics among `terraform init -json` lines (others are progress messages). */
export function parseInitJsonLines(text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const message = JSON.parse(line) as { type?: string; diagnostic?: Diagnostic };
      if (message.type === 'diagnostic' && message.diagnostic) out.push(message.diagnostic);
    } catch {
      // not a JSON message
    }
  }
  return out;
}

/** Provider address → version from a .terraform.lock.hcl. */
export function parseLockFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/provider\s+"([^"]+)"\s*\{[^}]*?\bversion\s*=\s*"([^"]+)"/g)) out[m[1]!] = m[2]!;
  return out;
}

export const formatDiagnostic = (d: Diagnostic) =>
  `${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ''}${d.range ? ` at ${d.range.filename}:${d.range.start.line}` : ''}${d.detail ? `\n    ${d.detail.replace(/\n/g, '\n    ')}` : ''}`;

// ---------------------------------------------------------------------------------------------
// Stacks
// ---------------------------------------------------------------------------------------------

export interface RequiredProvider {
  readonly source: string;
  readonly version?: string;
}

/** terraform.required_providers of a synthesized cdk.tf.json. */
export function requiredProviders(stackJson: unknown): Record<string, RequiredProvider> {
  const rp = (stackJson as { terraform?: { required_providers?: Record<string, RequiredProvider> } }).terraform?.required_providers;
  return { ...rp };
}

/** Providers of a stack the mirror does not hold in the pinned version, as "source@version". */
export function providersMissingFromMirror(stackJson: unknown, mirror: string, platform = terraformPlatform(), fs: MirrorFs = realFs): string[] {
  return Object.values(requiredProviders(stackJson))
    .filter((p) => {
      const versions = mirrorVersions(mirror, parseProviderSource(p.source), platform, fs).map((v) => v.version);
      return p.version ? !versions.includes(p.version) : versions.length === 0;
    })
    .map((p) => `${providerKey(parseProviderSource(p.source))}@${p.version ?? '*'}`);
}

/** terraform init/validate never need more than five minutes, even on a cold provider cache. */
const TERRAFORM_TIMEOUT_MS = 300_000;

export interface StackValidation {
  readonly stack: string;
  readonly initMs: number;
  readonly validateMs: number;
  /** Diagnostics of `terraform init` (warnings; an init error throws). */
  readonly initDiagnostics: readonly Diagnostic[];
  readonly result: ValidateOutput;
  /** Provider versions terraform selected, from the lock file init wrote. */
  readonly lockedVersions: Readonly<Record<string, string>>;
}

export class TerraformCommandError extends Error {
  override name = 'TerraformCommandError';
}

/**
 * Validates one synthesized stack directory (holding cdk.tf.json, and assets if any) in a
 * temporary copy, so the original never gets a .terraform directory or a lock file.
 */
export async function validateStack(stackDir: string, setup: TerraformSetup, name = path.basename(stackDir)): Promise<StackValidation> {
  if (!existsSync(path.join(stackDir, 'cdk.tf.json'))) throw new Error(`${stackDir} holds no cdk.tf.json`);
  const work = mkdtempSync(path.join(os.tmpdir(), `hono-api-validate-${name}-`));
  try {
    cpSync(stackDir, work, { recursive: true, filter: (src) => !['.terraform', '.terraform.lock.hcl'].includes(path.basename(src)) });
    const init = await runCommand(setup.terraform, ['init', '-backend=false', '-input=false', '-json', '-no-color'], { cwd: work, env: setup.env, timeoutMs: TERRAFORM_TIMEOUT_MS });
    const initDiagnostics = parseInitJsonLines(init.stdout);
    if (init.exitCode !== 0)
      throw new TerraformCommandError(
        `terraform init failed for ${name} (exit ${init.exitCode}):\n${[...initDiagnostics.map(formatDiagnostic), init.stderr.trim()].filter(Boolean).join('\n')}`,
      );
    const validate = await runCommand(setup.terraform, ['validate', '-json', '-no-color'], { cwd: work, env: setup.env, timeoutMs: TERRAFORM_TIMEOUT_MS });
    // validate exits 1 on invalid configuration but still prints its JSON.
    const result = parseValidateJson(validate.stdout);
    const lockFile = path.join(work, '.terraform.lock.hcl');
    return {
      stack: name,
      initMs: init.durationMs,
      validateMs: validate.durationMs,
      initDiagnostics,
      result,
      lockedVersions: existsSync(lockFile) ? parseLockFile(readFileSync(lockFile, 'utf8')) : {},
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Validates stack directories, `concurrency` at a time. When terraform fills a plugin cache, the
 * first stack runs alone so the others find the providers there instead of racing to write them.
 */
export async function validateStacks(stackDirs: readonly string[], setup: TerraformSetup, concurrency = 2): Promise<StackValidation[]> {
  if (!setup.pluginCacheDir || stackDirs.length === 0) return mapLimit(stackDirs, concurrency, (dir) => validateStack(dir, setup));
  const first = await validateStack(stackDirs[0]!, setup);
  return [first, ...(await mapLimit(stackDirs.slice(1), concurrency, (dir) => validateStack(dir, setup)))];
}
