/**
 * The local kind workflow for the hono-api chart: a three-node kind cluster, the image built and
 * loaded locally, the chart deployed by the app stack for kind (app-local, through the Terraform
 * Helm provider, as on EKS) and checked with `helm test`.
 *
 *   tsx scripts/kind.ts check     # docker or podman, kind, kubectl, helm, terraform
 *   tsx scripts/kind.ts all       # check → up → image → deploy → test
 *   tsx scripts/kind.ts forward   # http://127.0.0.1:8080/
 *   tsx scripts/kind.ts down
 *
 * The logic lives in scripts/kind/; `--help` lists every command.
 */
import { main } from './kind/cli.js';
import { createDeps } from './kind/deps.js';

process.exitCode = await main(process.argv.slice(2), createDeps());
