#!/usr/bin/env bash
# Applies the saved plans deploy.yml's plan job made, in the order given, stopping at the first
# failure (later stacks are not touched):
#
#   scripts/ci/apply-stacks.sh network-dev cluster-dev app-dev
#
# Each cdktf.out/stacks/<stack>/ (STACKS_DIR overrides the parent) must hold the tfplan and the
# .terraform.lock.hcl of the plan job: init installs exactly the providers the plan was made with
# (-lockfile=readonly refuses anything else), and `terraform apply tfplan` applies exactly what
# the reviewers saw.
# A plan whose state moved on since (another apply) is refused by Terraform as stale: plan again.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <stack>..." >&2
  exit 64
fi
stacks_dir="${STACKS_DIR:-cdktf.out/stacks}"
if [[ -n "${TF_PLUGIN_CACHE_DIR:-}" ]]; then mkdir -p "$TF_PLUGIN_CACHE_DIR"; fi
here="$(dirname "${BASH_SOURCE[0]}")"

for stack in "$@"; do
  dir="$stacks_dir/$stack"
  if [[ ! -f "$dir/tfplan" ]]; then
    echo "::error::$dir/tfplan is missing: the plan artifact is incomplete; nothing more is applied"
    exit 1
  fi
  # Only pinned providers, no external data source, provisioner or module (before init runs anything).
  bash "$here/check-stack-code.sh" "$dir"
  echo "::group::$stack: terraform init"
  terraform -chdir="$dir" init -input=false -no-color -lockfile=readonly
  echo "::endgroup::"
  echo "$stack: terraform apply tfplan"
  if ! terraform -chdir="$dir" apply -input=false -no-color -lock-timeout=10m tfplan; then
    echo "::error::$stack: terraform apply failed; the stacks after it were not applied"
    exit 1
  fi
done
