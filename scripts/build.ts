/**
 * Bundles the service into dist/server.mjs: one ESM file with every runtime dependency inlined,
 * so the runtime image needs no node_modules at all.
 *
 *   npm run build            # version from package.json, commit from git, time = now
 *   GIT_COMMIT=… BUILD_TIME=… npm run build   # what the Dockerfile passes in
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function gitCommit(): string | undefined {
  if (process.env.GIT_COMMIT) return process.env.GIT_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined; // not a git checkout (e.g. a Docker build context without .git)
  }
}

const buildTime =
  process.env.BUILD_TIME ??
  (process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date()).toISOString();

const result = await build({
  entryPoints: ['src/server.ts'],
  outdir: 'dist',
  entryNames: '[name]',
  // Optional features (the OpenTelemetry SDK) load lazily from their own chunks.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: 'linked',
  // Mappings are enough for readable stack traces; embedding the sources would triple the maps.
  sourcesContent: false,
  legalComments: 'linked',
  metafile: true,
  // prom-client and other CommonJS dependencies call require() for Node built-ins; an ESM bundle
  // has no require, so give it one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  define: {
    __BUILD_VERSION__: JSON.stringify(pkg.version),
    __BUILD_COMMIT__: JSON.stringify(gitCommit() ?? 'unknown'),
    __BUILD_TIME__: JSON.stringify(buildTime),
  },
  logLevel: 'warning',
});

// The lazily loaded chunks are vendor code (the OpenTelemetry SDK): their maps would be most of the
// image's app layer and say little in a stack trace, so only the service's own bundle keeps one.
for (const file of readdirSync('dist/chunks')) {
  const path = `dist/chunks/${file}`;
  if (file.endsWith('.map')) rmSync(path);
  else if (file.endsWith('.mjs')) writeFileSync(path, readFileSync(path, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
}

const bytes = result.metafile.outputs['dist/server.mjs']?.bytes ?? 0;
const chunks = Object.entries(result.metafile.outputs).filter(([file]) => file.startsWith('dist/chunks/') && file.endsWith('.mjs'));
const chunkBytes = chunks.reduce((sum, [, out]) => sum + out.bytes, 0);
console.log(
  `dist/server.mjs ${(bytes / 1024).toFixed(1)} KiB (version ${pkg.version}); lazily loaded chunks ${(chunkBytes / 1024).toFixed(1)} KiB in ${chunks.length} files`,
);
