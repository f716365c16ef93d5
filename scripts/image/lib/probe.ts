/**
 * Looking at a built image and a running container from the outside: free ports, HTTP readiness,
 * the main process's user, the files a build context holds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildArgs, containerInspectArgs, createArgs, exportArgs, removeContainerArgs, removeImageArgs } from './args.js';
import type { Engine } from './engine.js';
import { type Run, mustRun } from '../../lib/run.js';

export { freePort } from '../../lib/net.js';

export interface HttpWait {
  /** ms from the call until the first response with the wanted status. */
  elapsedMs: number;
  attempts: number;
}

/** Polls `url` until it answers `status` (default 200); throws with the last error after `timeoutMs`. */
export async function waitForStatus(url: string, options: { timeoutMs: number; status?: number; intervalMs?: number }): Promise<HttpWait> {
  const started = performance.now();
  const want = options.status ?? 200;
  let attempts = 0;
  let last = 'no attempt';
  while (performance.now() - started < options.timeoutMs) {
    attempts++;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === want) return { elapsedMs: performance.now() - started, attempts };
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 20));
  }
  throw new Error(`${url} did not answer ${want} within ${options.timeoutMs} ms (${attempts} attempts; last: ${last})`);
}

export interface ProcessIds {
  real: number;
  effective: number;
  saved: number;
  filesystem: number;
}

/** The Uid: or Gid: line of /proc/<pid>/status. */
export function parseStatusIds(status: string, which: 'Uid' | 'Gid'): ProcessIds {
  const m = new RegExp(`^${which}:\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$`, 'm').exec(status);
  if (!m) throw new Error(`no ${which}: line in /proc status`);
  return { real: Number(m[1]), effective: Number(m[2]), saved: Number(m[3]), filesystem: Number(m[4]) };
}

/**
 * The user ids of a running container's main process, read on the host from /proc/<pid>/status
 * (the engine reports the host pid). Only for engines on this host (podman, a local docker).
 */
export async function containerProcessIds(engine: Engine, run: Run, container: string): Promise<{ pid: number; uid: ProcessIds; gid: ProcessIds }> {
  const inspect = await mustRun(run, engine.program, containerInspectArgs(engine.kind, container, '{{.State.Pid}}'), { env: engine.env });
  const pid = Number(inspect.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`container ${container} has no main process (pid "${inspect.stdout.trim()}")`);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { pid, uid: parseStatusIds(status, 'Uid'), gid: parseStatusIds(status, 'Gid') };
}

export interface TarEntry {
  /** Without a leading "./" or a trailing "/". */
  path: string;
  /** First character of the mode: "-" file, "d" directory, "l" symlink, "h" hard link, … */
  type: string;
  size: number;
}

/**
 * A GNU `tar -tv --numeric-owner` listing, e.g.
 * `-rw-r--r-- 65532/65532  452691 2026-11-21 02:41 ./app/server.mjs`, sorted by path.
 */
export function parseTarListing(listing: string): TarEntry[] {
  const entries: TarEntry[] = [];
  for (const line of listing.split('\n')) {
    const m = /^(\S)\S*\s+\S+\s+(\d+)\s+\d{4}-\d\d-\d\d\s+\d\d:\d\d(?::\d\d)?\s+(.+)$/.exec(line.trim());
    if (!m) continue;
    const [, type = '?', size = '0', rest = ''] = m;
    const name = (type === 'l' || type === 'h' ? rest.split(type === 'l' ? ' -> ' : ' link to ')[0] ?? rest : rest).replace(/^\.\//, '').replace(/\/$/, '');
    if (name === '' || name === '.') continue;
    entries.push({ path: name, type, size: Number(size) });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Every entry in an image's file system (podman and docker: export a created container and list it). */
export async function imageFiles(engine: Engine, run: Run, image: string): Promise<TarEntry[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'image-files-'));
  const name = `image-files-${process.pid}-${Date.now()}`;
  try {
    await mustRun(run, engine.program, createArgs(engine.kind, image, name), { env: engine.env });
    const tarball = path.join(dir, 'fs.tar');
    await mustRun(run, engine.program, exportArgs(engine.kind, name, tarball), { env: engine.env, timeoutMs: 5 * 60_000 });
    const listing = await mustRun(run, 'tar', ['-tv', '--numeric-owner', '-f', tarball]);
    return parseTarListing(listing.stdout);
  } finally {
    await run(engine.program, removeContainerArgs(engine.kind, name), { env: engine.env });
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the engine sends as the build context for `contextDir` after its .dockerignore: a throwaway
 * `FROM scratch` / `COPY . /ctx/` build (its Dockerfile outside the context), then its files.
 */
export async function buildContextFiles(engine: Engine, run: Run, contextDir: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'context-probe-'));
  const tag = `localhost/context-probe:${process.pid}`;
  try {
    const dockerfile = path.join(dir, 'Dockerfile');
    writeFileSync(dockerfile, 'FROM scratch\nCOPY . /ctx/\n');
    await mustRun(run, engine.program, buildArgs(engine.kind, { dockerfile, context: contextDir, tag, noCache: true, pull: 'never' }), { env: engine.env, timeoutMs: 5 * 60_000 });
    const files = await imageFiles(engine, run, tag);
    return files.filter((f) => f.path.startsWith('ctx/')).map((f) => f.path.slice('ctx/'.length));
  } finally {
    await run(engine.program, removeImageArgs(engine.kind, tag), { env: engine.env });
    rmSync(dir, { recursive: true, force: true });
  }
}
