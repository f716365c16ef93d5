/**
 * Argument lists for docker, podman and buildah. Pure functions: what differs between the engines
 * lives here and is unit-tested; the callers only run what comes back.
 */
import type { EngineKind } from './engine.js';

export interface BuildSecret {
  /** The id a `RUN --mount=type=secret,id=…` asks for. */
  id: string;
  /** Host file with the secret's content. */
  src: string;
}

export interface BuildSpec {
  dockerfile: string;
  context: string;
  tag: string;
  buildArgs?: Readonly<Record<string, string>>;
  secrets?: readonly BuildSecret[];
  /** podman and buildah only: the network of RUN steps (docker builds always have the default bridge). */
  network?: 'host';
  /** Do not reuse cached layers. */
  noCache?: boolean;
  /**
   * 'never': use only images in the local store (the stand-ins: a `localhost/…` name must not be
   * looked up in a registry). Otherwise the engine's default policy. docker never pulls a base it has
   * unless asked to, so this only changes podman and buildah.
   */
  pull?: 'never';
}

/** `build` for the engine. */
export function buildArgs(kind: EngineKind, spec: BuildSpec): string[] {
  const args = ['build'];
  if (kind === 'docker') args.push('--progress=plain');
  else {
    args.push('--layers');
    if (spec.pull === 'never') args.push('--pull=never');
    if (spec.network) args.push('--network', spec.network);
  }
  if (spec.noCache) args.push('--no-cache');
  args.push('-f', spec.dockerfile, '-t', spec.tag);
  for (const [key, value] of Object.entries(spec.buildArgs ?? {})) args.push('--build-arg', `${key}=${value}`);
  for (const secret of spec.secrets ?? []) args.push('--secret', `id=${secret.id},src=${secret.src}`);
  args.push(spec.context);
  return args;
}

export interface PortMapping {
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

export interface RunSpec {
  image: string;
  name?: string;
  /** Run in the background (`-d`); the engine prints the container id. */
  detach?: boolean;
  /** Remove the container when it exits. */
  remove?: boolean;
  /** Read-only root file system; only the `tmpfs` paths are writable. */
  readOnly?: boolean;
  tmpfs?: readonly string[];
  publish?: readonly PortMapping[];
  env?: Readonly<Record<string, string>>;
  entrypoint?: string;
  command?: readonly string[];
}

/** `run` for docker or podman (buildah cannot run a service). */
export function runArgs(kind: EngineKind, spec: RunSpec): string[] {
  if (kind === 'buildah') throw new Error('buildah cannot run containers; use docker or podman');
  const args = ['run'];
  if (spec.detach) args.push('-d');
  if (spec.remove) args.push('--rm');
  if (spec.name) args.push('--name', spec.name);
  if (spec.readOnly) {
    args.push('--read-only');
    // podman adds writable tmpfs on /run, /tmp and /var/tmp to --read-only containers; docker and
    // Kubernetes (readOnlyRootFilesystem) do not. Match them: only what --tmpfs names is writable.
    if (kind === 'podman') args.push('--read-only-tmpfs=false');
  }
  for (const path of spec.tmpfs ?? []) args.push('--tmpfs', path);
  for (const p of spec.publish ?? []) args.push('-p', `${p.hostIp}:${p.hostPort}:${p.containerPort}`);
  for (const [key, value] of Object.entries(spec.env ?? {})) args.push('-e', `${key}=${value}`);
  if (spec.entrypoint !== undefined) args.push('--entrypoint', spec.entrypoint);
  args.push(spec.image, ...(spec.command ?? []));
  return args;
}

/** `stop` with a grace period in seconds before the engine kills the container. */
export function stopArgs(kind: EngineKind, container: string, graceSeconds: number): string[] {
  if (kind === 'buildah') throw new Error('buildah has no containers to stop');
  return ['stop', '-t', String(graceSeconds), container];
}

/** Force-remove a container, without podman's default 10 s stop timeout. */
export function removeContainerArgs(kind: EngineKind, container: string): string[] {
  if (kind === 'buildah') return ['rm', container];
  return kind === 'podman' ? ['rm', '-f', '-t', '0', container] : ['rm', '-f', container];
}

/** A Go template over a container (docker and podman share the State fields used here). */
export function containerInspectArgs(kind: EngineKind, container: string, format: string): string[] {
  if (kind === 'buildah') throw new Error('buildah has no running containers to inspect');
  return ['container', 'inspect', '--format', format, container];
}

export function logsArgs(kind: EngineKind, container: string): string[] {
  if (kind === 'buildah') throw new Error('buildah has no container logs');
  return ['logs', container];
}

/**
 * The image's config as JSON ({User, ExposedPorts, Labels, Entrypoint, Cmd, Env, WorkingDir}).
 * docker and podman show the Docker-style config; buildah shows the OCI one, which has the same
 * field names. Exits non-zero when the image does not exist.
 */
export function imageConfigArgs(kind: EngineKind, image: string): string[] {
  if (kind === 'buildah') return ['inspect', '--type', 'image', '--format', '{{json .OCIv1.Config}}', image];
  return ['image', 'inspect', '--format', '{{json .Config}}', image];
}

/** The image's total (uncompressed) size in bytes; docker and podman only. */
export function imageSizeArgs(kind: EngineKind, image: string): string[] {
  if (kind === 'buildah') throw new Error('buildah does not report image sizes; use podman or docker');
  return ['image', 'inspect', '--format', '{{.Size}}', image];
}

/** Layer history, newest first, as JSON (podman: one array; docker: one object per line, sizes in bytes). */
export function historyArgs(kind: EngineKind, image: string): string[] {
  if (kind === 'buildah') throw new Error('buildah has no history command; use podman or docker');
  if (kind === 'docker') return ['history', '--no-trunc', '--human=false', '--format', '{{json .}}', image];
  return ['history', '--no-trunc', '--format', 'json', image];
}

export function removeImageArgs(kind: EngineKind, image: string): string[] {
  return kind === 'buildah' ? ['rmi', '-f', image] : ['image', 'rm', '-f', image];
}

/** Export a container's file system as a tar stream on stdout (podman/docker) to the given file. */
export function exportArgs(kind: EngineKind, container: string, outFile: string): string[] {
  if (kind === 'buildah') throw new Error('use buildah mount to read a buildah container');
  return ['export', '-o', outFile, container];
}

/** Create (not start) a container, e.g. to export an image's files. */
export function createArgs(kind: EngineKind, image: string, name: string, command: readonly string[] = ['none']): string[] {
  if (kind === 'buildah') return ['from', '--pull=never', '--name', name, image];
  return ['create', '--name', name, image, ...command];
}

/** What an image built from a root file system tarball gets (a subset of a Dockerfile's instructions). */
export interface ImageConfig {
  env?: Readonly<Record<string, string>>;
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  user?: string;
  workdir?: string;
  labels?: Readonly<Record<string, string>>;
}

/** The config as Dockerfile instructions, the form `podman import --change` and `docker import --change` take. */
export function configChanges(config: ImageConfig): string[] {
  const changes: string[] = [];
  for (const [key, value] of Object.entries(config.env ?? {})) changes.push(`ENV ${key}=${JSON.stringify(value)}`);
  for (const [key, value] of Object.entries(config.labels ?? {})) changes.push(`LABEL ${key}=${JSON.stringify(value)}`);
  if (config.workdir) changes.push(`WORKDIR ${config.workdir}`);
  if (config.user) changes.push(`USER ${config.user}`);
  if (config.entrypoint) changes.push(`ENTRYPOINT ${JSON.stringify(config.entrypoint)}`);
  if (config.cmd) changes.push(`CMD ${JSON.stringify(config.cmd)}`);
  return changes;
}

/** `import` of a root file system tarball as an image (docker and podman). */
export function importArgs(kind: EngineKind, tarball: string, tag: string, config: ImageConfig, message?: string): string[] {
  if (kind === 'buildah') throw new Error('buildah has no import; use buildahImportSteps');
  const args = ['import'];
  for (const change of configChanges(config)) args.push('--change', change);
  if (message) args.push('--message', message);
  args.push(tarball, tag);
  return args;
}

/**
 * The buildah way to the same image: a scratch container, the tarball added (buildah unpacks a
 * local archive), the config applied, then committed. `container` is the name given to `from`.
 */
export function buildahImportSteps(tarball: string, tag: string, config: ImageConfig, container: string): string[][] {
  const configArgs = ['config'];
  for (const [key, value] of Object.entries(config.env ?? {})) configArgs.push('--env', `${key}=${value}`);
  for (const [key, value] of Object.entries(config.labels ?? {})) configArgs.push('--label', `${key}=${value}`);
  if (config.workdir) configArgs.push('--workingdir', config.workdir);
  if (config.user) configArgs.push('--user', config.user);
  if (config.entrypoint) configArgs.push('--entrypoint', JSON.stringify(config.entrypoint));
  if (config.cmd) configArgs.push('--cmd', JSON.stringify(config.cmd));
  configArgs.push(container);
  return [
    ['from', '--name', container, 'scratch'],
    ['add', container, tarball, '/'],
    configArgs,
    ['commit', '--rm', container, tag],
  ];
}
