/**
 * The Markdown report of a set of Terraform plans, for the plan comment on pull requests, the drift
 * issues and job summaries (see .github/workflows/plan.yml and drift.yml).
 *
 *   tsx scripts/ci/plan-report.ts --title "Plan: dev" --marker "<!-- … -->" --out report.md network-dev cluster-dev app-dev
 *
 * The logic lives in scripts/ci/plan-report/.
 */
import { main } from './plan-report/cli.js';

process.exitCode = main(process.argv.slice(2));
