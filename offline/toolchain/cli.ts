/**
 * `npm run tools`: installs every tool tools/versions.json pins (see install.ts), printing one line
 * per tool. A second run prints `cached` for each and does nothing else.
 *
 *   npm run tools            # install what is missing
 *   npm run tools -- path    # print the cache directory
 */
import { Toolchain } from '../../tools/toolchain.js';
import { ToolInstallError, defaultInstallDeps, installTools } from './install.js';

const USAGE = 'usage: npm run tools [-- install|path]';

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'install', ...rest] = argv;
  if (rest.length > 0 || !['install', 'path', '--help', '-h'].includes(command)) {
    console.error(`tools: unknown argument "${argv.join(' ')}"\n${USAGE}`);
    return 2;
  }
  if (command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  const chain = new Toolchain();
  if (command === 'path') {
    console.log(chain.root);
    return 0;
  }
  const started = performance.now();
  const built = await installTools(chain, defaultInstallDeps());
  console.log(`tools: ${built === 0 ? 'everything cached' : `${built} installed`} in ${((performance.now() - started) / 1000).toFixed(1)} s (${chain.root})`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ToolInstallError ? `tools: ${err.message}` : err);
    process.exit(1);
  },
);
