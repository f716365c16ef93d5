/**
 * offline/toolchain/install.ts against a fake command runner: what each step runs, that a failure
 * names the tool, the exact command and the fix, and that a second run does nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type InstallDeps, ToolInstallError, installTools } from '../../offline/toolchain/install.js';
import type { RunOptions, RunResult } from '../../scripts/lib/run.js';
import { REGISTRY, Toolchain, readManifest } from '../../tools/toolchain.js';

interface Call {
  readonly line: string;
  readonly options: RunOptions | undefined;
  /** For `go get` in a local build module: its go.mod at the time. */
  readonly goMod?: string;
}

/** A runner that "builds" what `go install`, `python3 -m venv`, pip and `sh -c xz …` would. */
function fakeDeps(options: { fail?: RegExp; root: string } ): { deps: InstallDeps; calls: Call[]; out: string[] } {
  const calls: Call[] = [];
  const out: string[] = [];
  const shared = path.join(options.root, 'shared');
  mkdirSync(shared, { recursive: true });
  writeFileSync(path.join(shared, 'SHA256SUMS'), '');
  const run = async (command: string, args: readonly string[], runOptions?: RunOptions): Promise<RunResult> => {
    const line = [path.basename(command), ...args].join(' ');
    const goMod = command === 'go' && args[0] === 'get' ? readFileSync(path.join(runOptions!.cwd!, 'go.mod'), 'utf8') : undefined;
    calls.push({ line, options: runOptions, ...(goMod ? { goMod } : {}) });
    if (options.fail?.test(line)) return { exitCode: 1, stdout: '', stderr: 'go: module lookup disabled\nexit status 1' };
    if (command === 'sh' && args[2] === 'unpack') writeFileSync(args[4]!, 'unpacked');
    if (command === 'dpkg-query') return { exitCode: 0, stdout: 'install ok installed|1.0', stderr: '' };
    if (command === 'go' && args[0] === 'build') {
      // `-o dir/` with several packages writes one binary per package, named after it.
      const out = args[args.indexOf('-o') + 1]!;
      const packages = args.slice(args.indexOf('-o') + 2);
      for (const file of out.endsWith('/') ? packages.map((p) => path.join(out, path.basename(p))) : [out]) writeFileSync(file, '#!/bin/sh\n');
    }
    if (command === 'go' && args[0] === 'mod') {
      // `go mod download -json module@version`: a module directory holding the CRD files the manifest names.
      const [module, version] = args.at(-1)!.split('@') as [string, string];
      const moduleDir = path.join(options.root, 'gomod', `${module}@${version}`);
      for (const crd of Object.values(readManifest().crds).filter((c) => c.module === module))
        for (const file of crd.files) {
          mkdirSync(path.dirname(path.join(moduleDir, file)), { recursive: true });
          writeFileSync(path.join(moduleDir, file), `# {{- if .Values.crds.enabled }}\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${path.basename(file)}\n  labels:\n    app: '{{ template "x" . }}'\nspec: {}\n`);
        }
      for (const pin of Object.values(readManifest().chartValues).filter((c) => c.module === module)) {
        mkdirSync(path.dirname(path.join(moduleDir, pin.file)), { recursive: true });
        writeFileSync(path.join(moduleDir, pin.file), `# values of ${module}@${version}\nreplicaCount: 1\n`);
        if (pin.policyFile) {
          mkdirSync(path.dirname(path.join(moduleDir, pin.policyFile)), { recursive: true });
          writeFileSync(path.join(moduleDir, pin.policyFile), '{"Version": "2012-10-17", "Statement": []}\n');
        }
      }
      return { exitCode: 0, stdout: JSON.stringify({ Dir: moduleDir }), stderr: '' };
    }
    if (command === 'go' && args[0] === 'install') {
      const gobin = runOptions?.env?.GOBIN as string;
      mkdirSync(gobin, { recursive: true });
      const pkg = args.at(-1)!.split('@')[0]!;
      writeFileSync(path.join(gobin, path.basename(pkg)), '#!/bin/sh\n');
    }
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  // A machine mirror holding the AWS provider, and a terraform on PATH at the pinned version.
  const mirror = path.join(options.root, 'machine-mirror');
  const aws = readManifest().providers.aws!;
  const awsDir = path.join(mirror, REGISTRY, 'hashicorp', 'aws', aws.version, 'linux_amd64');
  mkdirSync(awsDir, { recursive: true });
  writeFileSync(path.join(awsDir, `terraform-provider-aws_v${aws.version}_x5`), '');
  const bin = path.join(options.root, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'terraform'), `#!/bin/sh\necho '{"terraform_version":"${readManifest().terraform.version}"}'\n`, { mode: 0o755 });
  const deps: InstallDeps = {
    run: async (command, args, runOptions) => (command.endsWith('/terraform') ? { exitCode: 0, stdout: `{"terraform_version":"${readManifest().terraform.version}"}`, stderr: '' } : run(command, args, runOptions)),
    out: (line) => void out.push(line),
    env: { PATH: bin, HOME: options.root },
    sharedTerraformDir: shared,
    knownMirrors: [mirror],
    isRoot: true,
  };
  return { deps, calls, out };
}

describe('installTools', () => {
  it('installs every tool once, then reports each as cached and runs nothing', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hono-api-install-'));
    const chain = new Toolchain(readManifest(), path.join(root, 'cache'));
    const first = fakeDeps({ root });
    expect(await installTools(chain, first.deps)).toBeGreaterThan(5);
    expect(first.calls.map((c) => c.line)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^go install -trimpath -ldflags=-X helm\.sh\/helm\/v3\/internal\/version\.version=v3\.\d+\.\d+ .* helm\.sh\/helm\/v3\/cmd\/helm@v3\.\d+\.\d+$/),
        expect.stringMatching(/^go install .* github\.com\/hashicorp\/terraform-provider-kubernetes@v1\.13\.4-0\.\d+-[0-9a-f]{12}$/),
        expect.stringMatching(/^pip install --quiet .*checkov==\d+\.\d+\.\d+ zizmor==\d+\.\d+\.\d+ cloudsplaining==\d+\.\d+\.\d+ yamllint==\d+\.\d+\.\d+ moto\[server\]==\d+\.\d+\.\d+ awscli==\d+\.\d+\.\d+$/),
      ]),
    );
    expect(first.calls.find((c) => c.line.startsWith('go install'))?.options?.env).toMatchObject({ CGO_ENABLED: '0' });
    // OpenTofu's go.mod replaces hashicorp/hcl, so it is built from a local module repeating the replace.
    const tofu = first.calls.find((c) => c.line.startsWith('go get github.com/opentofu/opentofu/cmd/tofu@'));
    expect(tofu, 'no go get for OpenTofu').toBeDefined();
    expect(tofu!.goMod).toContain('replace github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2');
    expect(first.calls.map((c) => c.line)).toContainEqual(expect.stringMatching(/^go build -trimpath -ldflags=-X github\.com\/opentofu\/opentofu\/version\.dev=no -s -w -o .*\/tofu github\.com\/opentofu\/opentofu\/cmd\/tofu$/));
    // The CRDs, one file each, their Helm-templated labels dropped.
    const crds = chain.crdFiles();
    expect(crds.length).toBe(Object.values(readManifest().crds).flatMap((c) => c.files).length);
    for (const file of crds) expect(readFileSync(file, 'utf8')).not.toContain('{{');
    // The add-on charts' default values, copied as they are from the module at the pinned version.
    for (const [name, pin] of Object.entries(readManifest().chartValues)) expect(readFileSync(chain.chartValuesFile(name), 'utf8')).toContain(`values of ${pin.module}@${pin.version}`);
    // Both registries' names lead to the same binaries, for terraform and for OpenTofu.
    expect(readFileSync(path.join(chain.mirrorDir(), 'terraformrc'), 'utf8')).toContain('"registry.opentofu.org/hashicorp/*"');
    // The mirror lays out every provider the way terraform's unpacked filesystem mirror wants it.
    const helm = readManifest().providers.helm!;
    expect(existsSync(path.join(chain.mirrorDir(), REGISTRY, 'hashicorp', 'helm', helm.version, 'linux_amd64', `terraform-provider-helm_v${helm.version}`))).toBe(true);
    expect(readFileSync(path.join(chain.mirrorDir(), 'terraformrc'), 'utf8')).toContain(`path    = ${JSON.stringify(chain.mirrorDir())}`);
    expect(first.out.filter((l) => /done in \d+\.\d s$/.test(l)).length).toBeGreaterThan(5);

    const second = fakeDeps({ root });
    expect(await installTools(chain, second.deps)).toBe(0);
    expect(second.calls.filter((c) => !c.line.startsWith('dpkg-query'))).toEqual([]);
    expect(second.out.every((l) => l.endsWith(' cached'))).toBe(true);
  });

  it('stops at a failed build, naming the tool, the exact command, its output and what to do', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hono-api-install-'));
    const chain = new Toolchain(readManifest(), path.join(root, 'cache'));
    const { deps } = fakeDeps({ root, fail: /cmd\/actionlint/ });
    const error = await installTools(chain, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolInstallError);
    const message = (error as Error).message;
    expect(message).toMatch(/^actionlint: failed at `go install .*github\.com\/rhysd\/actionlint\/cmd\/actionlint@v1\.7\.\d+` \(exit 1\)/);
    expect(message).toContain('go: module lookup disabled');
    expect(message).toMatch(/What to do: check that the Go module proxy serves/);
    // Nothing half-installed counts: the next run builds actionlint again.
    expect(() => chain.bin('actionlint')).toThrow(/npm run tools/);
  });

  it('refuses a terraform from ../shared whose checksum does not match', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hono-api-install-'));
    const chain = new Toolchain(readManifest(), path.join(root, 'cache'));
    const { deps } = fakeDeps({ root });
    const version = readManifest().terraform.version;
    writeFileSync(path.join(deps.sharedTerraformDir, 'SHA256SUMS'), `${'0'.repeat(64)}  terraform\n`);
    writeFileSync(path.join(deps.sharedTerraformDir, `terraform_${version}_linux_amd64.xz`), 'xz');
    // No terraform on PATH: the shared archive is the only source.
    const error = await installTools(chain, { ...deps, env: { PATH: '/nonexistent' } }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`^terraform: failed at the SHA256 check of terraform`));
    expect((error as Error).message).toContain(`expected ${'0'.repeat(64)}`);
  });

  it('names the missing archive when neither the machine nor ../shared has terraform', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hono-api-install-'));
    const chain = new Toolchain(readManifest(), path.join(root, 'cache'));
    const { deps } = fakeDeps({ root });
    const error = await installTools(chain, { ...deps, env: { PATH: '/nonexistent' } }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^terraform: failed at looking for .*terraform_\d+\.\d+\.\d+_linux_amd64\.xz\nno such file\nWhat to do: install Terraform/);
  });

  it('says what to run when Debian packages are missing and it may not install them', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hono-api-install-'));
    const chain = new Toolchain(readManifest(), path.join(root, 'cache'));
    const { deps } = fakeDeps({ root });
    const missing: InstallDeps = {
      ...deps,
      isRoot: false,
      env: { PATH: '/nonexistent' },
      run: async (command, args, o) => (command === 'dpkg-query' && args.at(-1) === 'shellcheck' ? { exitCode: 1, stdout: '', stderr: 'no packages found' } : deps.run(command, args, o)),
    };
    const error = await installTools(chain, missing).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^debian packages: failed at checking shellcheck/);
    expect((error as Error).message).toContain('sudo apt-get install -y -q --no-install-recommends shellcheck');
  });
});
