#!/usr/bin/env bash
# The first step of every workflow that will hold a cloud token: every setting the run needs is
# there and well-formed, checked before anything is built, planned or sent for approval, each
# missing or malformed one named with where it comes from and how to set it.
#
#   scripts/ci/preflight.sh release | deploy:<env> | pull-request | drift
#
# The settings are scripts/ci/settings.json's: the job passes each variable it lists for the run
# through `env:` (${{ vars.NAME }}), and the script reads them from its environment. A GitHub
# environment's secrets are released only to a job in that environment, after its approval, so a
# workflow cannot see them here; ENVIRONMENT_SECRETS (the names `gh secret list --env <env>` shows,
# space-separated) checks them too, and `npm run ops -- check-config <env> --github` sets it.
# Exit 1 naming every problem; 0 when the run has all it needs.
set -euo pipefail

run="${1:?usage: $0 release | deploy:<env> | pull-request | drift}"
settings="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/settings.json"
repository="${GITHUB_REPOSITORY:-OWNER/REPO}"
case "$run" in
  release) environment=prod ;;
  deploy:*) environment=${run#deploy:} ;;
  pull-request | drift) environment="" ;;
  *) echo "::error::unknown run '$run' (expected release, deploy:<env>, pull-request or drift)" >&2; exit 64 ;;
esac
if [[ -z "$(jq -r --arg run "$run" '[.variables[] | select(.runs | index($run))] | length | select(. > 0)' "$settings")" ]]; then
  echo "::error::scripts/ci/settings.json lists no setting for '$run'" >&2
  exit 64
fi

problems=0
while IFS=$'\t' read -r name pattern from; do
  value="${!name:-}"
  where="Fix: gh variable set $name --repo $repository --body '<value>' (Settings → Secrets and variables → Actions → Variables)"
  if [[ -z "$value" ]]; then
    echo "::error::the repository variable $name is not set; this run needs $from. $where"
    problems=1
  elif [[ ! "$value" =~ $pattern ]]; then
    echo "::error::the repository variable $name is '$value', which is not $from (expected to match $pattern). $where"
    problems=1
  fi
done < <(jq -r --arg run "$run" '.variables | to_entries[] | select(.value.runs | index($run)) | [.key, .value.pattern, .value.from] | @tsv' "$settings")

if [[ -n "$environment" ]]; then
  if [[ -n "${ENVIRONMENT_SECRETS+set}" ]]; then
    while IFS=$'\t' read -r name from; do
      if [[ " $ENVIRONMENT_SECRETS " != *" $name "* ]]; then
        echo "::error::the GitHub environment $environment has no secret $name: $from"
        problems=1
      fi
    done < <(jq -r --arg run "$run" --arg env "$environment" '.environmentSecrets | to_entries[] | select(.value.runs | index($run)) | [.key, (.value.from | gsub("<env>"; $env))] | @tsv' "$settings")
  else
    names=$(jq -r --arg run "$run" '[.environmentSecrets | to_entries[] | select(.value.runs | index($run)) | .key] | join(", ")' "$settings")
    [[ -z "$names" ]] || echo "::notice::the $environment environment's secrets ($names) are released only after the approval: \`npm run ops -- check-config $environment --github\` checks them beforehand"
  fi
fi

if [[ $problems -ne 0 ]]; then
  echo "::error::$run cannot run until the settings above are fixed (README: Deploying, one-time setup); nothing was built, planned or applied"
  exit 1
fi
echo "$run: every setting it needs is there"
