#!/usr/bin/env bash
# Verifies the attestations release.yml signs for an image, before the release tags it and before a
# deploy ships it (scripts/ci/verify-image.sh):
#
#   scripts/ci/verify-attestations.sh <registry>/<repository> <sha256:digest> <version>
#
# Every attestation must be signed with a certificate whose identity is exactly
#   https://github.com/<GITHUB_REPOSITORY>/.github/workflows/release.yml@refs/tags/v<version>
# (gh's --signer-workflow is a prefix match, ^https://github.com/<value>, so release.yml-old.yml or
# any ref would pass it; --cert-identity compares the whole identity), on a GitHub-hosted runner:
# the build provenance and the SPDX SBOM. The commit it was built from must be on the main branch
# (MAIN_REF, default origin/main; the checkout needs its history): a tag can be pushed on any commit.
# Prints that commit; exit 1 naming what failed. Needs gh with GH_TOKEN and a docker login to the
# registry (gh reads the image's attestations there).
set -euo pipefail

repository_uri="${1:?usage: $0 <registry>/<repository> <digest> <version>}"
digest="${2:?usage: $0 <registry>/<repository> <digest> <version>}"
version="${3:?usage: $0 <registry>/<repository> <digest> <version>}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must be set}"
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "::error::'$digest' is not a sha256 digest" >&2; exit 64; }
identity="https://github.com/$GITHUB_REPOSITORY/.github/workflows/release.yml@refs/tags/v$version"

echo "Verifying the attestations of $repository_uri@$digest (signer $identity)" >&2
verify=(gh attestation verify "oci://$repository_uri@$digest"
  --repo "$GITHUB_REPOSITORY"
  --cert-identity "$identity"
  --source-ref "refs/tags/v$version"
  --deny-self-hosted-runners)
if ! verified=$("${verify[@]}" --format json); then
  echo "::error::$repository_uri@$digest has no valid build-provenance attestation signed by $identity on a GitHub-hosted runner; refusing it" >&2
  exit 1
fi
# The SBOMs release.yml attests to the image (the runtime base's packages and the bundle's npm
# packages) must be there too, signed by the same workflow for the same tag.
if ! "${verify[@]}" --predicate-type https://spdx.dev/Document/v2.3 >/dev/null; then
  echo "::error::$repository_uri@$digest has no SBOM attestation from release.yml for tag v$version; refusing it" >&2
  exit 1
fi
source_digest=$(jq -r '[.[].verificationResult.signature.certificate.sourceRepositoryDigest] | unique | if length == 1 then .[0] else "" end' <<<"$verified")
main_ref="${MAIN_REF:-origin/main}"
if [[ ! "$source_digest" =~ ^[0-9a-f]{40}$ ]] || ! git merge-base --is-ancestor "$source_digest" "$main_ref" 2>/dev/null; then
  echo "::error::$repository_uri@$digest was built from commit '${source_digest:-unknown}', which is not on $main_ref; refusing it" >&2
  exit 1
fi
echo "$source_digest"
