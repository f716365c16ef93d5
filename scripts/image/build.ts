/**
 * Builds the service image with the container engine found (docker with a live engine, else podman,
 * else buildah), by default on the local stand-in bases of the offline harness
 * (offline/stand-in-images; without that folder, on the Dockerfile's own bases).
 *
 *   npx tsx scripts/image/build.ts                      # hono-api:test on the stand-ins
 *   npx tsx scripts/image/build.ts --public --tag hono-api:dev   # on the Dockerfile's pinned bases
 *   npx tsx scripts/image/build.ts --no-cache --verbose
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { imageSizeArgs } from './lib/args.js';
import { CACHE_DIR, REPO_ROOT, TEST_IMAGE_TAG } from './lib/paths.js';
import { type BaseImages, buildTestImage, findEngine, runCommand } from './lib/setup.js';
import { formatBytes, parseSize } from './lib/size.js';

const { values } = parseArgs({
  options: {
    tag: { type: 'string', default: TEST_IMAGE_TAG },
    public: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
    verbose: { type: 'boolean' },
  },
});
const log = (line: string) => console.error(`[image] ${line}`);

const detection = await findEngine();
if (!detection.found) {
  log(`skipped: ${detection.reason}`);
  process.exit(2);
}
const { engine } = detection;
const started = performance.now();
const onOutput = values.verbose ? { onOutput: (chunk: string) => process.stderr.write(chunk) } : {};
// The stand-ins are the offline harness's: loaded only when asked for and present, so deleting
// offline/ on a machine that can pull the public bases leaves this working.
const standInModule = path.join(REPO_ROOT, 'offline', 'stand-in-images', 'stand-ins.ts');
const useStandIns = !values.public && existsSync(standInModule);
const bases: BaseImages | undefined = useStandIns
  ? await ((await import(standInModule)) as { ensureStandInBases: (options: Record<string, unknown>) => Promise<BaseImages> }).ensureStandInBases({
      engine,
      run: runCommand,
      dockerfile: path.join(REPO_ROOT, 'Dockerfile'),
      cacheDir: CACHE_DIR,
      log,
      ...onOutput,
    })
  : undefined;
const result = await buildTestImage({ engine, tag: values.tag, ...(bases ? { bases } : {}), noCache: values['no-cache'] ?? false, log, ...onOutput });
const total = (performance.now() - started) / 1000;
let size = '';
if (engine.kind !== 'buildah') {
  const inspect = await runCommand(engine.program, imageSizeArgs(engine.kind, values.tag), { env: engine.env });
  if (inspect.exitCode === 0) size = `, ${formatBytes(parseSize(inspect.stdout.trim()))}`;
}
log(`built ${values.tag}${size} in ${total.toFixed(1)} s (docker build step ${(result.buildMs / 1000).toFixed(1)} s, commit ${result.metadata.gitCommit})`);
