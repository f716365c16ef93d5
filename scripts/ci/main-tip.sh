#!/usr/bin/env bash
# Whether a commit is still the tip of the main branch, for deploys started by a push to main:
#
#   MAIN_BRANCH=main scripts/ci/main-tip.sh <commit sha>
#
# GitHub does not guarantee the order of queued runs ("ordering is not guaranteed", concurrency
# docs), so an older push's deploy could plan or apply after a newer one's. deploy.yml asks this
# before planning and again after the approval: a commit that is no longer main's tip is skipped,
# because the deploy of the newer commit (queued behind it) carries its changes too.
# Writes tip=true|false to GITHUB_OUTPUT (stdout without it) and, when false, a notice; exit 1 only
# when the branch cannot be read (gh, GH_TOKEN, GITHUB_REPOSITORY; `contents: read`).
set -euo pipefail

sha="${1:?usage: $0 <commit sha>}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must be set}"
branch="${MAIN_BRANCH:-main}"
[[ "$sha" =~ ^[0-9a-f]{40}$ ]] || { echo "::error::'$sha' is not a commit sha" >&2; exit 64; }

if ! tip=$(gh api "repos/$GITHUB_REPOSITORY/git/ref/heads/$branch" --jq .object.sha) || [[ ! "$tip" =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::cannot read the tip of $branch (got '${tip:-nothing}')" >&2
  exit 1
fi
if [[ "$tip" == "$sha" ]]; then
  echo "tip=true" >>"${GITHUB_OUTPUT:-/dev/stdout}"
  exit 0
fi
echo "tip=false" >>"${GITHUB_OUTPUT:-/dev/stdout}"
note="$sha is no longer the tip of $branch ($tip is): skipped, because the deploy of the newer commit carries these changes too."
echo "::notice::$note"
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then echo "$note" >>"$GITHUB_STEP_SUMMARY"; fi
