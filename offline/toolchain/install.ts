/**
 * Installs every tool tools/versions.json pins into the toolchain cache (tools/toolchain.ts says
 * where). Each tool is one step that prints one line: `cached`, or `building` then `done` with the
 * time. A step that fails stops the run with the tool, the exact command that failed, the end of
 * its output and what to do. Nothing half-installed is ever used: a step empties its directory,
 * builds there and writes the `.complete` stamp as its last act; without the stamp the next run
 * starts that step again.
 *
 * Where each tool comes from, and why (no release downloads, no Terraform registry here):
 *   - Go tools and the helm, kubernetes and random providers: `go install` from the Go module proxy.
 *   - terraform and the AWS provider: the machine's own when it has the pinned version, else the
 *     xz archives in ../shared/terraform, checked against its SHA256SUMS.
 *   - checkov and zizmor: a virtual environment from PyPI.
 *   - Debian packages (shellcheck, podman…): apt-get, when running as root; otherwise the command to run.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeCommand, type Run, runCommand, tail } from '../../scripts/lib/run.js';
import { lookPath } from '../../scripts/lib/which.js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { type GoTool, REGISTRIES, REGISTRY, REPO_ROOT, STAMP, type Toolchain, isComplete, providerBinaryName } from '../../tools/toolchain.js';

export class ToolInstallError extends Error {
  override name = 'ToolInstallError';
  constructor(
    readonly tool: string,
    readonly step: string,
    detail: string,
    readonly fix: string,
  ) {
    super(`${tool}: failed at ${step}\n${detail.trimEnd()}\nWhat to do: ${fix}`);
  }
}

export interface InstallDeps {
  readonly run: Run;
  readonly out: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** ../shared/terraform beside the checkout: Terraform and the AWS provider for machines that lack them. */
  readonly sharedTerraformDir: string;
  /** Filesystem mirrors the machine may already have (the AWS provider is 707 MB unpacked). */
  readonly knownMirrors: readonly string[];
  readonly isRoot: boolean;
}

interface Step {
  readonly name: string;
  /** Already installed: nothing to do. */
  readonly cached: () => boolean | Promise<boolean>;
  readonly install: () => Promise<void>;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs a command, throwing ToolInstallError (with the end of its output) unless it exits 0. */
async function step(deps: InstallDeps, tool: string, command: string, args: readonly string[], fix: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const result = await deps.run(command, args, { ...options, timeoutMs: 45 * 60_000 });
  if (result.exitCode !== 0)
    throw new ToolInstallError(tool, `\`${describeCommand([command, ...args])}\` (exit ${result.exitCode})`, tail(`${result.stdout}\n${result.stderr}`, 25), fix);
  return result;
}

/** Empties `dir`, builds into it and stamps it complete. (Built in place: a venv cannot be moved.) */
async function installInto(dir: string, build: (dir: string) => Promise<void>) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await build(dir);
  writeFileSync(path.join(dir, STAMP), `${new Date().toISOString()}\n`);
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Unpacks `<shared>/<archive>.xz` to `target` and checks it against the folder's SHA256SUMS. */
async function unpackShared(deps: InstallDeps, tool: string, archive: string, target: string, fix: string) {
  const source = path.join(deps.sharedTerraformDir, archive);
  const unpacked = path.basename(target);
  if (!existsSync(source)) throw new ToolInstallError(tool, `looking for ${source}`, 'no such file', fix);
  await step(deps, tool, 'sh', ['-c', 'xz -dc -- "$1" > "$2" && chmod 0755 "$2"', 'unpack', source, target], fix);
  const sums = readFileSync(path.join(deps.sharedTerraformDir, 'SHA256SUMS'), 'utf8');
  const expected = sums.split('\n').map((l) => l.trim().split(/\s+/)).find(([, name]) => name?.replace(/^\*/, '') === unpacked)?.[0];
  const actual = await sha256(target);
  if (!expected || expected !== actual)
    throw new ToolInstallError(tool, `the SHA256 check of ${unpacked}`, `expected ${expected ?? '(no line for it in SHA256SUMS)'}, got ${actual}`, 'replace ../shared/terraform with an intact copy');
}

function goSteps(chain: Toolchain, deps: InstallDeps): Step[] {
  const goEnv = { ...deps.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
  const goInstall = async (tool: string, pkg: string, ldflags: readonly string[], into: string) => {
    const gobin = path.join(into, '.gobin');
    await step(deps, tool, 'go', ['install', '-trimpath', `-ldflags=${[...ldflags, '-s', '-w'].join(' ')}`, pkg], `check that the Go module proxy serves ${pkg} (\`go list -m -versions ${pkg.split('@')[0]}\`) and that \`go version\` is 1.26 or newer`, {
      env: { ...goEnv, GOBIN: gobin },
    });
    return gobin;
  };

  /**
   * A module whose go.mod has `replace` directives cannot be `go install`ed: build it from a small
   * local module that requires it and repeats its replaces (with published versions).
   */
  const goBuildWithReplaces = async (name: string, tool: GoTool, dir: string) => {
    const work = path.join(dir, '.build');
    mkdirSync(work, { recursive: true });
    const replaces = (tool.replace ?? []).map((r) => `replace ${r}`);
    writeFileSync(path.join(work, 'go.mod'), [`module toolchain.local/${name}`, '', 'go 1.26', '', `require ${tool.module} ${tool.moduleVersion}`, '', ...replaces, ''].join('\n'));
    const fix = `check that the Go module proxy serves ${tool.module}@${tool.moduleVersion} and every module in its replace list`;
    const packages = [tool.package, ...(tool.extraPackages ?? [])];
    await step(deps, name, 'go', ['get', ...packages.map((p) => `${p}@${tool.moduleVersion}`)], fix, { cwd: work, env: goEnv });
    // One build for all the packages: they share most of their dependencies.
    const out = packages.length > 1 ? `${dir}${path.sep}` : path.join(dir, tool.binary);
    await step(deps, name, 'go', ['build', '-trimpath', `-ldflags=${[...tool.ldflags, '-s', '-w'].join(' ')}`, '-o', out, ...packages], fix, { cwd: work, env: goEnv });
    if (packages.length > 1 && tool.binary !== path.basename(tool.package)) renameSync(path.join(dir, path.basename(tool.package)), path.join(dir, tool.binary));
    rmSync(work, { recursive: true, force: true });
  };

  const tools = Object.entries(chain.manifest.go).map(([name, tool]): Step => ({
    name: `${name} ${tool.version}`,
    cached: () => isComplete(chain.goToolDir(name)),
    install: () =>
      installInto(chain.goToolDir(name), async (dir) => {
        if (tool.replace?.length) return goBuildWithReplaces(name, tool, dir);
        for (const pkg of [tool.package, ...(tool.extraPackages ?? [])]) {
          const gobin = await goInstall(name, `${pkg}@${tool.moduleVersion}`, tool.ldflags, dir);
          renameSync(path.join(gobin, path.basename(pkg)), path.join(dir, pkg === tool.package ? tool.binary : path.basename(pkg)));
          rmSync(gobin, { recursive: true, force: true });
        }
      }),
  }));

  const providers = Object.entries(chain.manifest.providers)
    .filter(([, pin]) => pin.from === 'go')
    .map(([name, pin]): Step => ({
      name: `terraform-provider-${name} ${pin.version}`,
      cached: () => isComplete(chain.providerDir(name)),
      install: () =>
        installInto(chain.providerDir(name), async (dir) => {
          const gobin = await goInstall(`terraform-provider-${name}`, `${pin.module}@${pin.moduleVersion}`, [], dir);
          renameSync(path.join(gobin, path.basename(pin.module!)), path.join(dir, providerBinaryName(name, pin.version, pin.from)));
          rmSync(gobin, { recursive: true, force: true });
        }),
    }));
  return [...tools, ...providers];
}

function terraformSteps(chain: Toolchain, deps: InstallDeps): Step[] {
  const version = chain.manifest.terraform.version;
  const terraform: Step = {
    name: `terraform ${version}`,
    cached: () => isComplete(chain.terraformDir()),
    install: () =>
      installInto(chain.terraformDir(), async (dir) => {
        const own = lookPath('terraform', { pathEnv: deps.env.PATH });
        if (own) {
          const result = await deps.run(own, ['version', '-json'], { env: { CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' } });
          const found = (JSON.parse(result.stdout || '{}') as { terraform_version?: string }).terraform_version;
          if (found === version) return symlinkSync(own, path.join(dir, 'terraform'));
        }
        await unpackShared(deps, 'terraform', `terraform_${version}_${chain.platform}.xz`, path.join(dir, 'terraform'), `install Terraform ${version} on PATH, or put the shared folder (with terraform/) beside this checkout`);
      }),
  };

  const mirrored = Object.entries(chain.manifest.providers)
    .filter(([, pin]) => pin.from === 'mirror')
    .map(([name, pin]): Step => ({
      name: `terraform-provider-${name} ${pin.version}`,
      cached: () => isComplete(chain.providerDir(name)),
      install: () =>
        installInto(chain.providerDir(name), async (dir) => {
          const binary = providerBinaryName(name, pin.version, pin.from);
          const [namespace, type] = pin.source.split('/') as [string, string];
          for (const mirror of deps.knownMirrors) {
            const candidate = path.join(mirror, REGISTRY, namespace, type, pin.version, chain.platform, binary);
            if (existsSync(candidate)) return symlinkSync(candidate, path.join(dir, binary));
          }
          const archive = `${binary}_${chain.platform}.xz`;
          if (existsSync(path.join(deps.sharedTerraformDir, archive)) || deps.env.TOOLS_ALLOW_DOWNLOADS !== '1')
            return unpackShared(deps, `terraform-provider-${name}`, archive, path.join(dir, binary), `put the shared folder (with terraform/) beside this checkout, set TF_PLUGIN_MIRROR to a filesystem mirror holding ${pin.source} ${pin.version}, or (with network) set TOOLS_ALLOW_DOWNLOADS=1`);
          await downloadProvider(chain, deps, name, dir);
        }),
    }));

  const mirror: Step = {
    name: 'terraform provider mirror',
    cached: () => isComplete(chain.mirrorDir()),
    install: () =>
      installInto(chain.mirrorDir(), async (dir) => {
        for (const [name, pin] of Object.entries(chain.manifest.providers)) {
          const [namespace, type] = pin.source.split('/') as [string, string];
          // OpenTofu resolves a bare "aws" to its own registry's hostname; the same binaries serve both.
          for (const host of REGISTRIES) {
            const versionDir = path.join(dir, host, namespace, type, pin.version);
            mkdirSync(versionDir, { recursive: true });
            // Terraform links unpacked mirror entries into .terraform, so a symlink costs no disk per stack.
            symlinkSync(chain.providerDir(name), path.join(versionDir, chain.platform));
          }
        }
        const hashicorp = REGISTRIES.map((host) => `"${host}/hashicorp/*"`).join(', ');
        writeFileSync(
          path.join(dir, 'terraformrc'),
          [
            '# Written by `npm run tools`: every hashicorp provider from the pinned mirror, never from the network.',
            'provider_installation {',
            '  filesystem_mirror {',
            `    path    = ${JSON.stringify(dir)}`,
            `    include = [${hashicorp}]`,
            '  }',
            '  direct {',
            `    exclude = [${hashicorp}]`,
            '  }',
            '}',
            '',
          ].join('\n'),
        );
      }),
  };
  return [terraform, ...mirrored, mirror];
}

/**
 * Where the network is allowed (TOOLS_ALLOW_DOWNLOADS=1, e.g. GitHub's runners): `terraform init`
 * of a one-provider configuration, whose plugin cache holds the provider unpacked, as a mirror wants it.
 */
async function downloadProvider(chain: Toolchain, deps: InstallDeps, name: string, dir: string) {
  const pin = chain.manifest.providers[name]!;
  const [namespace, type] = pin.source.split('/') as [string, string];
  const work = path.join(dir, '.download');
  mkdirSync(path.join(work, 'cache'), { recursive: true });
  writeFileSync(path.join(work, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: { [type]: { source: pin.source, version: pin.version } } } }));
  writeFileSync(path.join(work, 'terraformrc'), 'provider_installation {\n  direct {}\n}\n');
  const env = { ...deps.env, TF_CLI_CONFIG_FILE: path.join(work, 'terraformrc'), TF_PLUGIN_CACHE_DIR: path.join(work, 'cache'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  await step(deps, `terraform-provider-${name}`, chain.bin('terraform'), ['init', '-backend=false', '-input=false', '-no-color'], `check that ${REGISTRY} is reachable`, { env, cwd: work });
  const unpacked = path.join(work, 'cache', REGISTRY, namespace, type, pin.version, chain.platform);
  for (const file of readdirSync(unpacked)) renameSync(path.join(unpacked, file), path.join(dir, file));
  rmSync(work, { recursive: true, force: true });
}

function pythonStep(chain: Toolchain, deps: InstallDeps): Step {
  const pins = Object.entries(chain.manifest.python).map(([name, p]) => `${name}${p.extras?.length ? `[${p.extras.join(',')}]` : ''}==${p.version}`);
  return {
    name: `python tools (${pins.join(', ')})`,
    cached: () => isComplete(chain.pythonDir()),
    install: () =>
      installInto(chain.pythonDir(), async (venv) => {
        const fix = 'check that python3 (with its venv module) is installed and that PyPI is reachable';
        await step(deps, 'python tools', 'python3', ['-m', 'venv', venv], fix);
        await step(deps, 'python tools', path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '--no-input', ...pins], fix);
      }),
  };
}

/** Each npm tool into its own prefix, exactly the pinned version, without install scripts. */
function npmSteps(chain: Toolchain, deps: InstallDeps): Step[] {
  return Object.entries(chain.manifest.npm).map(([name, pin]) => ({
    name: `${name} ${pin.version} (npm)`,
    cached: () => isComplete(chain.npmDir(name)),
    install: () =>
      installInto(chain.npmDir(name), async (dir) => {
        await step(deps, name, 'npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', `${name}@${pin.version}`], 'check that the npm registry is reachable');
      }),
  }));
}

async function dpkgInstalled(deps: InstallDeps, pkg: string): Promise<string | undefined> {
  const result = await deps.run('dpkg-query', ['-W', '-f=${Status}|${Version}', pkg]);
  const [status, version] = result.stdout.split('|');
  return result.exitCode === 0 && status?.endsWith(' installed') ? version : undefined;
}

function aptStep(chain: Toolchain, deps: InstallDeps): Step {
  const packages = Object.keys(chain.manifest.apt);
  const missing = async () => {
    const out: string[] = [];
    for (const pkg of packages) if (!(await dpkgInstalled(deps, pkg))) out.push(pkg);
    return out;
  };
  return {
    name: `debian packages (${packages.length})`,
    cached: async () => (await missing()).length === 0,
    install: async () => {
      const command = ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...(await missing())];
      // As root, or through passwordless sudo (GitHub's runners); otherwise say what to run.
      const sudo = deps.isRoot ? [] : lookPath('sudo', { pathEnv: deps.env.PATH }) && (await deps.run('sudo', ['-n', 'true'])).exitCode === 0 ? ['-n', '-E'] : undefined;
      if (!sudo) throw new ToolInstallError('debian packages', `checking ${command.slice(5).join(', ')}`, 'not installed, and this is neither root nor allowed passwordless sudo', `run \`sudo apt-get update && sudo ${command.join(' ')}\``);
      const env = { ...deps.env, DEBIAN_FRONTEND: 'noninteractive' };
      const [program, prefix] = sudo.length ? ['sudo', [...sudo, 'apt-get']] : ['apt-get', []];
      await step(deps, 'debian packages', program, [...prefix, 'update', '-q'], 'check that the Debian mirror is reachable', { env });
      await step(deps, 'debian packages', program, [...prefix, ...command.slice(1)], 'check that the Debian mirror is reachable', { env });
    },
  };
}

/**
 * The upstream CRDs: each file taken from its module's zip on the Go module proxy (`go mod download`
 * verifies it against the checksum database). cert-manager's source file carries Helm markers in
 * comments and label values; those labels are dropped, the schema is untouched.
 */
function crdStep(chain: Toolchain, deps: InstallDeps): Step {
  return {
    name: `upstream CRDs (${Object.keys(chain.manifest.crds).join(', ')})`,
    cached: () => isComplete(chain.crdDir()),
    install: () =>
      installInto(chain.crdDir(), async (dir) => {
        for (const [name, crd] of Object.entries(chain.manifest.crds)) {
          const moduleDir = await downloadModule(deps, `CRDs ${name}`, crd.module, crd.version);
          for (const file of crd.files) {
            const doc = parseYaml(readFileSync(path.join(moduleDir, file), 'utf8')) as { kind?: string; metadata?: Record<string, unknown> };
            if (doc?.kind !== 'CustomResourceDefinition') throw new ToolInstallError(`CRDs ${name}`, `reading ${file} from ${crd.module}@${crd.version}`, 'not a CustomResourceDefinition', 'fix the file list in tools/versions.json');
            // Labels (and any annotation) still holding a Helm expression are dropped; the api-approved
            // annotation a *.k8s.io group needs stays.
            delete doc.metadata!.labels;
            const annotations = (doc.metadata!.annotations ?? {}) as Record<string, string>;
            for (const [key, value] of Object.entries(annotations)) if (String(value).includes('{{')) delete annotations[key];
            writeFileSync(path.join(dir, `${name}-${path.basename(file)}`), stringifyYaml(doc));
          }
        }
      }),
  };
}

/** A module's source from the Go module proxy (`go mod download` checks it against the checksum database); its directory. */
async function downloadModule(deps: InstallDeps, what: string, module: string, version: string, goToolchain?: string): Promise<string> {
  const env = { ...deps.env, GOFLAGS: '-mod=mod', ...(goToolchain ? { GOTOOLCHAIN: goToolchain } : {}) };
  const result = await step(deps, what, 'go', ['mod', 'download', '-json', `${module}@${version}`], `check that the Go module proxy serves ${module}@${version}${goToolchain ? ` and ${goToolchain}` : ''}`, { env });
  return (JSON.parse(result.stdout) as { Dir: string }).Dir;
}

/** The add-on charts' default values.yaml, copied as they are from their source modules. */
function chartValuesStep(chain: Toolchain, deps: InstallDeps): Step {
  return {
    name: `upstream chart values (${Object.keys(chain.manifest.chartValues).join(', ')})`,
    cached: () => isComplete(chain.chartValuesDir()),
    install: () =>
      installInto(chain.chartValuesDir(), async (dir) => {
        for (const [name, pin] of Object.entries(chain.manifest.chartValues)) {
          const moduleDir = await downloadModule(deps, `chart values ${name}`, pin.module, pin.version, pin.goToolchain);
          copyFileSync(path.join(moduleDir, pin.file), path.join(dir, `${name}.yaml`));
          if (pin.policyFile) copyFileSync(path.join(moduleDir, pin.policyFile), path.join(dir, `${name}-iam-policy.json`));
        }
      }),
  };
}

/** Every step, in the order they run: cheap checks first, the long Go builds after. */
export const installSteps = (chain: Toolchain, deps: InstallDeps): Step[] => [aptStep(chain, deps), ...terraformSteps(chain, deps), pythonStep(chain, deps), ...npmSteps(chain, deps), crdStep(chain, deps), chartValuesStep(chain, deps), ...goSteps(chain, deps)];

/** Installs what is missing; returns how many steps did work. */
export async function installTools(chain: Toolchain, deps: InstallDeps): Promise<number> {
  let built = 0;
  const steps = installSteps(chain, deps);
  // The mirror links the providers, so it is written after the builds.
  const ordered = [...steps.filter((s) => s.name !== 'terraform provider mirror'), ...steps.filter((s) => s.name === 'terraform provider mirror')];
  for (const s of ordered) {
    if (await s.cached()) {
      deps.out(`tools: ${s.name.padEnd(44)} cached`);
      continue;
    }
    deps.out(`tools: ${s.name.padEnd(44)} building…`);
    const started = performance.now();
    await s.install();
    built++;
    deps.out(`tools: ${s.name.padEnd(44)} done in ${seconds(performance.now() - started)}`);
  }
  return built;
}

export const defaultInstallDeps = (env: NodeJS.ProcessEnv = process.env): InstallDeps => ({
  run: runCommand,
  out: (line) => console.log(line),
  env,
  sharedTerraformDir: env.SHARED_TERRAFORM_DIR || path.join(REPO_ROOT, '..', 'shared', 'terraform'),
  knownMirrors: [env.TF_PLUGIN_MIRROR, '/opt/tf-plugins', '/usr/share/terraform/plugins', '/usr/local/share/terraform/plugins', path.join(env.HOME ?? '/root', '.terraform.d', 'plugins')].filter(
    (d): d is string => Boolean(d),
  ),
  isRoot: process.getuid?.() === 0,
});
