/** Unit tests for scripts/lib/helm.ts and scripts/lib/which.ts: no real helm needed. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HELM_INSTALL_HINT,
  HelmNotFoundError,
  ManifestParseError,
  escapeSetValue,
  findHelm,
  pinnedHelmPath,
  lintArgs,
  parseManifestDocuments,
  parseManifests,
  runHelm,
  templateArgs,
} from '../../scripts/lib/helm.js';
import { lookPath, pathDirs } from '../../scripts/lib/which.js';
import { platformConfig } from '../../stacks/config/environments.js';
import { Toolchain, readManifest } from '../../tools/toolchain.js';

const executables = (...files: string[]) => {
  const set = new Set(files);
  return (file: string) => set.has(file);
};

describe('lookPath', () => {
  it('returns the first PATH directory holding the command', () => {
    const isExecutable = executables('/b/helm', '/c/helm');
    expect(lookPath('helm', { pathEnv: ['/a', '/b', '/c'].join(path.delimiter), isExecutable })).toBe('/b/helm');
  });

  it('skips empty entries and the directories it is told to skip', () => {
    const isExecutable = executables('/b/helm', '/c/helm');
    expect(lookPath('helm', { pathEnv: ['', '/b', '', '/c'].join(path.delimiter), isExecutable, skipDirs: ['/b/'] })).toBe('/c/helm');
  });

  it('returns undefined when nothing matches or PATH is unset', () => {
    expect(lookPath('helm', { pathEnv: '/a', isExecutable: () => false })).toBeUndefined();
    expect(lookPath('helm', { pathEnv: undefined, isExecutable: () => true })).toBeUndefined();
  });

  it('refuses a path instead of a command name', () => {
    expect(() => lookPath('bin/helm', { pathEnv: '/a' })).toThrow(/bare command name/);
  });

  it('splits PATH on the platform delimiter', () => {
    expect(pathDirs(['/a', '', '/b'].join(path.delimiter))).toEqual(['/a', '/b']);
  });
});

describe('findHelm', () => {
  const emptyCache = () => new Toolchain(readManifest(), mkdtempSync(path.join(os.tmpdir(), 'hono-api-no-tools-')));

  it('is the pinned helm of the toolchain, whatever helm is first on PATH', async () => {
    const helm = findHelm();
    expect(helm).toBe(pinnedHelmPath());
    const version = await runHelm(['version', '--template', '{{.Version}}'], { helm, env: { ...process.env, PATH: '/nonexistent' } });
    expect(version.stdout).toBe(`v${readManifest().go.helm!.version}`);
  });

  it('assumes the production Kubernetes minor, not the 1.20 of an unflagged build', async () => {
    const result = await runHelm(['version', '--template', '{{.Version}}']);
    expect(result.exitCode).toBe(0);
    const chart = mkdtempSync(path.join(os.tmpdir(), 'hono-api-kubeversion-'));
    writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\n');
    mkdirSync(path.join(chart, 'templates'));
    writeFileSync(path.join(chart, 'templates', 'probe.yaml'), 'kube: {{ .Capabilities.KubeVersion.Version }}\n');
    const rendered = await runHelm(['template', chart]);
    expect(rendered.stdout).toContain(`kube: v${readManifest().go.helm!.kubeVersion}.0`);
    expect(Object.values(platformConfig.environments).map((e) => e.cluster.version)).toContain(readManifest().go.helm!.kubeVersion);
  });

  it('throws, saying to run `npm run tools`, when the toolchain has no helm', () => {
    const find = () => findHelm(emptyCache());
    expect(find).toThrow(HelmNotFoundError);
    expect(find).toThrow(/npm run tools/);
  });
});

describe('templateArgs and lintArgs', () => {
  it('builds a helm template command with every option, values files before --set', () => {
    expect(
      templateArgs({
        chart: 'helm/hono-api',
        release: 'demo',
        namespace: 'apps',
        kubeVersion: '1.31.0',
        apiVersions: ['monitoring.coreos.com/v1'],
        showOnly: ['templates/deployment.yaml'],
        valuesFiles: ['a.yaml', 'b.yaml'],
        set: { replicaCount: 3, 'image.allowLatest': true },
        setString: { 'image.tag': '1.0' },
        extraArgs: ['--debug'],
      }),
    ).toEqual([
      'template', 'demo', 'helm/hono-api',
      '--namespace', 'apps',
      '--kube-version', '1.31.0',
      '--api-versions', 'monitoring.coreos.com/v1',
      '--show-only', 'templates/deployment.yaml',
      '--values', 'a.yaml', '--values', 'b.yaml',
      '--set', 'replicaCount=3', '--set', 'image.allowLatest=true',
      '--set-string', 'image.tag=1.0',
      '--debug',
    ]);
  });

  it("uses Helm's default release name and nothing else by default", () => {
    expect(templateArgs({ chart: 'c' })).toEqual(['template', 'release-name', 'c']);
  });

  it('builds a helm lint command', () => {
    expect(lintArgs({ chart: 'c', strict: true, valuesFiles: ['ci/x-values.yaml'], set: { a: 1 } })).toEqual(['lint', 'c', '--strict', '--values', 'ci/x-values.yaml', '--set', 'a=1']);
    expect(lintArgs({ chart: 'c' })).toEqual(['lint', 'c']);
  });

  it('escapes commas and backslashes in --set values', () => {
    expect(escapeSetValue('a,b\\c')).toBe('a\\,b\\\\c');
    expect(templateArgs({ chart: 'c', set: { 'config.rootMessage': 'Hello, world' } })).toContain('config.rootMessage=Hello\\, world');
    expect(escapeSetValue(null)).toBe('null');
  });
});

describe('parseManifestDocuments', () => {
  const STREAM = [
    '---',
    '# Source: hono-api/templates/pdb.yaml',
    '---',
    '# Source: hono-api/templates/configmap.yaml',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: demo',
    'data:',
    '  FLAG: "on"',
    '---',
    '',
    '---',
    '# Source: hono-api/templates/service.yaml',
    'apiVersion: v1',
    'kind: Service',
    'metadata: { name: demo }',
    'spec: { publishNotReadyAddresses: off }',
    '',
  ].join('\n');

  it('skips empty and comment-only documents and keeps the rest in order', () => {
    expect(parseManifests(STREAM).map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['ConfigMap/demo', 'Service/demo']);
  });

  it("records each object's template from Helm's Source comment and its position", () => {
    expect(parseManifestDocuments(STREAM).map((d) => [d.index, d.source])).toEqual([
      [1, 'hono-api/templates/configmap.yaml'],
      [3, 'hono-api/templates/service.yaml'],
    ]);
  });

  it('reads YAML as Kubernetes does (1.1: unquoted on/off are booleans, quoted stay strings)', () => {
    const [configMap, service] = parseManifests(STREAM);
    expect(configMap?.data).toEqual({ FLAG: 'on' });
    expect(service?.spec).toEqual({ publishNotReadyAddresses: false });
  });

  it('returns nothing for an empty stream', () => {
    expect(parseManifests('')).toEqual([]);
    expect(parseManifests('---\n# nothing\n---\n')).toEqual([]);
  });

  it.each([
    ['invalid YAML', '---\n# Source: c/templates/bad.yaml\napiVersion: v1\nkind: [\n', /document 1 \(c\/templates\/bad\.yaml\)/],
    ['duplicate keys', 'apiVersion: v1\nkind: A\nkind: B\n', /document 1/],
    ['a document that is not a mapping', '- a\n- b\n', /not a mapping/],
    ['a document without kind', 'apiVersion: v1\nmetadata: { name: x }\n', /no apiVersion\/kind/],
  ])('throws a ManifestParseError for %s', (_, text, message) => {
    expect(() => parseManifestDocuments(text)).toThrow(ManifestParseError);
    expect(() => parseManifestDocuments(text)).toThrow(message);
  });
});

describe('runHelm', () => {
  // Node stands in for helm: runHelm only spawns a binary and collects what it prints.
  const node = process.execPath;

  it('returns stdout, stderr and the exit code without throwing on failure', async () => {
    const result = await runHelm(['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)'], { helm: node });
    expect(result).toEqual({ command: [node, '-e', expect.any(String)], exitCode: 3, stdout: 'out', stderr: 'err' });
  });

  it('reports a timeout as exit code 124', async () => {
    const result = await runHelm(['-e', 'setTimeout(() => {}, 10000)'], { helm: node, timeoutMs: 200 });
    expect(result.exitCode).toBe(124);
    expect(result.stderr).toMatch(/timed out after 200 ms/);
  });

  it('rejects with the install hint when the binary cannot be started', async () => {
    await expect(runHelm(['version'], { helm: '/nonexistent/helm' })).rejects.toThrow(HELM_INSTALL_HINT);
  });
});
