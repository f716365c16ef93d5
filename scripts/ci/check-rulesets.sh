#!/usr/bin/env bash
# Pre-flight for deploy.yml, beside check-environment.sh: the two trust anchors of a deploy must be
# protected. `main` is what the plan role trusts and what image provenance requires a release to be
# built from; `v*` tags are what release images and prod deploys run for. Unprotected, anyone with
# write access could push to main or move a release tag and have it deployed.
#
#   scripts/ci/check-rulesets.sh main
#
# Reads the rules GitHub enforces (GH_TOKEN, GITHUB_REPOSITORY): for the branch, the effective
# rules (`repos/…/rules/branches/<branch>`): pull requests with at least one approving review, no
# force push, no deletion;
# for tags, an active tag ruleset covering refs/tags/v* that restricts creation and blocks updates
# and deletions. Fails closed, naming the setting to change. Bypass actors are not visible to the
# workflow's token: keep the rulesets' bypass lists to the release maintainers.
set -euo pipefail

branch="${1:?usage: $0 <main branch>}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must be set}"
settings="https://github.com/$GITHUB_REPOSITORY/settings/rules"
problems=()

if ! branch_rules=$(gh api "repos/$GITHUB_REPOSITORY/rules/branches/$branch" 2>/dev/null); then
  problems+=("the rules of branch '$branch' cannot be read")
  branch_rules='[]'
fi
if [[ $(jq '[.[] | select(.type == "pull_request" and (.parameters.required_approving_review_count // 0) >= 1)] | length' <<<"$branch_rules") -eq 0 ]] &&
  [[ $(jq '[.[] | select(.type == "pull_request")] | length' <<<"$branch_rules") -gt 0 ]]; then
  problems+=("branch '$branch' requires pull requests but no approving review: anyone with write access could merge their own")
fi
for rule in pull_request non_fast_forward deletion; do
  if [[ $(jq --arg r "$rule" '[.[] | select(.type == $r)] | length' <<<"$branch_rules") -eq 0 ]]; then
    case "$rule" in
      pull_request) problems+=("branch '$branch' does not require a pull request: a direct push would be planned and deployed") ;;
      non_fast_forward) problems+=("branch '$branch' allows force pushes: its history, which provenance checks, could be rewritten") ;;
      deletion) problems+=("branch '$branch' may be deleted") ;;
    esac
  fi
done

if ! rulesets=$(gh api --paginate "repos/$GITHUB_REPOSITORY/rulesets?targets=tag&includes_parents=true" 2>/dev/null | jq -s 'add // []'); then
  problems+=("the tag rulesets cannot be read")
  rulesets='[]'
fi
covered=()
for id in $(jq -r '.[] | select(.enforcement == "active") | .id' <<<"$rulesets"); do
  ruleset=$(gh api "repos/$GITHUB_REPOSITORY/rulesets/$id" 2>/dev/null) || continue
  # A ruleset covering v* tags: refs/tags/v*, ~ALL, or anything the include patterns match v1.2.3 with.
  # …and excluding none of them (an exclude pattern starting refs/tags/ or ~ALL could).
  if jq -e '(.conditions.ref_name.include // [] | any(. == "~ALL" or . == "refs/tags/v*" or . == "refs/tags/*" or . == "refs/tags/v*.*.*")) and (.conditions.ref_name.exclude // [] | all(test("^refs/tags/") | not))' <<<"$ruleset" >/dev/null &&
    jq -e '[.rules[]?.type] as $t | ["creation", "update", "deletion"] | all(. as $r | $t | index($r))' <<<"$ruleset" >/dev/null; then
    covered+=("$(jq -r .name <<<"$ruleset")")
  fi
done
[[ ${#covered[@]} -gt 0 ]] || problems+=("no active tag ruleset covers refs/tags/v* with restricted creations, blocked updates and blocked deletions: anyone with write access could create or move a release tag")

if [[ ${#problems[@]} -gt 0 ]]; then
  for p in "${problems[@]}"; do echo "::error::$p. Fix: $settings (README: Deploying, one-time setup)"; done
  exit 1
fi
echo "branch '$branch': pull requests required, no force push, no deletion; release tags: ruleset ${covered[*]}"
