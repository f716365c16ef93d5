/**
 * Builds the service image with the container engine found (docker with a live engine, else podman,
 * else buildah), by default on the local stand-in bases (lib/stand-ins.ts).
 *
 *   npx tsx scripts/image/build.ts                      # hono-api:test on the stand-ins
 *   npx tsx scripts/image/build.ts --public --tag hono-api:dev   # on the Dockerfile's pinned bases
 *   npx tsx scripts/image/build.ts --no-cache --verbose
 */
import { parseArgs } from 'node:util';
import { imageSizeArgs } from './lib/args.js';
import { TEST_IMAGE_TAG } from './lib/paths.js';
import { buildTestImage, findEngine, runCommand } from './lib/setup.js';
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
const result = await buildTestImage({
  engine,
  tag: values.tag,
  publicBases: values.public ?? false,
  noCache: values['no-cache'] ?? false,
  log,
  ...(values.verbose ? { onOutput: (chunk: string) => process.stderr.write(chunk) } : {}),
});
const total = (performance.now() - started) / 1000;
let size = '';
if (engine.kind !== 'buildah') {
  const inspect = await runCommand(engine.program, imageSizeArgs(engine.kind, values.tag), { env: engine.env });
  if (inspect.exitCode === 0) size = `, ${formatBytes(parseSize(inspect.stdout.trim()))}`;
}
log(`built ${values.tag}${size} in ${total.toFixed(1)} s (docker build step ${(result.buildMs / 1000).toFixed(1)} s, commit ${result.metadata.gitCommit})`);
