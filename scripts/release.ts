/**
 * Release versioning: one command moves every version the repository carries.
 *
 *   npm run release -- 1.4.0              # rewrite the files, print the commit and tag commands
 *   npm run release -- 1.4.0 --commit     # and run them
 *
 * The logic lives in scripts/release/; `--help` explains the options.
 */
import { main } from './release/cli.js';
import { createDeps } from './release/deps.js';

process.exitCode = await main(process.argv.slice(2), createDeps());
