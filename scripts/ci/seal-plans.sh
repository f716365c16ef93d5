#!/usr/bin/env bash
# The deploy workflow's saved plans between the plan job and the approved apply job.
#
#   scripts/ci/seal-plans.sh seal <file> <stack>...   (plan job)
#   scripts/ci/seal-plans.sh open <file> <stack>...   (apply job)
#
# seal packs each cdktf.out/stacks/<stack>/ (STACKS_DIR overrides the parent) for the artifact:
# cdk.tf.json, its assets, .terraform.lock.hcl and tfplan, never plan.json or plan.txt (they show
# sensitive values) nor .terraform/, and encrypts the archive (AES-256, PBKDF2) with the
# PLAN_ENCRYPTION_KEY secret: a saved plan embeds the prior state, and the artifact is readable by
# anyone with read access to the repository. It prints "<stack>=<sha256>" for each tfplan: the
# digests the summary shows the approver and the job passes to the apply job.
#
# open decrypts and unpacks, then refuses (exit 1, nothing unpacked kept) unless every tfplan has
# exactly the digest EXPECTED_PLAN_DIGESTS ("<stack>=<sha256> ...", the plan job's output) names.
set -euo pipefail

usage() { echo "usage: $0 seal|open <file> <stack>..." >&2; exit 64; }
[[ $# -ge 3 ]] || usage
mode=$1 file=$2
shift 2
stacks_dir="${STACKS_DIR:-cdktf.out/stacks}"
if [[ -z "${PLAN_ENCRYPTION_KEY:-}" ]]; then
  echo "::error::PLAN_ENCRYPTION_KEY is not set. Fix: create the repository secret once: openssl rand -base64 32 | gh secret set PLAN_ENCRYPTION_KEY" >&2
  exit 1
fi
cipher=(openssl enc -aes-256-cbc -pbkdf2 -iter 200000 -salt -pass env:PLAN_ENCRYPTION_KEY)

case "$mode" in
  seal)
    for stack in "$@"; do
      if [[ ! -f "$stacks_dir/$stack/tfplan" ]]; then
        echo "::error::$stacks_dir/$stack/tfplan is missing: nothing to seal" >&2
        exit 1
      fi
    done
    tar -C "$stacks_dir" --exclude='.terraform' --exclude='plan.json' --exclude='plan.txt' --exclude='*.log' -cf - "$@" | "${cipher[@]}" -out "$file"
    for stack in "$@"; do echo "$stack=$(sha256sum "$stacks_dir/$stack/tfplan" | cut -d' ' -f1)"; done
    ;;
  open)
    mkdir -p "$stacks_dir"
    "${cipher[@]}" -d -in "$file" | tar -C "$stacks_dir" -xf -
    read -ra expected <<<"${EXPECTED_PLAN_DIGESTS:-}"
    bad=0
    for stack in "$@"; do
      want=""
      for pair in "${expected[@]}"; do [[ "${pair%%=*}" == "$stack" ]] && want="${pair#*=}"; done
      got=$(sha256sum "$stacks_dir/$stack/tfplan" 2>/dev/null | cut -d' ' -f1 || true)
      if [[ -z "$want" || "$got" != "$want" ]]; then
        echo "::error::$stack: the plan file's SHA-256 is ${got:-missing}, not ${want:-(none recorded)}, the one the approver saw; nothing is applied" >&2
        bad=1
      fi
    done
    if [[ $bad -ne 0 ]]; then
      for stack in "$@"; do rm -f "$stacks_dir/$stack/tfplan"; done
      exit 1
    fi
    echo "The plan files are the reviewed ones: ${EXPECTED_PLAN_DIGESTS}"
    ;;
  *) usage ;;
esac
