#!/usr/bin/env bash
# Deploys and releases wait for CI to have passed on the very commit they ship:
#
#   scripts/ci/wait-for-ci.sh <commit sha>
#
# Polls the runs of the CI workflow (.github/workflows/ci.yml) for that commit (gh, GH_TOKEN,
# GITHUB_REPOSITORY; the job needs `actions: read`) until the newest one completes. Success: exit 0.
# Any other conclusion, no run at all by the deadline, or the deadline itself: exit 1, naming why.
# WAIT_FOR_CI_TIMEOUT (seconds, default 3600) and WAIT_FOR_CI_INTERVAL (default 30) tune the wait.
set -euo pipefail

sha="${1:?usage: $0 <commit sha>}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must be set}"
[[ "$sha" =~ ^[0-9a-f]{40}$ ]] || { echo "::error::'$sha' is not a commit sha" >&2; exit 64; }
timeout="${WAIT_FOR_CI_TIMEOUT:-3600}"
interval="${WAIT_FOR_CI_INTERVAL:-30}"
deadline=$((SECONDS + timeout))

while :; do
  run=$(gh api "repos/$GITHUB_REPOSITORY/actions/workflows/ci.yml/runs?head_sha=$sha&per_page=1" --jq '.workflow_runs[0] // empty | "\(.status) \(.conclusion // "-") \(.html_url)"')
  read -r status conclusion url <<<"${run:-none - -}"
  if [[ "$status" == "completed" ]]; then
    if [[ "$conclusion" == "success" ]]; then
      echo "CI passed on $sha: $url"
      exit 0
    fi
    echo "::error::CI concluded '$conclusion' on $sha ($url): nothing is deployed from a commit CI did not pass. Fix the commit, or re-run CI"
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "::error::CI on $sha is ${status/none/not started} after ${timeout} s; giving up (nothing deployed). Re-run this workflow once CI has passed"
    exit 1
  fi
  echo "CI on $sha: ${status/none/not started yet}; waiting ${interval} s"
  sleep "$interval"
done
