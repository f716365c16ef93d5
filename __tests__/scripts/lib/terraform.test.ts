import { describe, expect, it } from 'vitest';
import { compareVersions, mapLimit, parseInitJsonLines, parseLockFile, parseValidateJson, providerAddress } from '../../../scripts/lib/terraform.js';
import { terraformPlatform } from '../../../tools/toolchain.js';

describe('provider addresses and platforms', () => {
  it.each([
    ['aws', 'registry.terraform.io/hashicorp/aws'],
    ['hashicorp/helm', 'registry.terraform.io/hashicorp/helm'],
    ['registry.terraform.io/hashicorp/kubernetes', 'registry.terraform.io/hashicorp/kubernetes'],
    ['example.com/Acme/Thing', 'example.com/acme/thing'],
  ])('parses %s', (source, expected) => {
    expect(providerAddress(source)).toBe(expected);
  });

  it('rejects a malformed source', () => {
    expect(() => providerAddress('a/b/c/d')).toThrow('not a provider source address');
    expect(() => providerAddress('')).toThrow();
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
