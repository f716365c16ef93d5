import { describe, expect, it } from 'vitest';
import { NPM_CA_SECRET, findCaBundle, imageBuildSpec, readBuildMetadata } from '../../scripts/image/lib/build-image.js';
import { REPO_ROOT } from '../../scripts/image/lib/paths.js';

const metadata = { version: '0.1.0', gitCommit: '22f53251428f2ebc159109a5969a0845ac2189a0', buildTime: '2026-01-31T12:00:00Z' };

describe('imageBuildSpec', () => {
  it('passes the bases, VERSION, GIT_COMMIT and BUILD_TIME, and the CA bundle as a secret', () => {
    const spec = imageBuildSpec({
      repoRoot: '/repo',
      tag: 'hono-api:test',
      metadata,
      bases: { buildImage: 'localhost/stand-in/node:20-bookworm-slim', runtimeImage: 'localhost/stand-in/distroless-nodejs20:nonroot' },
      caBundle: '/etc/ssl/certs/ca-certificates.crt',
    });
    expect(spec).toEqual({
      dockerfile: '/repo/Dockerfile',
      context: '/repo',
      tag: 'hono-api:test',
      buildArgs: {
        BUILD_IMAGE: 'localhost/stand-in/node:20-bookworm-slim',
        RUNTIME_IMAGE: 'localhost/stand-in/distroless-nodejs20:nonroot',
        VERSION: '0.1.0',
        GIT_COMMIT: metadata.gitCommit,
        BUILD_TIME: metadata.buildTime,
      },
      secrets: [{ id: NPM_CA_SECRET, src: '/etc/ssl/certs/ca-certificates.crt' }],
      pull: 'never',
    });
  });

  it("keeps the Dockerfile's own bases and no secret when none is given", () => {
    const spec = imageBuildSpec({ repoRoot: '/repo', tag: 't', metadata, noCache: true, network: 'host' });
    expect(Object.keys(spec.buildArgs ?? {})).toEqual(['VERSION', 'GIT_COMMIT', 'BUILD_TIME']);
    expect(spec.secrets).toEqual([]);
    expect(spec).toMatchObject({ noCache: true, network: 'host' });
    expect(spec.pull).toBeUndefined();
  });
});

describe('findCaBundle', () => {
  it('prefers NODE_EXTRA_CA_CERTS, then the system bundle, and only files that exist', () => {
    const exists = (f: string) => f === '/custom.pem' || f === '/etc/ssl/certs/ca-certificates.crt';
    expect(findCaBundle({ NODE_EXTRA_CA_CERTS: '/custom.pem' }, exists)).toBe('/custom.pem');
    expect(findCaBundle({ NODE_EXTRA_CA_CERTS: '/missing.pem' }, exists)).toBe('/etc/ssl/certs/ca-certificates.crt');
    expect(findCaBundle({}, () => false)).toBeUndefined();
  });
});

describe('readBuildMetadata', () => {
  it('version from package.json, a commit hash, the time at seconds precision (SOURCE_DATE_EPOCH when set)', () => {
    const m = readBuildMetadata(REPO_ROOT, { SOURCE_DATE_EPOCH: '1769860800' });
    expect(m.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.gitCommit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(m.buildTime).toBe('2026-01-31T12:00:00Z');
    expect(readBuildMetadata(REPO_ROOT, {}).buildTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
