#!/usr/bin/env bash
# Pre-flight for deploy.yml, before anything is planned: the GitHub environment a deploy will wait
# in must exist and be protected. A workflow that names a missing environment makes GitHub create
# it, unprotected, and the apply would run without anyone approving it.
#
#   scripts/ci/check-environment.sh prod
#
# Reads the environment with gh (GH_TOKEN, GITHUB_REPOSITORY; the job needs `actions: read`) and
# fails closed unless it has required reviewers (at least one) and a deployment branch/tag policy.
set -euo pipefail

name="${1:?usage: $0 <environment>}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must be set}"
settings="https://github.com/$GITHUB_REPOSITORY/settings/environments"

if ! environment=$(gh api "repos/$GITHUB_REPOSITORY/environments/$name" 2>/dev/null); then
  echo "::error::the GitHub environment '$name' does not exist (or cannot be read), so GitHub would create it unprotected. Fix: create it with required reviewers and a deployment branch policy: $settings (README: Deploying, one-time setup)"
  exit 1
fi
reviewers=$(jq '[.protection_rules[]? | select(.type == "required_reviewers") | .reviewers[]?] | length' <<<"$environment")
policy=$(jq -r 'if .deployment_branch_policy == null then "none" elif .deployment_branch_policy.protected_branches then "protected branches" else "selected branches and tags" end' <<<"$environment")
problems=()
[[ "$reviewers" -ge 1 ]] || problems+=("no required reviewers: a deploy would apply without an approval")
[[ "$policy" != "none" ]] || problems+=("no deployment branch policy: any branch could deploy")
if [[ ${#problems[@]} -gt 0 ]]; then
  for p in "${problems[@]}"; do echo "::error::environment '$name': $p. Fix: $settings/$name"; done
  exit 1
fi
echo "environment '$name': $reviewers required reviewer(s); deployments from $policy"
