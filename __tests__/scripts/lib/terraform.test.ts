import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  type MirrorFs,
  MirrorError,
  TerraformUnavailableError,
  compareVersions,
  findProviderMirror,
  mapLimit,
  mirrorVersions,
  orderMirrorRoots,
  parseInitJsonLines,
  parseLockFile,
  parseProviderSource,
  parseValidateJson,
  prepareTerraform,
  providersMissingFromMirror,
  renderCliConfig,
  terraformPlatform,
} from '../../../scripts/lib/terraform.js';

/** A fake file system: the directories and files listed exist, nothing else. */
function fakeFs(paths: readonly string[]): MirrorFs {
  const dirs = new Set<string>();
  const children = new Map<string, Set<string>>();
  for (const p of paths) {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const parent = `/${parts.slice(0, i - 1).join('/')}`;
      const child = parts[i - 1]!;
      if (!children.has(parent)) children.set(parent, new Set());
      children.get(parent)!.add(child);
      if (i < parts.length || !child.endsWith('.zip')) dirs.add(`/${parts.slice(0, i).join('/')}`);
    }
  }
  return { isDir: (p) => dirs.has(p), list: (p) => [...(children.get(p) ?? [])] };
}

const AWS_UNPACKED = (root: string, version = '5.100.0') => `${root}/registry.terraform.io/hashicorp/aws/${version}/linux_amd64/terraform-provider-aws_v${version}_x5`;

describe('provider addresses and platforms', () => {
  it.each([
    ['aws', 'registry.terraform.io/hashicorp/aws'],
    ['hashicorp/helm', 'registry.terraform.io/hashicorp/helm'],
    ['registry.terraform.io/hashicorp/kubernetes', 'registry.terraform.io/hashicorp/kubernetes'],
    ['example.com/Acme/Thing', 'example.com/acme/thing'],
  ])('parses %s', (source, expected) => {
    const p = parseProviderSource(source);
    expect(`${p.hostname}/${p.namespace}/${p.type}`).toBe(expected);
  });

  it('rejects a malformed source', () => {
    expect(() => parseProviderSource('a/b/c/d')).toThrow('not a provider source address');
    expect(() => parseProviderSource('')).toThrow();
  });

  it('names platforms the way terraform does', () => {
    expect(terraformPlatform('linux', 'x64')).toBe('linux_amd64');
    expect(terraformPlatform('darwin', 'arm64')).toBe('darwin_arm64');
    expect(terraformPlatform('win32', 'x64')).toBe('windows_amd64');
  });

  it('orders versions numerically', () => {
    expect(['5.100.0', '5.9.0', '5.10.1', '4.67.0'].sort(compareVersions)).toEqual(['4.67.0', '5.9.0', '5.10.1', '5.100.0']);
  });
});

describe('mirrorVersions', () => {
  it('finds unpacked and packed versions for the platform only', () => {
    const fs = fakeFs([
      AWS_UNPACKED('/m'),
      '/m/registry.terraform.io/hashicorp/aws/5.99.0/darwin_arm64/x',
      '/m/registry.terraform.io/hashicorp/aws/terraform-provider-aws_5.90.0_linux_amd64.zip',
      '/m/registry.terraform.io/hashicorp/aws/terraform-provider-aws_5.91.0_darwin_arm64.zip',
    ]);
    expect(mirrorVersions('/m', undefined, 'linux_amd64', fs)).toEqual([
      { version: '5.90.0', layout: 'packed' },
      { version: '5.100.0', layout: 'unpacked' },
    ]);
    expect(mirrorVersions('/elsewhere', undefined, 'linux_amd64', fs)).toEqual([]);
  });
});

describe('findProviderMirror', () => {
  const base = { home: '/home/u', platform: 'linux_amd64' };

  it('takes TF_PLUGIN_MIRROR first', () => {
    const fs = fakeFs([AWS_UNPACKED('/custom'), AWS_UNPACKED('/opt/tf-plugins')]);
    const search = vi.fn(() => []);
    expect(findProviderMirror({ ...base, fs, search, env: { TF_PLUGIN_MIRROR: '/custom' } })).toMatchObject({ path: '/custom', source: 'TF_PLUGIN_MIRROR' });
    expect(search).not.toHaveBeenCalled();
  });

  it('fails loudly when TF_PLUGIN_MIRROR holds no provider, rather than looking elsewhere', () => {
    const fs = fakeFs([AWS_UNPACKED('/opt/tf-plugins')]);
    expect(() => findProviderMirror({ ...base, fs, env: { TF_PLUGIN_MIRROR: '/empty' } })).toThrow(MirrorError);
    expect(() => findProviderMirror({ ...base, fs, env: { TF_PLUGIN_MIRROR: '/empty' } })).toThrow(/TF_PLUGIN_MIRROR=\/empty holds no registry\.terraform\.io\/hashicorp\/aws for linux_amd64/);
  });

  it('then the known places, in order, without searching the disk', () => {
    const search = vi.fn(() => ['/found']);
    const fs = fakeFs([AWS_UNPACKED('/home/u/.terraform.d/plugins'), AWS_UNPACKED('/usr/share/terraform/plugins')]);
    expect(findProviderMirror({ ...base, fs, search, env: {} })).toMatchObject({ path: '/home/u/.terraform.d/plugins', source: 'known location' });
    expect(search).not.toHaveBeenCalled();
  });

  it('then the file system search, skipping roots without the provider', () => {
    const fs = fakeFs([AWS_UNPACKED('/srv/mirror'), '/srv/other/registry.terraform.io/hashicorp/null/3.0.0/linux_amd64/x']);
    expect(findProviderMirror({ ...base, fs, search: () => ['/srv/other', '/srv/mirror'], env: {} })).toMatchObject({
      path: '/srv/mirror',
      source: 'filesystem search',
      versions: [{ version: '5.100.0', layout: 'unpacked' }],
    });
  });

  it('returns undefined when nothing holds the provider', () => {
    expect(findProviderMirror({ ...base, fs: fakeFs([]), search: () => ['/x'], env: {} })).toBeUndefined();
  });

  it('orders search hits: real mirrors before the .terraform links of working directories, no duplicates', () => {
    expect(orderMirrorRoots(['/tmp/w/.terraform/providers', '/opt/m', '/opt/m', '/srv/m'])).toEqual(['/opt/m', '/srv/m', '/tmp/w/.terraform/providers']);
  });
});

describe('renderCliConfig', () => {
  it('takes hashicorp providers from the mirror only', () => {
    expect(renderCliConfig({ mirror: '/opt/tf-plugins' })).toBe(
      [
        'provider_installation {',
        '  filesystem_mirror {',
        '    path    = "/opt/tf-plugins"',
        '    include = ["registry.terraform.io/hashicorp/*"]',
        '  }',
        '  direct {',
        '    exclude = ["registry.terraform.io/hashicorp/*"]',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('downloads directly, through a plugin cache, without a mirror', () => {
    const text = renderCliConfig({ pluginCacheDir: '/tmp/cache' });
    expect(text).toContain('plugin_cache_dir = "/tmp/cache"');
    expect(text).toContain('  direct {}');
    expect(text).not.toContain('filesystem_mirror');
  });

  it('escapes paths so they never interpolate', () => {
    expect(renderCliConfig({ mirror: '/odd/${x}/"q"' })).toContain('path    = "/odd/$${x}/\\"q\\""');
  });
});

describe('prepareTerraform', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hono-api-fake-terraform-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  // A stand-in terraform that only answers `version -json`.
  const fake = path.join(tmp, 'terraform');
  writeFileSync(fake, '#!/bin/sh\necho \'{"terraform_version":"1.11.4"}\'\n');
  chmodSync(fake, 0o755);
  const nothing = { fs: fakeFs([]), search: () => [], home: '/nowhere', platform: 'linux_amd64' };

  it('says terraform is missing', () => {
    expect(() => prepareTerraform({ ...nothing, env: { PATH: '/nonexistent' } })).toThrow(/terraform is not on PATH/);
  });

  it('without a mirror or permission to download, fails and explains both ways out', () => {
    const attempt = () => prepareTerraform({ ...nothing, env: { PATH: tmp } });
    expect(attempt).toThrow(TerraformUnavailableError);
    expect(attempt).toThrow(/TF_PLUGIN_MIRROR/);
    expect(attempt).toThrow(/TF_VALIDATE_ALLOW_NETWORK=1/);
    expect(attempt).toThrow(/\/opt\/tf-plugins/);
  });

  it('with TF_VALIDATE_ALLOW_NETWORK=1, downloads through a shared plugin cache', () => {
    const setup = prepareTerraform({ ...nothing, pluginCacheDir: path.join(tmp, 'cache'), env: { PATH: tmp, TF_VALIDATE_ALLOW_NETWORK: '1', TF_PLUGIN_CACHE_DIR: '/else' } });
    try {
      expect(setup).toMatchObject({ mode: 'network', version: '1.11.4', pluginCacheDir: path.join(tmp, 'cache') });
      expect(readFileSync(setup.cliConfigFile, 'utf8')).toContain('direct {}');
      expect(setup.env.TF_CLI_CONFIG_FILE).toBe(setup.cliConfigFile);
      expect(setup.env.TF_PLUGIN_CACHE_DIR).toBeUndefined();
    } finally {
      setup.dispose();
    }
  });

  it('with an unpacked mirror, links from it: no cache, and TF_CLI_CONFIG_FILE points at the mirror config', () => {
    const setup = prepareTerraform({ ...nothing, fs: fakeFs([AWS_UNPACKED('/opt/tf-plugins')]), env: { PATH: tmp, TF_CLI_CONFIG_FILE: '/root/.terraformrc', TF_CLI_ARGS_init: '-upgrade' } });
    try {
      expect(setup.mode).toBe('mirror');
      expect(setup.pluginCacheDir).toBeUndefined();
      expect(readFileSync(setup.cliConfigFile, 'utf8')).toContain('path    = "/opt/tf-plugins"');
      expect(setup.env).toMatchObject({ TF_CLI_CONFIG_FILE: setup.cliConfigFile, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' });
      expect(setup.env.TF_CLI_ARGS_init).toBeUndefined();
    } finally {
      setup.dispose();
    }
  });
});

describe('output parsing', () => {
  it('parses validate -json', () => {
    const text = JSON.stringify({
      format_version: '1.0',
      valid: false,
      error_count: 1,
      warning_count: 0,
      diagnostics: [{ severity: 'error', summary: 'Unsupported argument', detail: 'An argument named "x" is not expected here.', range: { filename: 'cdk.tf.json', start: { line: 3, column: 5 } } }],
    });
    expect(parseValidateJson(text)).toMatchObject({ valid: false, error_count: 1, diagnostics: [{ summary: 'Unsupported argument' }] });
  });

  it('refuses output that is not validate JSON', () => {
    expect(() => parseValidateJson('Error: something')).toThrow(/printed no JSON/);
    expect(() => parseValidateJson('{"valid": true}')).toThrow(/unexpected/);
  });

  it('picks the diagnostics out of init -json lines', () => {
    const lines = [
      '{"@level":"info","@message":"Terraform 1.11.4","type":"version"}',
      '{"@level":"warn","type":"diagnostic","diagnostic":{"severity":"warning","summary":"Incomplete lock file information for providers","detail":"…"}}',
      'not json',
      '{"@level":"info","type":"init_output"}',
    ].join('\n');
    expect(parseInitJsonLines(lines)).toEqual([{ severity: 'warning', summary: 'Incomplete lock file information for providers', detail: '…' }]);
  });

  it('reads provider versions from a lock file', () => {
    const lock = `# This file is maintained automatically by "terraform init".

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.100.0"
  constraints = "5.100.0"
  hashes = [
    "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=",
  ]
}

provider "registry.terraform.io/hashicorp/helm" {
  version = "3.1.1"
}
`;
    expect(parseLockFile(lock)).toEqual({ 'registry.terraform.io/hashicorp/aws': '5.100.0', 'registry.terraform.io/hashicorp/helm': '3.1.1' });
  });

  it('lists the providers of a stack a mirror lacks, by pinned version', () => {
    const fs = fakeFs([AWS_UNPACKED('/m')]);
    const stack = { terraform: { required_providers: { aws: { source: 'aws', version: '5.100.0' }, helm: { source: 'helm', version: '3.1.1' } } } };
    expect(providersMissingFromMirror(stack, '/m', 'linux_amd64', fs)).toEqual(['registry.terraform.io/hashicorp/helm@3.1.1']);
    const otherAws = { terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '5.99.0' } } } };
    expect(providersMissingFromMirror(otherAws, '/m', 'linux_amd64', fs)).toEqual(['registry.terraform.io/hashicorp/aws@5.99.0']);
  });
});

describe('mapLimit', () => {
  it('keeps result order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([30, 10, 20, 5, 15], 2, async (ms) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 2;
    });
    expect(results).toEqual([60, 20, 40, 10, 30]);
    expect(peak).toBe(2);
  });

  it('handles an empty list', async () => {
    expect(await mapLimit([], 2, async () => 1)).toEqual([]);
  });
});
