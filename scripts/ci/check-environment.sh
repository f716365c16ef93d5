#!/usr/bin/env bash
# Pre-flight for deploy.yml, before anything is planned: the GitHub environments the run will use
# must exist and be protected. A workflow that names a missing environment makes GitHub create it,
# unprotected, and the job would run without anyone approving it.
#
#   scripts/ci/check-environment.sh prod          the environment an apply waits in
#   scripts/ci/check-environment.sh --plan plan   the environment the plan job runs in
#
# A deploy environment needs: required reviewers (at least one), self-review prevented (whoever
# started the run cannot approve it), admins unable to bypass the rules (on by default), and a
# deployment branch/tag policy without a wildcard (`*` admits every branch).
# The plan environment (the plan role trusts its subject, stacks/ci-identity-stack.ts) needs no
# reviewers, only a policy that admits exactly what the plan role used to trust by ref: the branch
# MAIN_BRANCH (default main) and the tags v*, and admins unable to bypass it.
#
# Reads the environment with gh (GH_TOKEN, GITHUB_REPOSITORY; the job needs `actions: read`).
# Required reviewers in private repositories need GitHub Enterprise Cloud (README: which GitHub
# plans): there the reviewers check fails, naming that cause.
# Reference: docs.github.com/rest/deployments/environments and …/deployments/branch-policies.
set -euo pipefail

kind=deploy
if [[ "${1:-}" == --plan ]]; then
  kind=plan
  shift
fi
name="${1:?usage: $0 [--plan] <environment>}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must be set}"
main_branch="${MAIN_BRANCH:-main}"
settings="https://github.com/$GITHUB_REPOSITORY/settings/environments"

if ! environment=$(gh api "repos/$GITHUB_REPOSITORY/environments/$name" 2>/dev/null); then
  echo "::error::the GitHub environment '$name' does not exist (or cannot be read), so GitHub would create it unprotected. Fix: create it as README: Deploying (one-time setup) says: $settings. Environments in a private repository need GitHub Pro, Team or Enterprise."
  exit 1
fi

problems=()
# The custom policies' names and types ("branch main", "tag v*"), when the environment has them.
policies=()
policy=$(jq -r 'if .deployment_branch_policy == null then "none" elif .deployment_branch_policy.protected_branches then "protected" else "custom" end' <<<"$environment")
if [[ "$policy" == custom ]]; then
  if ! listed=$(gh api --paginate "repos/$GITHUB_REPOSITORY/environments/$name/deployment-branch-policies" 2>/dev/null); then
    problems+=("its deployment branch and tag policies cannot be read")
  else
    mapfile -t policies < <(jq -r '.branch_policies[]? | "\(.type // "branch") \(.name)"' <<<"$listed")
  fi
fi
[[ "$(jq -r '.can_admins_bypass == false' <<<"$environment")" == true ]] ||
  problems+=("administrators may bypass its protection rules (on by default). Fix: untick \"Allow administrators to bypass configured protection rules\"")

if [[ "$kind" == deploy ]]; then
  reviewers=$(jq '[.protection_rules[]? | select(.type == "required_reviewers") | .reviewers[]?] | length' <<<"$environment")
  if [[ "$reviewers" -ge 1 ]]; then
    [[ "$(jq -r '[.protection_rules[]? | select(.type == "required_reviewers") | .prevent_self_review] | all' <<<"$environment")" == true ]] ||
      problems+=("whoever starts a deploy may approve it. Fix: tick \"Prevent self-review\"")
  else
    problems+=("no required reviewers: a deploy would apply without an approval (in a private repository required reviewers need GitHub Enterprise Cloud)")
  fi
  case "$policy" in
    none) problems+=("no deployment branch policy: any branch could deploy. Fix: \"Selected branches and tags\"") ;;
    custom)
      for p in ${policies[@]+"${policies[@]}"}; do
        # A pattern of nothing but * and / matches every branch (or every tag).
        [[ "${p#* }" =~ ^[*/]+$ ]] && problems+=("the deployment policy '${p#* }' ($p) admits every ${p%% *}. Fix: name the branch or the v* tags")
      done
      [[ ${#policies[@]} -gt 0 ]] || problems+=("\"Selected branches and tags\" lists none")
      ;;
  esac
  summary="$reviewers required reviewer(s), self-review prevented; deployments from ${policies[*]:-protected branches}"
else
  if [[ "$policy" != custom ]]; then
    problems+=("its deployment policy is '$policy', not \"Selected branches and tags\" with the branch $main_branch and the tag pattern v*: the plan role trusts every job this environment admits")
  else
    for p in ${policies[@]+"${policies[@]}"}; do
      [[ "$p" == "branch $main_branch" || "$p" == "tag v*" ]] ||
        problems+=("the deployment policy '$p' admits more than the plan role trusts. Fix: allow only the branch $main_branch and the tag pattern v*")
    done
    [[ ${#policies[@]} -gt 0 ]] || problems+=("\"Selected branches and tags\" lists none (expected the branch $main_branch and the tag pattern v*)")
  fi
  summary="deployments from ${policies[*]:-nothing}"
fi

if [[ ${#problems[@]} -gt 0 ]]; then
  for p in "${problems[@]}"; do echo "::error::environment '$name': $p. Settings: $settings"; done
  exit 1
fi
echo "environment '$name': $summary"
