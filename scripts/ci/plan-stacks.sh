#!/usr/bin/env bash
# Plans synthesised stacks for the workflows (plan.yml, drift.yml, deploy.yml), in the order given:
#
#   scripts/ci/plan-stacks.sh [--lock | --no-refresh] [--until-change] network-dev cluster-dev app-dev
#
# In each cdktf.out/stacks/<stack>/ (STACKS_DIR overrides the parent): scripts/ci/check-stack-code.sh
# (pinned providers only; no external data source, provisioner or module), terraform init, then
# terraform plan -detailed-exitcode -out=tfplan, recording for scripts/ci/plan-report.ts
#   plan.exitcode  0 no changes, 2 changes, anything else failed
#   plan.json      terraform show -json tfplan
#   plan.txt       terraform show -no-color tfplan, or the error output of a failed init or plan
#   plan.sha256    the SHA-256 of tfplan, which the summary shows the approver and the apply
#                  job checks before it applies anything (scripts/ci/seal-plans.sh)
# Every stack is planned even after one fails, so the report shows them all.
#
# Without --lock the plans are speculative (-lock=false: a pull request or the nightly drift check
# must never hold the state lock an approved apply is waiting for). --lock is for plans that will
# be applied (deploy.yml): they take the lock, waiting up to 10 minutes for it.
#
# --no-refresh (pull requests) plans against the recorded state without reading the live
# resources (-refresh=false): Terraform then calls the cloud only for data sources, which is all the
# pull-request plan role may read (no cluster access at all: Helm keeps releases in Secrets).
#
# --until-change (deploy.yml) plans layer by layer: after the first stack with changes the later
# ones are not planned but deferred (plan.exitcode "deferred"), because they look up what that stack
# creates and a plan made now would be built from the old lookups (or, on a first deployment, fail).
# The apply job applies what was planned; the next run plans the rest against the new state.
#
# Exit status: 1 if any stack failed, else 2 if any stack has changes, else 0.
set -uo pipefail

lock=(-lock=false)
refresh=()
until_change=0
while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --lock) lock=(-lock-timeout=10m) ;;
    --no-refresh) refresh=(-refresh=false) ;;
    --until-change) until_change=1 ;;
    *) echo "unknown option: $1" >&2; exit 64 ;;
  esac
  shift
done
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [--lock | --no-refresh] [--until-change] <stack>..." >&2
  exit 64
fi
stacks_dir="${STACKS_DIR:-cdktf.out/stacks}"
if [[ -n "${TF_PLUGIN_CACHE_DIR:-}" ]]; then mkdir -p "$TF_PLUGIN_CACHE_DIR"; fi
here="$(dirname "${BASH_SOURCE[0]}")"

failed=0
changed=0
for stack in "$@"; do
  dir="$stacks_dir/$stack"
  if [[ $until_change -eq 1 && $changed -ne 0 ]]; then
    rm -f "$dir/tfplan" "$dir/plan.json" "$dir/plan.sha256"
    echo deferred >"$dir/plan.exitcode"
    echo "Not planned in this run: it reads what the stacks before it create, and one of them has changes. It is planned against the new state once those are applied (run Deploy again)." >"$dir/plan.txt"
    echo "$stack: deferred until the changes before it are applied"
    continue
  fi
  if [[ ! -f "$dir/cdk.tf.json" ]]; then
    echo "::error::$dir/cdk.tf.json does not exist: was the stack synthesised (ENVIRONMENTS)?"
    failed=1
    continue
  fi
  rm -f "$dir/tfplan" "$dir/plan.json" "$dir/plan.txt" "$dir/plan.exitcode" "$dir/plan.sha256"
  # Only pinned providers, no external data source, provisioner or module: checked before init,
  # which would download and run them with this job's credentials.
  if ! bash "$here/check-stack-code.sh" "$dir" >"$dir/init.log" 2>&1; then
    cat "$dir/init.log"
    { echo "refused before terraform init:"; cat "$dir/init.log"; } >"$dir/plan.txt"
    echo 1 >"$dir/plan.exitcode"
    failed=1
    continue
  fi
  echo "::group::$stack: terraform init and plan"
  if ! terraform -chdir="$dir" init -input=false -no-color >"$dir/init.log" 2>&1; then
    cat "$dir/init.log"
    { echo "terraform init failed:"; cat "$dir/init.log"; } >"$dir/plan.txt"
    echo 1 >"$dir/plan.exitcode"
    echo "::endgroup::"
    echo "::error::$stack: terraform init failed"
    failed=1
    continue
  fi
  code=0
  terraform -chdir="$dir" plan -input=false -no-color -detailed-exitcode "${lock[@]}" ${refresh[@]+"${refresh[@]}"} -out=tfplan >"$dir/plan.log" 2>&1 || code=$?
  cat "$dir/plan.log"
  echo "::endgroup::"
  if [[ $code -eq 0 || $code -eq 2 ]]; then
    sha256sum "$dir/tfplan" | cut -d' ' -f1 >"$dir/plan.sha256"
    if ! terraform -chdir="$dir" show -json tfplan >"$dir/plan.json" || ! terraform -chdir="$dir" show -no-color tfplan >"$dir/plan.txt"; then
      echo "::error::$stack: terraform show failed"
      code=1
      cp "$dir/plan.log" "$dir/plan.txt"
    fi
  else
    cp "$dir/plan.log" "$dir/plan.txt"
  fi
  echo "$code" >"$dir/plan.exitcode"
  case "$code" in
    0) echo "$stack: no changes" ;;
    2) echo "$stack: changes"; changed=1 ;;
    *) echo "::error::$stack: terraform plan failed (exit $code)"; failed=1 ;;
  esac
done

if [[ $failed -ne 0 ]]; then exit 1; fi
if [[ $changed -ne 0 ]]; then exit 2; fi
exit 0
