/**
 * The small images the real node needs and no registry here can serve, written as docker-archive
 * tars (what `ctr images import` reads) without any container engine:
 *
 *   - the pause image every pod sandbox starts with, compiled from the pause.c of the pinned
 *     k8s.io/kubernetes module (build/pause/linux), static, as upstream builds it;
 *   - a curl image for the chart's `helm test` hook: this machine's curl and the libraries it
 *     links, nothing else (no shell), run as 65532.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Run, mustRun, runCommand } from '../../scripts/lib/run.js';
import type { Toolchain } from '../../tools/toolchain.js';
import { PAUSE_IMAGE } from './node.js';

/** The image the chart's test hook runs on the real node (its digest is fixed on import: curlImageRef). */
export const CURL_IMAGE = 'localhost/hono-api-node/curl:local';

interface ImageSpec {
  readonly name: string;
  /** Files of the image: path inside it → path on this machine. */
  readonly files: Readonly<Record<string, string>>;
  readonly entrypoint: readonly string[];
  readonly user: string;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Writes `spec` as a one-layer docker-archive tar at `out`. */
export async function writeImageArchive(spec: ImageSpec, out: string, run: Run = runCommand): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'hono-api-image-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    for (const [inside, source] of Object.entries(spec.files)) {
      const target = path.join(rootfs, inside);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(source, target);
    }
    mkdirSync(path.join(rootfs, 'tmp'), { recursive: true });
    // Owned by root, same timestamps every time: the layer (and so the image) is reproducible.
    await mustRun(run, 'tar', ['-C', rootfs, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', path.join(work, 'layer.tar'), '.']);
    const diffId = `sha256:${sha256(path.join(work, 'layer.tar'))}`;
    const config = {
      // Go's names for the architecture, which Node's process.arch shares for these two.
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: { Entrypoint: spec.entrypoint, User: spec.user, WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'offline/cluster/images.ts' }],
    };
    writeFileSync(path.join(work, 'config.json'), JSON.stringify(config));
    writeFileSync(path.join(work, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [spec.name], Layers: ['layer.tar'] }]));
    await mustRun(run, 'tar', ['-C', work, '-cf', out, 'manifest.json', 'config.json', 'layer.tar']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The pause image from the pinned kubernetes module's own source. */
export async function buildPauseImage(chain: Toolchain, outDir: string, run: Run = runCommand): Promise<string> {
  const k8s = chain.goTool('kubernetes');
  const modCache = (await mustRun(run, 'go', ['env', 'GOMODCACHE'])).stdout.trim();
  const source = path.join(modCache, `${k8s.module}@${k8s.moduleVersion}`, 'build', 'pause', 'linux', 'pause.c');
  const binary = path.join(outDir, 'pause');
  const version = PAUSE_IMAGE.split(':').at(-1)!;
  await mustRun(run, 'gcc', ['-Os', '-Wall', '-Werror', '-static', `-DVERSION=v${version}-hono-api`, '-o', binary, source]);
  const out = path.join(outDir, 'pause.tar');
  await writeImageArchive({ name: PAUSE_IMAGE, files: { '/pause': binary }, entrypoint: ['/pause'], user: '65535:65535' }, out, run);
  return out;
}

/** A curl image: the curl binary and every library `ldd` says it loads. */
export async function buildCurlImage(outDir: string, run: Run = runCommand): Promise<string> {
  const curl = (await mustRun(run, 'sh', ['-c', 'command -v curl'])).stdout.trim();
  const libraries = (await mustRun(run, 'ldd', [curl])).stdout
    .split('\n')
    .map((l) => /(\/\S+)\s+\(0x/.exec(l)?.[1])
    .filter((l): l is string => !!l);
  const files: Record<string, string> = { '/usr/bin/curl': curl };
  for (const lib of libraries) files[lib] = lib;
  const out = path.join(outDir, 'curl.tar');
  await writeImageArchive({ name: CURL_IMAGE, files, entrypoint: ['/usr/bin/curl'], user: '65532:65532' }, out, run);
  return out;
}
