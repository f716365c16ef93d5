#!/usr/bin/env bash
# Refuses to deploy an image release.yml did not build and sign. Reads the image the app stack's
# saved plan deploys (its `image` output, <registry>/<repository>:<tag>@<digest>: the plan pins the
# digest, resolved from the tag when it was made), checks that ECR still has that digest under the
# tag (tags are immutable there) and verifies GitHub's build-provenance attestation for that
# digest (scripts/ci/verify-attestations.sh): signed for this repository by exactly
# .github/workflows/release.yml run for the release tag v<tag>, on a GitHub-hosted runner, from a
# commit that is on the main branch (MAIN_REF, default origin/main: the checkout needs its history).
#
#   scripts/ci/verify-image.sh cdktf.out/stacks/app-prod
#
# Needs: terraform (the stack initialised or initialisable), the AWS CLI with credentials that may
# describe the repository's images, a docker login to the registry (gh reads the manifest), gh with
# GH_TOKEN, and GITHUB_REPOSITORY. EXPECTED_DIGEST, when set, must equal the resolved digest (the
# digest release.yml pushed). Writes image= and digest= to GITHUB_OUTPUT when that is set.
set -euo pipefail

stack_dir="${1:?usage: $0 <app stack directory>}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must be set}"

terraform -chdir="$stack_dir" init -input=false -no-color -lockfile=readonly >/dev/null
if ! image=$(terraform -chdir="$stack_dir" show -json tfplan | jq -er '.planned_values.outputs.image.value'); then
  echo "::error::the saved plan of $stack_dir has no known 'image' output; refusing to deploy an unverified image"
  exit 1
fi
planned_digest=""
if [[ "$image" == *@* ]]; then
  planned_digest="${image##*@}"
  image="${image%@*}"
fi
if [[ ! "$planned_digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::the saved plan of $stack_dir deploys '$image' without a sha256 digest; refusing to deploy an image by tag alone"
  exit 1
fi
repository_uri="${image%:*}"
tag="${image##*:}"
registry="${repository_uri%%/*}"
repository="${repository_uri#*/}"
account="${registry%%.*}"
region="${registry#*.dkr.ecr.}"
region="${region%%.*}"
if [[ -z "$tag" || "$repository_uri" == "$image" || "$registry" == "$repository_uri" || ! "$registry" =~ ^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$ ]]; then
  echo "::error::cannot read '$image' as <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>"
  exit 1
fi

if ! digest=$(aws ecr describe-images --region "$region" --registry-id "$account" --repository-name "$repository" \
  --image-ids "imageTag=$tag" --query 'imageDetails[0].imageDigest' --output text); then
  echo "::error::$repository:$tag is not in ECR: was it released (git tag v$tag)?"
  exit 1
fi
if [[ ! "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::unexpected digest '$digest' for $image"
  exit 1
fi
if [[ "$digest" != "$planned_digest" ]]; then
  echo "::error::the plan deploys $image as $planned_digest, but ECR has $digest under that tag; refusing to deploy"
  exit 1
fi
if [[ -n "${EXPECTED_DIGEST:-}" && "$digest" != "$EXPECTED_DIGEST" ]]; then
  echo "::error::$image is $digest in ECR, but the release pushed $EXPECTED_DIGEST"
  exit 1
fi

source_digest=$(bash "$(dirname "${BASH_SOURCE[0]}")/verify-attestations.sh" "$repository_uri" "$digest" "$tag")

if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  {
    echo "image=$image"
    echo "digest=$digest"
  } >>"$GITHUB_OUTPUT"
fi
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  echo "Verified build provenance of \`$image\` (\`$digest\`): signed by release.yml for tag v$tag, built from $source_digest on ${MAIN_REF:-origin/main}." >>"$GITHUB_STEP_SUMMARY"
fi
