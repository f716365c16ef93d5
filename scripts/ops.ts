/**
 * One guided command line for the platform's whole lifecycle:
 *
 *   npm run ops -- doctor                 # the tools each workflow needs, with install hints
 *   npm run ops -- bootstrap              # the Terraform state bucket (once per account)
 *   npm run ops -- deploy dev --with-shared
 *   npm run ops -- url dev                # where the service answers
 *   npm run ops -- cost prod              # monthly estimate from the synthesised resources
 *   npm run ops -- destroy dev
 *
 * The logic lives in scripts/ops/; `--help` works on every command.
 */
import { main } from './ops/cli.js';
import { createDeps } from './ops/deps.js';

process.exitCode = await main(process.argv.slice(2), createDeps());
