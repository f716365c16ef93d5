/**
 * The pinned toolchain: reads tools/versions.json and says where each tool lives once `npm run tools`
 * has installed it. The suite, the kind loop and the operator CLI take their tools from here, so
 * every one of them runs the same versions; nothing picks whatever is first on PATH.
 *
 *   const helm = toolchain().bin('helm');           // throws ToolMissingError (with the fix) when absent
 *   const tf = toolchain().terraform();             // { binary, cliConfigFile, mirror }
 *
 * Layout of the cache (TOOLS_CACHE, default ~/.cache/hono-eks-platform/tools): one directory per
 * tool and version, suffixed with a hash of its manifest entry, so editing an entry installs it
 * afresh and two checkouts with different pins never share a directory. A directory counts only
 * once its `.complete` stamp is written, as the installer's last step.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';

export const MANIFEST_PATH = fileURLToPath(new URL('./versions.json', import.meta.url));
export const REPO_ROOT = path.dirname(path.dirname(MANIFEST_PATH));

const why = z.string();
const goTool = z.object({
  version: z.string(),
  module: z.string(),
  moduleVersion: z.string(),
  package: z.string(),
  binary: z.string(),
  /** More main packages of the same module, built alongside; each binary is named after its package. */
  extraPackages: z.optional(z.array(z.string())),
  kubeVersion: z.optional(z.string()),
  ldflags: z.array(z.string()),
  /** The module's own `replace` directives ("old [v] => new v"): it is then built from a local module. */
  replace: z.optional(z.array(z.string().check(z.regex(/^\S+( \S+)? => \S+ \S+$/)))),
  why,
});
const provider = z.object({
  source: z.string().check(z.regex(/^[a-z0-9-]+\/[a-z0-9-]+$/)),
  version: z.string().check(z.regex(/^\d+\.\d+\.\d+$/)),
  from: z.enum(['mirror', 'go']),
  module: z.optional(z.string()),
  moduleVersion: z.optional(z.string()),
  why,
});
const manifestSchema = z.object({
  $comment: z.optional(z.string()),
  terraform: z.object({ version: z.string(), why, sources: z.array(z.string()) }),
  providers: z.record(z.string(), provider),
  go: z.record(z.string(), goTool),
  python: z.record(
    z.string(),
    z.object({
      version: z.string(),
      /** pip extras, e.g. ["server"] for moto[server]. */
      extras: z.optional(z.array(z.string())),
      /** Executables the package installs when not named like it (moto → moto_server). */
      binaries: z.optional(z.array(z.string())),
      why,
    }),
  ),
  /** Node tools from the npm registry, each installed into its own directory (never the project's node_modules). */
  npm: z.record(z.string(), z.object({ version: z.string(), binaries: z.array(z.string()), why })),
  apt: z.record(z.string(), z.object({ why })),
  /** CustomResourceDefinitions taken from upstream modules on the Go module proxy, at pinned versions. */
  crds: z.record(z.string(), z.object({ module: z.string(), version: z.string(), files: z.array(z.string()), why })),
  /**
   * Add-on charts' default values.yaml, keyed like stacks/config/charts.ts, from the module of the
   * chart's source repository at the pinned version (where the Go module proxy serves it).
   */
  chartValues: z.record(
    z.string(),
    z.object({
      module: z.string(),
      /** The module version (a tag, or the proxy's pseudo-version of a commit). */
      version: z.string(),
      /** The chart version that file belongs to, when it differs from the module version. */
      chartVersion: z.optional(z.string()),
      /** A Go toolchain to download the module with, when its go.mod asks for a newer Go than the machine's (nothing is built). */
      goToolchain: z.optional(z.string().check(z.regex(/^go\d+\.\d+(\.\d+)?$/))),
      file: z.string(),
      /** The controller's upstream IAM policy in the same module, kept beside the values as <name>-iam-policy.json. */
      policyFile: z.optional(z.string()),
      why,
    }),
  ),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type GoTool = z.infer<typeof goTool>;
export type ProviderPin = z.infer<typeof provider>;

/** Parses a manifest, naming the field that is wrong. */
export function parseManifest(raw: unknown, file = MANIFEST_PATH): Manifest {
  const result = manifestSchema.safeParse(raw);
  if (!result.success)
    throw new Error(`${file}: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  for (const [name, p] of Object.entries(result.data.providers))
    if (p.from === 'go' && (!p.module || !p.moduleVersion)) throw new Error(`${file}: providers.${name}: "from": "go" needs "module" and "moduleVersion"`);
  return result.data;
}

/** The binaries a Go tool builds: its own, then one per extra package. */
export const goBinaries = (tool: GoTool): string[] => [tool.binary, ...(tool.extraPackages ?? []).map((p) => path.basename(p))];

export const readManifest = (file = MANIFEST_PATH): Manifest => parseManifest(JSON.parse(readFileSync(file, 'utf8')), file);

/** Terraform's name for this platform, e.g. linux_amd64. */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const archName: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
  return `${platform === 'win32' ? 'windows' : platform}_${archName[arch] ?? arch}`;
}

export const defaultCacheRoot = (env: NodeJS.ProcessEnv = process.env) =>
  env.TOOLS_CACHE || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'hono-eks-platform', 'tools');

const hash8 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);

export class ToolMissingError extends Error {
  override name = 'ToolMissingError';
}

export const STAMP = '.complete';
export const isComplete = (dir: string) => existsSync(path.join(dir, STAMP));

export const REGISTRY = 'registry.terraform.io';
/** Terraform's registry and OpenTofu's: a bare provider source resolves to the CLI's own. */
export const REGISTRIES = [REGISTRY, 'registry.opentofu.org'] as const;

/** The file name Terraform looks for in an unpacked mirror (the AWS release binary carries _x5). */
export const providerBinaryName = (name: string, version: string, from: ProviderPin['from']) =>
  `terraform-provider-${name}_v${version}${from === 'mirror' ? '_x5' : ''}`;

export interface TerraformPaths {
  /** The terraform binary (a link to the machine's own, or one unpacked from ../shared). */
  readonly binary: string;
  /** A CLI configuration (TF_CLI_CONFIG_FILE) that takes registry.terraform.io/hashicorp/* from the mirror only. */
  readonly cliConfigFile: string;
  /** The filesystem mirror holding every provider the stacks pin. */
  readonly mirror: string;
}

/** Where each pinned tool is installed; `bin()` and `terraform()` throw when `npm run tools` has not run. */
export class Toolchain {
  readonly platform = terraformPlatform();

  constructor(
    readonly manifest: Manifest = readManifest(),
    readonly root: string = defaultCacheRoot(),
  ) {}

  goToolDir(name: string): string {
    const tool = this.goTool(name);
    return path.join(this.root, 'go', `${name}-${tool.version}-${hash8(tool)}`);
  }

  goTool(name: string): GoTool {
    const tool = this.manifest.go[name];
    if (!tool) throw new Error(`tools/versions.json has no go.${name}`);
    return tool;
  }

  /** Every executable of the Python tools: each package's name unless it lists its binaries. */
  pythonBinaries(): string[] {
    return Object.entries(this.manifest.python).flatMap(([name, pin]) => pin.binaries ?? [name]);
  }

  pythonDir(): string {
    return path.join(this.root, 'python', `venv-${hash8(this.manifest.python)}`);
  }

  npmDir(name: string): string {
    const pin = this.manifest.npm[name];
    if (!pin) throw new Error(`tools/versions.json has no npm.${name}`);
    return path.join(this.root, 'npm', `${name}-${pin.version}-${hash8(pin)}`);
  }

  /** The npm tool that installs a binary, e.g. renovate-config-validator → renovate. */
  private npmToolOf(binary: string): string | undefined {
    return Object.entries(this.manifest.npm).find(([, pin]) => pin.binaries.includes(binary))?.[0];
  }

  /** The upstream CRDs the charts' custom resources need (tools/versions.json `crds`), one file each. */
  crdDir(): string {
    return path.join(this.root, 'crds', `crds-${hash8({ crds: this.manifest.crds, layout: 2 })}`);
  }

  crdFiles(): string[] {
    if (!isComplete(this.crdDir())) throw this.missing('the upstream CRDs');
    return Object.entries(this.manifest.crds).flatMap(([name, c]) => c.files.map((f) => path.join(this.crdDir(), `${name}-${path.basename(f)}`)));
  }

  /** Upstream default values of the add-on charts (tools/versions.json `chartValues`). */
  chartValuesDir(): string {
    return path.join(this.root, 'chart-values', `values-${hash8(this.manifest.chartValues)}`);
  }

  /** The default values.yaml of the add-on chart `name` (a key of stacks/config/charts.ts). */
  chartValuesFile(name: string): string {
    if (!isComplete(this.chartValuesDir())) throw this.missing('the upstream chart values');
    return path.join(this.chartValuesDir(), `${name}.yaml`);
  }

  /** The upstream IAM policy of the add-on `name` (its chartValues entry's policyFile). */
  upstreamPolicyFile(name: string): string {
    if (!isComplete(this.chartValuesDir())) throw this.missing('the upstream chart values');
    return path.join(this.chartValuesDir(), `${name}-iam-policy.json`);
  }

  terraformDir(): string {
    return path.join(this.root, 'terraform', `terraform-${this.manifest.terraform.version}`);
  }

  providerDir(name: string): string {
    const pin = this.manifest.providers[name];
    if (!pin) throw new Error(`tools/versions.json has no providers.${name}`);
    return path.join(this.root, 'providers', `${name}-${pin.version}-${hash8(pin)}`, this.platform);
  }

  mirrorDir(): string {
    return path.join(this.root, 'terraform', `mirror-${hash8({ providers: this.manifest.providers, platform: this.platform, registries: REGISTRIES })}`);
  }

  /** The Go tool that builds a binary, e.g. kube-scheduler → kubernetes. */
  private goToolOf(binary: string): string | undefined {
    return Object.entries(this.manifest.go).find(([, tool]) => goBinaries(tool).includes(binary))?.[0];
  }

  /** Absolute path of a pinned executable: a Go, Python or npm tool, or terraform. */
  bin(name: string): string {
    if (name === 'terraform') return this.terraform().binary;
    const goTool = this.goToolOf(name);
    const npmTool = this.npmToolOf(name);
    const [dir, file] = goTool
      ? [this.goToolDir(goTool), name]
      : this.pythonBinaries().includes(name)
        ? [this.pythonDir(), path.join('bin', name)]
        : npmTool
          ? [this.npmDir(npmTool), path.join('node_modules', '.bin', name)]
          : [];
    if (!dir || !file) throw new Error(`${name} is not a tool in tools/versions.json`);
    if (!isComplete(dir)) throw this.missing(name);
    return path.join(dir, file);
  }

  terraform(): TerraformPaths {
    const mirror = this.mirrorDir();
    if (!isComplete(this.terraformDir())) throw this.missing(`terraform ${this.manifest.terraform.version}`);
    if (!isComplete(mirror)) throw this.missing('the Terraform provider mirror');
    return { binary: path.join(this.terraformDir(), 'terraform'), cliConfigFile: path.join(mirror, 'terraformrc'), mirror };
  }

  /** The environment terraform runs with: the mirror's CLI config, no prompts, no checkpoint calls. */
  terraformEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const { cliConfigFile } = this.terraform();
    const env: NodeJS.ProcessEnv = { ...base, TF_CLI_CONFIG_FILE: cliConfigFile, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' };
    // Settings that would make terraform look elsewhere for providers or plugins.
    for (const key of ['TF_PLUGIN_CACHE_DIR', 'TF_DATA_DIR', 'TF_CLI_ARGS', 'TF_CLI_ARGS_init', 'TF_CLI_ARGS_validate']) delete env[key];
    return env;
  }

  private missing(what: string): ToolMissingError {
    return new ToolMissingError(`${what} is not installed in ${this.root}: run \`npm run tools\` (it installs every tool tools/versions.json pins)`);
  }
}

let shared: Toolchain | undefined;
/** The toolchain of this checkout, read once. */
export const toolchain = (): Toolchain => (shared ??= new Toolchain());
