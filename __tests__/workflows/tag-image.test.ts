/**
 * scripts/ci/tag-image.sh, the release's last step, against a fake `aws` that keeps a registry in
 * a directory: the version tag goes on exactly the verified digest by re-putting its own manifest
 * (AWS's retagging procedure), and an unknown digest tags nothing.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const MANIFEST = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}';

function registry() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tag-image-'));
  mkdirSync(path.join(dir, 'bin'));
  mkdirSync(path.join(dir, 'tags'));
  writeFileSync(path.join(dir, 'images.json'), JSON.stringify({ images: [{ imageId: { imageDigest: DIGEST }, imageManifest: MANIFEST, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }] }));
  // batch-get-image answers images.json for the known digest; put-image records tag, digest, manifest and media type.
  writeFileSync(
    path.join(dir, 'bin', 'aws'),
    `#!/usr/bin/env bash
echo "$*" >> "${dir}/calls"
case "$2" in
  batch-get-image) [[ "$*" == *"imageDigest=${DIGEST}"* ]] && cat "${dir}/images.json" || echo '{"images":[],"failures":[{"failureCode":"ImageNotFound"}]}' ;;
  put-image)
    args=("$@"); for ((i = 0; i < \${#args[@]}; i++)); do case "\${args[i]}" in --image-tag) tag=\${args[i+1]} ;; --image-digest) digest=\${args[i+1]} ;; --image-manifest) manifest=\${args[i+1]} ;; --image-manifest-media-type) media=\${args[i+1]} ;; esac; done
    printf '%s\\n%s\\n%s\\n' "$digest" "$manifest" "$media" > "${dir}/tags/$tag" ;;
esac
`,
  );
  chmodSync(path.join(dir, 'bin', 'aws'), 0o755);
  const run = (digest: string, version: string) =>
    runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/tag-image.sh'), 'hono-api', digest, version], { timeoutMs: 30_000, env: { ...process.env, PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}`, GITHUB_OUTPUT: '' } });
  return { dir, run, tag: (v: string) => (existsSync(path.join(dir, 'tags', v)) ? readFileSync(path.join(dir, 'tags', v), 'utf8').trim().split('\n') : undefined) };
}

describe('tag-image.sh', () => {
  it('puts the verified digest\'s own manifest under the version tag', async () => {
    const r = registry();
    const out = await r.run(DIGEST, '1.4.0');
    expect(out.exitCode, out.stderr).toBe(0);
    expect(r.tag('1.4.0')).toEqual([DIGEST, MANIFEST, 'application/vnd.oci.image.manifest.v1+json']);
  });

  it('tags nothing for a digest the repository does not hold, or a digest that is not one', async () => {
    const r = registry();
    const missing = await r.run(`sha256:${'e'.repeat(64)}`, '1.4.0');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/hono-api has no image sha256:e{64}/);
    expect(r.tag('1.4.0')).toBeUndefined();
    expect((await r.run('latest', '1.4.0')).exitCode).toBe(64);
  });
});
