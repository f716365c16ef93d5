/**
 * Builds (or reuses) the local stand-ins for the Dockerfile's two bases: see stand-ins.ts.
 *
 *   npx tsx offline/stand-in-images/cli.ts            # reuse what is cached
 *   npx tsx offline/stand-in-images/cli.ts --force    # rebuild from Debian and npm
 *   npx tsx offline/stand-in-images/cli.ts --verbose  # show mmdebstrap, tar and import output
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE_DIR, REPO_ROOT } from '../../scripts/image/lib/paths.js';
import { findEngine, runCommand } from '../../scripts/image/lib/setup.js';
import { ensureStandInBases } from './stand-ins.js';

const { values } = parseArgs({ options: { force: { type: 'boolean' }, verbose: { type: 'boolean' } } });
const log = (line: string) => console.error(`[stand-in-bases] ${line}`);

const detection = await findEngine();
if (!detection.found) {
  log(`skipped: ${detection.reason}`);
  process.exit(2);
}
const result = await ensureStandInBases({
  engine: detection.engine,
  run: runCommand,
  dockerfile: path.join(REPO_ROOT, 'Dockerfile'),
  cacheDir: CACHE_DIR,
  force: values.force ?? false,
  log,
  ...(values.verbose ? { onOutput: (chunk: string) => process.stderr.write(chunk) } : {}),
});
log(`${result.source} in ${(result.durationMs / 1000).toFixed(1)} s (Node ${result.nodeVersion}, key ${result.key})`);
console.log(`--build-arg BUILD_IMAGE=${result.buildImage} --build-arg RUNTIME_IMAGE=${result.runtimeImage}`);
