#!/usr/bin/env bash
# Refuses, before `terraform init`, a synthesised stack that would run code nobody pinned in the
# credentialed plan or apply job (scripts/ci/plan-stacks.sh, apply-stacks.sh):
#
#   scripts/ci/check-stack-code.sh cdktf.out/stacks/app-dev [more stack directories]
#
# In each <dir>/cdk.tf.json:
#   - every provider in terraform.required_providers is one tools/versions.json pins (source and
#     exact version): `init` then downloads only those, verified against the registry's signatures;
#   - every resource and data source belongs to one of those providers, or to Terraform itself
#     (terraform_data, terraform_remote_state): a provider used without being required would be
#     fetched as hashicorp/<name> at whatever version the registry serves;
#   - no `external` data source, no provisioner (local-exec, remote-exec, file), no module: each runs
#     a program, or fetches code, with the job's AWS credentials.
# Exit 1 naming each offending stack and block; 0 when every stack is clean.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <stack directory>..." >&2
  exit 64
fi
manifest="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tools/versions.json"
# "registry.terraform.io/hashicorp/aws 5.100.0" for each pinned provider.
pinned=$(jq -r '.providers[] | "registry.terraform.io/\(.source) \(.version)"' "$manifest")

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
  # Local name, normalised source (a bare name is hashicorp/<name>, the host defaults to the public
  # registry) and version of each required provider.
  mapfile -t required < <(jq -r '.terraform.required_providers // {} | to_entries[] |
      .key as $name | (.value.source // $name | ascii_downcase | split("/")) as $parts |
      (if ($parts | length) == 1 then ["registry.terraform.io", "hashicorp", $parts[0]]
       elif ($parts | length) == 2 then ["registry.terraform.io"] + $parts else $parts end | join("/")) as $source |
      "\($name) \($source) \(.value.version // "(no version)")"' "$file")
  names=(terraform)
  for entry in ${required[@]+"${required[@]}"}; do
    read -r name source version <<<"$entry"
    names+=("$name")
    grep -qxF "$source $version" <<<"$pinned" ||
      refuse "$stack" "provider \"$name\" is $source $version, which tools/versions.json does not pin (allowed: $(tr '\n' ',' <<<"$pinned" | sed 's/,$//; s/,/, /g'))"
  done
  # Every resource and data source type, e.g. "resource aws_vpc", "data external".
  while read -r kind type; do
    [[ -z "$type" ]] && continue
    if [[ "$kind" == data && "$type" == external ]]; then
      refuse "$stack" "data \"external\" runs a program with the job's credentials"
      continue
    fi
    owner=${type%%_*}
    [[ " ${names[*]} " == *" $owner "* ]] ||
      refuse "$stack" "$kind \"$type\" belongs to no pinned provider (\"$owner\" is not in terraform.required_providers)"
  done < <(jq -r '(.resource // {} | keys[] | "resource \(.)"), (.data // {} | keys[] | "data \(.)")' "$file")
  while read -r where; do
    [[ -n "$where" ]] && refuse "$stack" "$where has a provisioner, which runs a program with the job's credentials"
  done < <(jq -r '.resource // {} | to_entries[] | .key as $type | .value | to_entries[] | select(.value.provisioner != null) | "resource \"\($type).\(.key)\""' "$file")
  while read -r module; do
    [[ -n "$module" ]] && refuse "$stack" "module \"$module\" fetches code at init"
  done < <(jq -r '.module // {} | keys[]' "$file")
done

exit "$failed"
