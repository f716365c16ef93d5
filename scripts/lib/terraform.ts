/**
 * `terraform validate` for synthesized CDKTF stacks, offline, without touching cdktf.out.
 *
 * Terraform and its providers come from the pinned toolchain (tools/versions.json, installed by
 * `npm run tools`): `terraformSetup()` returns the binary and an environment whose CLI config takes
 * every hashicorp provider from the toolchain's filesystem mirror and never from the network.
 * validateStack() copies a stack directory to a temporary one, runs `terraform init -backend=false`
 * and `terraform validate -json` there, and returns the parsed diagnostics. The mirror's entries are
 * links, so validating many stacks costs no extra disk for the ~700 MB AWS provider.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Toolchain, toolchain } from '../../tools/toolchain.js';
import { runCommand } from './run.js';

export const DEFAULT_REGISTRY = 'registry.terraform.io';

/** A required_providers source ("aws", "hashicorp/aws", "registry.terraform.io/hashicorp/aws") as its full address; a short one is on the CLI's own registry. */
export function providerAddress(source: string, registry: string = DEFAULT_REGISTRY): string {
  const parts = source.toLowerCase().split('/');
  if (parts.length === 1 && parts[0]) return `${registry}/hashicorp/${parts[0]}`;
  if (parts.length === 2 && parts[0] && parts[1]) return `${registry}/${parts[0]}/${parts[1]}`;
  if (parts.length === 3 && parts.every(Boolean)) return parts.join('/');
  throw new Error(`not a provider source address: "${source}"`);
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

export interface TerraformSetup {
  readonly terraform: string;
  readonly version: string;
  /** The filesystem mirror every provider comes from. */
  readonly mirror: string;
  /** The environment to run terraform with (TF_CLI_CONFIG_FILE pointing at the mirror's config). */
  readonly env: NodeJS.ProcessEnv;
}

export type TerraformCli = 'terraform' | 'tofu';

/**
 * The toolchain's terraform (or OpenTofu) and the provider mirror. Throws ToolMissingError (run
 * `npm run tools`) when absent.
 */
export function terraformSetup(chain: Toolchain = toolchain(), cli: TerraformCli = 'terraform'): TerraformSetup {
  const { mirror } = chain.terraform();
  const binary = chain.bin(cli);
  const env = chain.terraformEnv();
  return { terraform: binary, version: terraformVersion(binary, env), mirror, env };
}

export function terraformVersion(terraform: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(terraform, ['version', '-json'], { encoding: 'utf8', timeout: 30_000, env });
  try {
    // OpenTofu prints the same document under the same key.
    return (JSON.parse(result.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    throw new Error(`\`${terraform} version -json\` failed: ${result.stderr || result.error?.message || 'no output'}`);
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
 * Validates one synthesized stack directory (holding cdk.tf.json or, synthesised as HCL, cdk.tf, and assets if any) in a
 * temporary copy, so the original never gets a .terraform directory or a lock file.
 */
export async function validateStack(stackDir: string, setup: TerraformSetup, name = path.basename(stackDir)): Promise<StackValidation> {
  if (!['cdk.tf.json', 'cdk.tf'].some((f) => existsSync(path.join(stackDir, f)))) throw new Error(`${stackDir} holds no cdk.tf.json or cdk.tf`);
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

/** Validates stack directories, `concurrency` at a time (the mirror is read-only, so they never race). */
export const validateStacks = (stackDirs: readonly string[], setup: TerraformSetup, concurrency = 2): Promise<StackValidation[]> =>
  mapLimit(stackDirs, concurrency, (dir) => validateStack(dir, setup));
