#!/usr/bin/env node
/**
 * Prunes package.json and package-lock.json, in place, to what the image's build stage needs: the
 * runtime dependencies plus the build tools below. The infrastructure toolchain (cdktf, provider
 * bindings, cdktf-cli: about 1 GB) and the test tools stay out of the image build, while `npm ci`
 * still installs exactly the locked versions and integrity hashes of what remains.
 *
 *   node scripts/image-deps.mjs [dir]     # dir defaults to the current directory
 *
 * Plain JavaScript on purpose: it runs before anything is installed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Development dependencies the build stage needs: type-check and bundle the service. */
export const BUILD_TOOLS = ['typescript', 'esbuild', 'tsx', '@types/node'];

/** Where Node would find `name` when required from the package installed at `from` ("" is the root). */
function resolveInLock(packages, from, name) {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** Every lock entry reachable from the root's kept dependencies (optional and peer ones included). */
export function reachable(packages, rootNames) {
  const keep = new Set();
  const queue = rootNames.map((name) => ['', name, false]);
  while (queue.length) {
    const [from, name, optional] = queue.shift();
    const at = resolveInLock(packages, from, name);
    if (!at) {
      if (optional) continue;
      throw new Error(`package-lock.json has no entry for ${name} (needed from ${from || 'the root'}); run npm install`);
    }
    if (keep.has(at)) continue;
    keep.add(at);
    const entry = packages[at];
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push([at, dep, false]);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push([at, dep, true]);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) queue.push([at, dep, true]);
  }
  return keep;
}

export function prune(pkg, lock, buildTools = BUILD_TOOLS) {
  const devDependencies = Object.fromEntries(buildTools.map((name) => {
    const version = pkg.devDependencies?.[name];
    if (!version) throw new Error(`build tool ${name} is not a devDependency in package.json`);
    return [name, version];
  }));
  const prunedPkg = { ...pkg, devDependencies, scripts: {} };
  const roots = [...Object.keys(pkg.dependencies ?? {}), ...buildTools];
  const keep = reachable(lock.packages, roots);
  const packages = { '': { ...lock.packages[''], dependencies: pkg.dependencies, devDependencies } };
  for (const [path, entry] of Object.entries(lock.packages)) if (keep.has(path)) packages[path] = entry;
  return { pkg: prunedPkg, lock: { ...lock, packages } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? '.';
  const read = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const { pkg, lock } = prune(read('package.json'), read('package-lock.json'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`image build dependencies: ${Object.keys(lock.packages).length - 1} locked packages`);
}
