#!/usr/bin/env bash
# The deploy workflow's saved plans between the plan job and the approved apply job.
#
#   scripts/ci/seal-plans.sh seal <file> <recipient> <stack>...   (plan job)
#   scripts/ci/seal-plans.sh open <file> <stack>...               (apply job)
#
# seal packs each cdktf.out/stacks/<stack>/ (STACKS_DIR overrides the parent) for the artifact:
# cdk.tf.json, its assets, .terraform.lock.hcl and tfplan, never plan.json or plan.txt (they show
# sensitive values) nor .terraform/, and encrypts the archive with age to <recipient>, the
# environment's public key (environments.<env>.planRecipient): a saved plan embeds the prior state,
# and the artifact is readable by anyone with read access to the repository. Only the private key,
# the GitHub environment's secret PLAN_AGE_IDENTITY, opens it, and GitHub releases that secret to
# the apply job only after a reviewer approves; the plan job and every other branch's workflow
# never hold it. age authenticates what it encrypts (ChaCha20-Poly1305), so a changed byte fails.
# It prints "archive=<sha256>" of the sealed file and "<stack>=<sha256>" of each tfplan: the
# digests the summary shows the approver and the job passes to the apply job.
#
# open refuses (exit 1, nothing unpacked kept) unless the sealed file has exactly the digest
# EXPECTED_ARCHIVE_DIGEST names (checked before decrypting), it decrypts with PLAN_AGE_IDENTITY
# (another environment's key cannot), and every tfplan has exactly the digest EXPECTED_PLAN_DIGESTS
# ("<stack>=<sha256> ...") names, and every stack passes scripts/ci/check-stack-code.sh.
set -euo pipefail

usage() { echo "usage: $0 seal <file> <recipient> <stack>... | open <file> <stack>..." >&2; exit 64; }
[[ $# -ge 3 ]] || usage
mode=$1 file=$2
shift 2
stacks_dir="${STACKS_DIR:-cdktf.out/stacks}"
sha() { sha256sum "$1" | cut -d' ' -f1; }

case "$mode" in
  seal)
    recipient=$1
    shift
    [[ $# -ge 1 ]] || usage
    if [[ ! "$recipient" =~ ^age1[02-9ac-hj-np-z]{58}$ ]]; then
      echo "::error::the plan recipient '$recipient' is not an age public key (age1…). Fix: set environments.<env>.planRecipient in stacks/config/environments.ts (README: Deploying, one-time setup)" >&2
      exit 1
    fi
    for stack in "$@"; do
      if [[ ! -f "$stacks_dir/$stack/tfplan" ]]; then
        echo "::error::$stacks_dir/$stack/tfplan is missing: nothing to seal" >&2
        exit 1
      fi
    done
    tar -C "$stacks_dir" --exclude='.terraform' --exclude='plan.json' --exclude='plan.txt' --exclude='*.log' -cf - "$@" | age --encrypt --recipient "$recipient" --output "$file"
    echo "archive=$(sha "$file")"
    for stack in "$@"; do echo "$stack=$(sha "$stacks_dir/$stack/tfplan")"; done
    ;;
  open)
    if [[ -z "${PLAN_AGE_IDENTITY:-}" ]]; then
      echo "::error::PLAN_AGE_IDENTITY is not set: the GitHub environment has no secret holding the private key of its planRecipient. Fix: gh secret set PLAN_AGE_IDENTITY --env <environment> < <environment>-plan.key (README: Deploying, one-time setup)" >&2
      exit 1
    fi
    got=$(sha "$file")
    if [[ "$got" != "${EXPECTED_ARCHIVE_DIGEST:-}" ]]; then
      echo "::error::the sealed plans' SHA-256 is $got, not ${EXPECTED_ARCHIVE_DIGEST:-(none recorded)}, the one the plan job recorded; nothing is opened or applied" >&2
      exit 1
    fi
    mkdir -p "$stacks_dir"
    identity=$(mktemp)
    trap 'rm -f "$identity"' EXIT
    printf '%s\n' "$PLAN_AGE_IDENTITY" >"$identity"
    unpacked=$(mktemp -d)
    if ! age --decrypt --identity "$identity" "$file" | tar -C "$unpacked" -xf -; then
      rm -rf "$unpacked"
      echo "::error::the sealed plans cannot be opened with this environment's PLAN_AGE_IDENTITY (sealed to another environment's key, or damaged); nothing is applied" >&2
      exit 1
    fi
    read -ra expected <<<"${EXPECTED_PLAN_DIGESTS:-}"
    bad=0
    for stack in "$@"; do
      want=""
      for pair in ${expected[@]+"${expected[@]}"}; do [[ "${pair%%=*}" == "$stack" ]] && want="${pair#*=}"; done
      got=$(sha256sum "$unpacked/$stack/tfplan" 2>/dev/null | cut -d' ' -f1 || true)
      if [[ -z "$want" || "$got" != "$want" ]]; then
        echo "::error::$stack: the plan file's SHA-256 is ${got:-missing}, not ${want:-(none recorded)}, the one the approver saw; nothing is applied" >&2
        bad=1
      fi
    done
    # The stacks' code too, before anything (verify-image.sh, apply-stacks.sh) runs terraform init on them.
    opened=()
    for stack in "$@"; do opened+=("$unpacked/$stack"); done
    if [[ $bad -ne 0 ]] || ! bash "$(dirname "${BASH_SOURCE[0]}")/check-stack-code.sh" "${opened[@]}"; then
      rm -rf "$unpacked"
      exit 1
    fi
    for stack in "$@"; do
      rm -rf "${stacks_dir:?}/$stack"
      mv "$unpacked/$stack" "$stacks_dir/$stack"
    done
    rm -rf "$unpacked"
    echo "The sealed plans are the reviewed ones: archive ${EXPECTED_ARCHIVE_DIGEST}; ${EXPECTED_PLAN_DIGESTS}"
    ;;
  *) usage ;;
esac
