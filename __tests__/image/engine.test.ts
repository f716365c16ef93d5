import { describe, expect, it } from 'vitest';
import {
  ULIMIT_CAPS,
  containerUlimits,
  containersConf,
  detectEngine,
  engineEnv,
  parseProcLimits,
} from '../../scripts/image/lib/engine.js';
import type { Run as CommandRunner, RunResult } from '../../scripts/lib/run.js';

type Reply = Partial<Pick<RunResult, 'exitCode' | 'stdout' | 'stderr'>>;

/** A runner answering from a table keyed by "program arg0 arg1…"; records every call. */
function stubRunner(replies: Record<string, Reply>) {
  const calls: { command: string; env: NodeJS.ProcessEnv | undefined }[] = [];
  const run: CommandRunner = async (program, args, options) => {
    const command = [program, ...args].join(' ');
    calls.push({ command, env: options?.env });
    const reply = replies[command] ?? { exitCode: 127, stderr: `no stub for ${command}` };
    return { command: [program, ...args], exitCode: reply.exitCode ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '', durationMs: 1 };
  };
  return { run, calls };
}

const onPath = (...names: string[]) => (name: string) => (names.includes(name) ? `/usr/bin/${name}` : undefined);

const DOCKER_INFO = '/usr/bin/docker info --format {{.ServerVersion}}';
const PODMAN_VERSION = '/usr/bin/podman info --format {{.Version.Version}}';
const BUILDAH_VERSION = '/usr/bin/buildah version --json';

describe('detectEngine', () => {
  it('prefers docker when `docker info` reaches an engine', async () => {
    const { run } = stubRunner({ [DOCKER_INFO]: { stdout: '28.2.2\n' }, '/usr/bin/docker --version': { stdout: 'Docker version 28.2.2, build e6534b4' } });
    const result = await detectEngine({ run, lookPath: onPath('docker', 'podman'), env: {}, containersConf: '/c/containers.conf' });
    expect(result).toMatchObject({ found: true, engine: { kind: 'docker', program: '/usr/bin/docker', canRun: true, version: '28.2.2' } });
    if (result.found) expect(result.engine.env.CONTAINERS_CONF).toBeUndefined();
  });

  it('falls back to podman when the docker client has no engine, and gives podman our containers.conf', async () => {
    const { run, calls } = stubRunner({
      [DOCKER_INFO]: { exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n' },
      [PODMAN_VERSION]: { stdout: '4.3.1\n' },
    });
    const result = await detectEngine({ run, lookPath: onPath('docker', 'podman', 'buildah'), env: { PATH: '/usr/bin' }, containersConf: '/c/containers.conf' });
    expect(result).toMatchObject({ found: true, engine: { kind: 'podman', canRun: true, version: '4.3.1', env: { CONTAINERS_CONF: '/c/containers.conf', PATH: '/usr/bin' } } });
    expect(result.notes[0]).toMatch(/docker: client at \/usr\/bin\/docker but no engine \(docker info: Cannot connect/);
    expect(calls.find((c) => c.command === PODMAN_VERSION)?.env?.CONTAINERS_CONF).toBe('/c/containers.conf');
  });

  it("skips podman's docker shim in favour of podman itself", async () => {
    const { run } = stubRunner({
      [DOCKER_INFO]: { stdout: '4.3.1' },
      '/usr/bin/docker --version': { stdout: 'podman version 4.3.1' },
      [PODMAN_VERSION]: { stdout: '4.3.1' },
    });
    const result = await detectEngine({ run, lookPath: onPath('docker', 'podman'), env: {} });
    expect(result).toMatchObject({ found: true, engine: { kind: 'podman' } });
    expect(result.notes.join()).toMatch(/docker shim/);
  });

  it('uses buildah when it is all there is, and says it cannot run containers', async () => {
    const { run } = stubRunner({ [BUILDAH_VERSION]: { stdout: '{"version": "1.28.2", "goVersion": "go1.19.8"}' } });
    const result = await detectEngine({ run, lookPath: onPath('buildah'), env: {} });
    expect(result).toMatchObject({ found: true, engine: { kind: 'buildah', canRun: false, version: '1.28.2' } });
  });

  it('moves on when podman is installed but broken', async () => {
    const { run } = stubRunner({ [PODMAN_VERSION]: { exitCode: 125, stderr: 'Error: cannot find runtime\n' }, [BUILDAH_VERSION]: { stdout: '{"version":"1.28.2"}' } });
    const result = await detectEngine({ run, lookPath: onPath('podman', 'buildah'), env: {} });
    expect(result).toMatchObject({ found: true, engine: { kind: 'buildah' } });
    expect(result.notes).toContain('podman: /usr/bin/podman does not work (Error: cannot find runtime)');
  });

  it('reports why nothing was found, with an install hint', async () => {
    const { run } = stubRunner({ [DOCKER_INFO]: { exitCode: 1, stderr: 'Cannot connect to the Docker daemon' } });
    const result = await detectEngine({ run, lookPath: onPath('docker'), env: {} });
    expect(result.found).toBe(false);
    if (!result.found) {
      expect(result.reason).toMatch(/^no container engine \(docker: client at \/usr\/bin\/docker but no engine/);
      expect(result.reason).toMatch(/podman: not installed; buildah: not installed/);
      expect(result.reason).toMatch(/apt-get install -y podman/);
    }
  });

  it('honours IMAGE_ENGINE, and only that engine', async () => {
    const { run, calls } = stubRunner({ [BUILDAH_VERSION]: { stdout: '{"version":"1.28.2"}' } });
    const result = await detectEngine({ run, lookPath: onPath('docker', 'podman', 'buildah'), env: { IMAGE_ENGINE: 'buildah' } });
    expect(result).toMatchObject({ found: true, engine: { kind: 'buildah' } });
    expect(calls.map((c) => c.command)).toEqual([BUILDAH_VERSION]);

    const bad = await detectEngine({ run, lookPath: onPath('podman'), env: { IMAGE_ENGINE: 'kaniko' } });
    expect(bad).toMatchObject({ found: false, reason: expect.stringMatching(/IMAGE_ENGINE=kaniko is not one of docker, podman, buildah/) });
  });
});

describe('engineEnv', () => {
  it('keeps a CONTAINERS_CONF the caller chose, and leaves docker alone', () => {
    expect(engineEnv('podman', { CONTAINERS_CONF: '/mine' }, '/ours').CONTAINERS_CONF).toBe('/mine');
    expect(engineEnv('buildah', {}, '/ours').CONTAINERS_CONF).toBe('/ours');
    expect(engineEnv('docker', {}, '/ours').CONTAINERS_CONF).toBeUndefined();
  });
});

describe('ulimits and containers.conf', () => {
  const limits = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    'Max processes             96365                96365                processes ',
    'Max open files            1024                 20000                files     ',
  ].join('\n');

  it('reads the hard limits from /proc/self/limits', () => {
    expect(parseProcLimits(limits)).toEqual({ nofile: 20000, nproc: 96365 });
    expect(parseProcLimits('Max open files  unlimited  unlimited  files')).toEqual({ nofile: undefined, nproc: undefined });
  });

  it('caps nofile at 20000 and nproc at 32768, lower when the host is lower', () => {
    expect(containerUlimits({ nofile: 1_048_576, nproc: 4_194_304 })).toEqual(ULIMIT_CAPS);
    expect(containerUlimits({ nofile: 4096, nproc: 1000 })).toEqual({ nofile: 4096, nproc: 1000 });
    expect(containerUlimits({})).toEqual(ULIMIT_CAPS);
  });

  it('writes both ulimits, cgroupfs, the file event logger and the runtime when given', () => {
    const conf = containersConf({ limits: parseProcLimits(limits), runtime: 'runc' });
    expect(conf).toContain('[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]');
    expect(conf).toContain('[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n');
    expect(containersConf({ limits: {} })).not.toContain('runtime =');
  });
});
