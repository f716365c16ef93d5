/** tools/toolchain.ts: the manifest's validation and where each tool is looked for. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAMP, Toolchain, ToolMissingError, parseManifest, readManifest } from '../../tools/toolchain.js';

const manifest = readManifest();
const emptyRoot = () => mkdtempSync(path.join(os.tmpdir(), 'hono-api-toolchain-'));

describe('the manifest', () => {
  it('pins Helm 3.19 or newer, actionlint 1.7.x, the four providers, checkov, zizmor and yamllint', () => {
    const [major, minor] = manifest.go.helm!.version.split('.').map(Number) as [number, number];
    expect(major).toBe(3);
    expect(minor).toBeGreaterThanOrEqual(19);
    expect(manifest.go.actionlint!.version).toMatch(/^1\.7\.\d+$/);
    expect(Object.keys(manifest.providers).sort()).toEqual(['aws', 'helm', 'kubernetes', 'random']);
    expect(Object.keys(manifest.python).sort()).toEqual(['awscli', 'checkov', 'cloudsplaining', 'moto', 'yamllint', 'zizmor']);
  });

  it('builds Helm with its version and the Kubernetes version it assumes set', () => {
    const helm = manifest.go.helm!;
    const [kMajor, kMinor] = helm.kubeVersion!.split('.');
    expect(helm.ldflags).toContain(`-X helm.sh/helm/v3/internal/version.version=v${helm.version}`);
    expect(helm.ldflags).toContain(`-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${kMajor}`);
    expect(helm.ldflags).toContain(`-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${kMinor}`);
  });

  it('names the field that is wrong', () => {
    const broken = JSON.parse(JSON.stringify(manifest)) as Record<string, Record<string, Record<string, unknown>>>;
    broken.providers!.helm!.version = '3.x';
    expect(() => parseManifest(broken, 'versions.json')).toThrow(/versions\.json: providers\.helm\.version/);
    delete broken.providers!.helm!.module;
    broken.providers!.helm!.version = '3.2.0';
    expect(() => parseManifest(broken, 'versions.json')).toThrow(/providers\.helm: "from": "go" needs "module"/);
  });
});

describe('Toolchain', () => {
  it('says to run `npm run tools` for a tool that is not installed', () => {
    const chain = new Toolchain(manifest, emptyRoot());
    expect(() => chain.bin('helm')).toThrow(ToolMissingError);
    expect(() => chain.bin('checkov')).toThrow(/npm run tools/);
    expect(() => chain.terraform()).toThrow(/terraform 1\.11\.4 is not installed/);
    expect(() => chain.bin('kind')).toThrow(/not a tool in tools\/versions\.json/);
  });

  it('counts a tool only once its directory is stamped complete', () => {
    const chain = new Toolchain(manifest, emptyRoot());
    mkdirSync(chain.goToolDir('helm'), { recursive: true });
    expect(() => chain.bin('helm')).toThrow(ToolMissingError);
    writeFileSync(path.join(chain.goToolDir('helm'), STAMP), '');
    expect(chain.bin('helm')).toBe(path.join(chain.goToolDir('helm'), 'helm'));
  });

  it('gives an edited pin a directory of its own, so a changed version is installed afresh', () => {
    const root = emptyRoot();
    const bumped = parseManifest({ ...manifest, go: { ...manifest.go, helm: { ...manifest.go.helm!, moduleVersion: 'v3.21.3' } } });
    expect(new Toolchain(bumped, root).goToolDir('helm')).not.toBe(new Toolchain(manifest, root).goToolDir('helm'));
    expect(new Toolchain(bumped, root).goToolDir('actionlint')).toBe(new Toolchain(manifest, root).goToolDir('actionlint'));
  });

  it('runs terraform with the mirror config and without settings that would look elsewhere', () => {
    const chain = new Toolchain(manifest, emptyRoot());
    for (const dir of [chain.terraformDir(), chain.mirrorDir()]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, STAMP), '');
    }
    const env = chain.terraformEnv({ PATH: '/bin', TF_PLUGIN_CACHE_DIR: '/x', TF_CLI_ARGS_init: '-upgrade' });
    expect(env).toMatchObject({ PATH: '/bin', TF_CLI_CONFIG_FILE: path.join(chain.mirrorDir(), 'terraformrc'), TF_INPUT: '0' });
    expect(env.TF_PLUGIN_CACHE_DIR).toBeUndefined();
    expect(env.TF_CLI_ARGS_init).toBeUndefined();
  });
});
