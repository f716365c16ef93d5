#!/usr/bin/env bash
# The stacks of a plan or deploy target, in dependency order (the stack graph in stacks/platform.ts):
#
#   scripts/ci/target-stacks.sh shared                    → state registry ci-identity
#   scripts/ci/target-stacks.sh dev                       → network-dev cluster-dev platform-dev app-dev
#   scripts/ci/target-stacks.sh --through cluster prod    → network-prod cluster-prod
#
# One space-separated line on stdout. The workflow tests compare it with what main.ts synthesises.
set -euo pipefail

kinds=(network cluster platform app)
through=app
if [[ "${1:-}" == --through ]]; then
  through="${2:-}"
  shift 2 || true
fi
target="${1:-}"
if [[ $# -ne 1 || ! "$target" =~ ^[a-z][a-z0-9-]*$ ]]; then
  echo "usage: $0 [--through network|cluster|platform|app] <shared|environment>" >&2
  exit 64
fi
if [[ "$target" == shared ]]; then
  echo "state registry ci-identity"
  exit 0
fi
stacks=()
for kind in "${kinds[@]}"; do
  stacks+=("$kind-$target")
  if [[ "$kind" == "$through" ]]; then
    echo "${stacks[*]}"
    exit 0
  fi
done
echo "::error::unknown --through '$through' (expected network, cluster, platform or app)" >&2
exit 64
