#!/usr/bin/env bash
# Whether a plan target (shared, dev, staging or prod) has been deployed, so the pull-request plans
# and the nightly drift check can say "not deployed yet" instead of failing while a fork is still
# setting up: nothing exists to plan against, and its configuration may still hold example values.
#
#   DEPLOYED_TARGETS="shared dev" scripts/ci/deployed.sh staging
#   DEPLOYED_TARGETS="shared dev" scripts/ci/deployed.sh --is dev     (exit 0 if deployed, else 1; silent)
#
# DEPLOYED_TARGETS is the repository variable an administrator extends after a target's first
# deployment (space- or comma-separated). Writes deployed=true|false to GITHUB_OUTPUT (stdout
# without it) and, when false, a note to the job summary.
set -euo pipefail

quiet=0
if [[ "${1:-}" == --is ]]; then
  quiet=1
  shift
fi
target="${1:?usage: $0 [--is] <target>}"
targets="${DEPLOYED_TARGETS:-}"
read -ra deployed <<<"${targets//,/ }"
answer=false
for t in ${deployed[@]+"${deployed[@]}"}; do [[ "$t" == "$target" ]] && answer=true; done
if [[ $quiet -eq 1 ]]; then [[ "$answer" == true ]]; exit; fi
echo "deployed=$answer" >>"${GITHUB_OUTPUT:-/dev/stdout}"
if [[ "$answer" == false ]]; then
  note="$target is not deployed yet, so there is nothing to plan against: skipped. After its first deployment (README: Deploying), add it to the repository variable DEPLOYED_TARGETS (now: '${DEPLOYED_TARGETS:-}')."
  echo "::notice::$note"
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then echo "$note" >>"$GITHUB_STEP_SUMMARY"; fi
fi
