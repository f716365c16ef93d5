#!/usr/bin/env bash
# Refuses, before `terraform init`, a synthesised stack that would run code nobody pinned in the
# credentialed plan or apply job (scripts/ci/plan-stacks.sh, seal-plans.sh open, apply-stacks.sh):
#
#   scripts/ci/check-stack-code.sh cdktf.out/stacks/app-dev [more stack directories]
#
# In each <dir>/cdk.tf.json:
#   - only the top-level blocks CDKTF writes for these stacks: terraform, provider, resource,
#     data, ephemeral, output, locals, variable, moved, import (never check, removed or module:
#     they run a data source at plan, a provisioner at apply, or fetch code at init);
#   - every provider in terraform.required_providers is one tools/versions.json pins (source and
#     exact version), and every provider configured, named by a block's `provider` argument or
#     implied by a block's type is one of those (or Terraform's own `terraform_*`): anything else
#     would be fetched as hashicorp/<name> at whatever version the registry serves;
#   - no `external` data source and no provisioner: each runs a program with the job's credentials.
# Anything that cannot be read as such (a block body that is neither an object nor a list of
# objects) is refused too: the check fails closed. Exit 1 naming each offending stack and block.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <stack directory>..." >&2
  exit 64
fi
manifest="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tools/versions.json"
# ["registry.terraform.io/hashicorp/aws 5.100.0", …]: each pinned provider.
pinned=$(jq -c '[.providers[] | "registry.terraform.io/\(.source) \(.version)"]' "$manifest")

# One line per problem in a cdk.tf.json; jq itself fails on anything it cannot walk.
read -r -d '' problems_of <<'JQ' || true
def bodies: if type == "array" then .[] elif type == "object" then . else error("a block body is a \(type), not an object") end;
def source_of($name): (.source // $name | ascii_downcase | split("/")) as $p
  | if ($p | length) == 1 then "registry.terraform.io/hashicorp/\($p[0])"
    elif ($p | length) == 2 then "registry.terraform.io/\($p | join("/"))" else ($p | join("/")) end;
(.terraform.required_providers // {}) as $required
| (["terraform"] + ($required | keys)) as $names
| (keys[] | select(IN("//", "terraform", "provider", "resource", "data", "ephemeral", "output", "locals", "variable", "moved", "import") | not)
    | "the top-level block \"\(.)\" (check, removed and module blocks run a data source or a provisioner, or fetch code)"),
  ($required | to_entries[] | .key as $name | (.value | "\(source_of($name)) \(.version // "(no version)")") as $pin
    | select($pinned | index($pin) | not)
    | "provider \"\($name)\" is \($pin), which tools/versions.json does not pin (allowed: \($pinned | join(", ")))"),
  ((.provider // {}) | bodies | keys[] | select(. as $p | $names | index($p) | not)
    | "provider \"\(.)\" is configured but not in terraform.required_providers: it would be fetched as hashicorp/\(.) at any version"),
  (["resource", "data", "ephemeral"][] as $kind | (.[$kind] // {}) | bodies | to_entries[] | .key as $type | .value | bodies | to_entries[]
    | .key as $name | .value | bodies
    | (select($kind == "data" and $type == "external") | "data \"external\" \"\($name)\" runs a program with the job's credentials"),
      (select($names | index($type | split("_")[0]) | not) | "\($kind) \"\($type)\" belongs to no pinned provider (\"\($type | split("_")[0])\" is not in terraform.required_providers)"),
      (select(.provider != null and (.provider | type) == "string") | .provider | split(".")[0] | select(. as $p | $names | index($p) | not)
        | "\($kind) \"\($type).\($name)\" names the provider \"\(.)\", which is not in terraform.required_providers"),
      (select(.provisioner != null) | "\($kind) \"\($type).\($name)\" has a provisioner, which runs a program with the job's credentials"))
JQ

failed=0
refuse() {
  echo "::error::$1: $2; refusing to run terraform init on it (scripts/ci/check-stack-code.sh)"
  failed=1
}
for dir in "$@"; do
  file="$dir/cdk.tf.json"
  stack=$(basename "$dir")
  if [[ ! -f "$file" ]]; then
    refuse "$stack" "$file does not exist"
    continue
  fi
  if ! problems=$(jq -r --argjson pinned "$pinned" "$problems_of" "$file" 2>&1); then
    refuse "$stack" "$file cannot be checked ($(tail -1 <<<"$problems"))"
    continue
  fi
  while IFS= read -r problem; do
    [[ -n "$problem" ]] && refuse "$stack" "$problem"
  done <<<"$problems"
done

exit "$failed"
