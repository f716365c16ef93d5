#!/usr/bin/env bash
# The release's last step: gives an image ECR holds by digest its immutable version tag, once its
# scan passed and its attestations verified (release.yml). ECR tags an existing image by putting
# its own manifest again under the tag (AWS: "Retagging an image"), so nothing is pushed twice.
#
#   scripts/ci/tag-image.sh <repository> <sha256:digest> <version>
#
# Needs the AWS CLI with credentials that may BatchGetImage and PutImage (the push-image role).
# Refuses a tag that already exists; writes tagged=<repository>:<version> to GITHUB_OUTPUT if set.
set -euo pipefail

repository="${1:?usage: $0 <repository> <digest> <version>}"
digest="${2:?usage: $0 <repository> <digest> <version>}"
version="${3:?usage: $0 <repository> <digest> <version>}"
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "::error::'$digest' is not a sha256 digest" >&2; exit 64; }

image=$(aws ecr batch-get-image --repository-name "$repository" --image-ids "imageDigest=$digest" --output json)
manifest=$(jq -er '.images[0].imageManifest' <<<"$image") || { echo "::error::$repository has no image $digest" >&2; exit 1; }
media_type=$(jq -r '.images[0].imageManifestMediaType // empty' <<<"$image")
aws ecr put-image --repository-name "$repository" --image-tag "$version" --image-digest "$digest" \
  --image-manifest "$manifest" ${media_type:+--image-manifest-media-type "$media_type"} >/dev/null
echo "Tagged $repository@$digest as $version"
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then echo "tagged=$repository:$version" >>"$GITHUB_OUTPUT"; fi
