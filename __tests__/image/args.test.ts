import { describe, expect, it } from 'vitest';
import {
  buildArgs,
  buildahImportSteps,
  configChanges,
  containerInspectArgs,
  createArgs,
  historyArgs,
  imageConfigArgs,
  importArgs,
  removeContainerArgs,
  runArgs,
  stopArgs,
} from '../../scripts/image/lib/args.js';

const spec = {
  dockerfile: '/repo/Dockerfile',
  context: '/repo',
  tag: 'hono-api:test',
  buildArgs: { BUILD_IMAGE: 'localhost/stand-in/node:20-bookworm-slim', VERSION: '0.1.0' },
  secrets: [{ id: 'npm_ca', src: '/etc/ssl/certs/ca-certificates.crt' }],
};

describe('buildArgs', () => {
  it('docker: BuildKit plain progress, build args and the secret, context last', () => {
    expect(buildArgs('docker', spec)).toEqual([
      'build', '--progress=plain', '-f', '/repo/Dockerfile', '-t', 'hono-api:test',
      '--build-arg', 'BUILD_IMAGE=localhost/stand-in/node:20-bookworm-slim', '--build-arg', 'VERSION=0.1.0',
      '--secret', 'id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt', '/repo',
    ]);
  });

  it('podman and buildah: cached layers, local bases only when asked, optional host network', () => {
    const podman = buildArgs('podman', { ...spec, pull: 'never', network: 'host', noCache: true });
    expect(podman.slice(0, 6)).toEqual(['build', '--layers', '--pull=never', '--network', 'host', '--no-cache']);
    expect(podman.at(-1)).toBe('/repo');
    expect(buildArgs('buildah', { ...spec, pull: 'never' }).slice(0, 3)).toEqual(['build', '--layers', '--pull=never']);
    expect(buildArgs('podman', spec).slice(0, 4)).toEqual(['build', '--layers', '-f', '/repo/Dockerfile']);
    expect(buildArgs('docker', { ...spec, pull: 'never' })).not.toContain('--pull=never');
    expect(buildArgs('docker', { ...spec, network: 'host' })).not.toContain('--network');
  });
});

describe('runArgs', () => {
  const run = {
    image: 'hono-api:test',
    name: 'c1',
    detach: true,
    readOnly: true,
    tmpfs: ['/tmp'],
    publish: [{ hostIp: '127.0.0.1', hostPort: 41234, containerPort: 8080 }],
    env: { ROOT_MESSAGE: 'hi there' },
  };

  it('docker: read-only with a /tmp tmpfs, loopback port, env', () => {
    expect(runArgs('docker', run)).toEqual([
      'run', '-d', '--name', 'c1', '--read-only', '--tmpfs', '/tmp', '-p', '127.0.0.1:41234:8080', '-e', 'ROOT_MESSAGE=hi there', 'hono-api:test',
    ]);
  });

  it("podman: also turns off podman's extra writable tmpfs mounts", () => {
    expect(runArgs('podman', run)).toEqual([
      'run', '-d', '--name', 'c1', '--read-only', '--read-only-tmpfs=false', '--tmpfs', '/tmp', '-p', '127.0.0.1:41234:8080', '-e', 'ROOT_MESSAGE=hi there', 'hono-api:test',
    ]);
  });

  it('an entrypoint override and a command', () => {
    expect(runArgs('podman', { image: 'i', remove: true, entrypoint: '/bin/sh', command: ['-c', 'true'] })).toEqual(['run', '--rm', '--entrypoint', '/bin/sh', 'i', '-c', 'true']);
  });

  it('buildah cannot run, stop or inspect containers', () => {
    expect(() => runArgs('buildah', run)).toThrow(/buildah cannot run/);
    expect(() => stopArgs('buildah', 'c1', 10)).toThrow();
    expect(() => containerInspectArgs('buildah', 'c1', '{{.State.Pid}}')).toThrow();
  });
});

describe('container and image commands', () => {
  it('stop, remove, inspect', () => {
    expect(stopArgs('podman', 'c1', 10)).toEqual(['stop', '-t', '10', 'c1']);
    expect(removeContainerArgs('podman', 'c1')).toEqual(['rm', '-f', '-t', '0', 'c1']);
    expect(removeContainerArgs('docker', 'c1')).toEqual(['rm', '-f', 'c1']);
    expect(containerInspectArgs('docker', 'c1', '{{.State.ExitCode}}')).toEqual(['container', 'inspect', '--format', '{{.State.ExitCode}}', 'c1']);
  });

  it('image config: Docker-style for docker and podman, OCI for buildah', () => {
    expect(imageConfigArgs('podman', 'i')).toEqual(['image', 'inspect', '--format', '{{json .Config}}', 'i']);
    expect(imageConfigArgs('buildah', 'i')).toEqual(['inspect', '--type', 'image', '--format', '{{json .OCIv1.Config}}', 'i']);
  });

  it('history: podman JSON array, docker JSON lines with byte sizes', () => {
    expect(historyArgs('podman', 'i')).toEqual(['history', '--no-trunc', '--format', 'json', 'i']);
    expect(historyArgs('docker', 'i')).toEqual(['history', '--no-trunc', '--human=false', '--format', '{{json .}}', 'i']);
  });

  it('create: a dummy command for images without one; buildah makes a working container', () => {
    expect(createArgs('docker', 'i', 'n')).toEqual(['create', '--name', 'n', 'i', 'none']);
    expect(createArgs('buildah', 'i', 'n')).toEqual(['from', '--pull=never', '--name', 'n', 'i']);
  });
});

describe('importing a root file system', () => {
  const config = {
    env: { PATH: '/usr/bin:/bin' },
    labels: { 'local.stand-in.key': 'abc' },
    workdir: '/home/nonroot',
    user: '65532',
    entrypoint: ['/nodejs/bin/node'],
  };

  it('config as Dockerfile instructions for --change', () => {
    expect(configChanges(config)).toEqual([
      'ENV PATH="/usr/bin:/bin"',
      'LABEL local.stand-in.key="abc"',
      'WORKDIR /home/nonroot',
      'USER 65532',
      'ENTRYPOINT ["/nodejs/bin/node"]',
    ]);
    expect(configChanges({ cmd: ['node'] })).toEqual(['CMD ["node"]']);
  });

  it('podman/docker import: changes, message, tarball, tag', () => {
    expect(importArgs('podman', '/c/rt.tar', 'localhost/x:1', { user: '65532' }, 'stand-in')).toEqual([
      'import', '--change', 'USER 65532', '--message', 'stand-in', '/c/rt.tar', 'localhost/x:1',
    ]);
    expect(() => importArgs('buildah', '/c/rt.tar', 't', {})).toThrow(/buildahImportSteps/);
  });

  it('buildah: from scratch, add, config, commit', () => {
    expect(buildahImportSteps('/c/rt.tar', 'localhost/x:1', config, 'ctr')).toEqual([
      ['from', '--name', 'ctr', 'scratch'],
      ['add', 'ctr', '/c/rt.tar', '/'],
      ['config', '--env', 'PATH=/usr/bin:/bin', '--label', 'local.stand-in.key=abc', '--workingdir', '/home/nonroot', '--user', '65532', '--entrypoint', '["/nodejs/bin/node"]', 'ctr'],
      ['commit', '--rm', 'ctr', 'localhost/x:1'],
    ]);
  });
});
