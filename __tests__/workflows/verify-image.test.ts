/**
 * scripts/ci/verify-image.sh, run: fake `terraform` (the saved plan's image output), `aws` (the
 * tag's digest in ECR) and `gh` (the attestation, recording how it was asked) on PATH, and a real
 * git repository for "is the release's commit on main". Every way an image could be forged or
 * mixed up must stop the deploy.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../scripts/lib/run.js';
import { REPO_ROOT } from '../../tools/toolchain.js';

const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const IMAGE = `${REGISTRY}/hono-api:1.4.0`;
const DIGEST = `sha256:${'a'.repeat(64)}`;
/** The certificate identity of release.yml run for the tag v1.4.0 of the fork. */
const SIGNER = 'https://github.com/acme-corp/hono-eks-platform/.github/workflows/release.yml@refs/tags/v1.4.0';

let work: string;
let onMain: string;
let offMain: string;

const git = (args: string[]) => runCommand('git', ['-C', path.join(work, 'repo'), ...args], { env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });

function fake(name: string, body: string) {
  writeFileSync(path.join(work, 'bin', name), `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(path.join(work, 'bin', name), 0o755);
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'verify-image-'));
  mkdirSync(path.join(work, 'bin'));
  mkdirSync(path.join(work, 'repo'));
  mkdirSync(path.join(work, 'app-prod'));
  await git(['init', '-q', '-b', 'main']);
  await git(['commit', '-q', '--allow-empty', '-m', 'on main']);
  onMain = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  await git(['checkout', '-q', '-b', 'elsewhere']);
  await git(['commit', '-q', '--allow-empty', '-m', 'pushed on a branch, then tagged']);
  offMain = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  fake('terraform', `[[ "$2" == "show" ]] && echo '{"planned_values":{"outputs":{"image":{"value":"'"$FAKE_IMAGE"'"}}}}'; exit 0`);
  fake('aws', 'echo "$FAKE_DIGEST"');
  // One line per call: its arguments, space-separated. The SBOM check (--predicate-type) fails on FAKE_SBOM_FAILS.
  // The signer check as gh implements it: --signer-workflow X matches ^https://github.com/X (a
  // prefix), --cert-identity X the whole certificate identity (FAKE_SAN, the release's by default).
  fake(
    'gh',
    `echo "$*" >> "$GH_ARGS"; [[ -n "$FAKE_GH_FAILS" ]] && exit 1
san="\${FAKE_SAN:-${SIGNER}}"; args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[i]}" in
    --signer-workflow) [[ "$san" =~ ^https://github.com/\${args[i+1]} ]] || exit 1 ;;
    --cert-identity) [[ "$san" == "\${args[i+1]}" ]] || exit 1 ;;
  esac
done
if [[ "$*" == *--predicate-type* ]]; then [[ -z "$FAKE_SBOM_FAILS" ]]; exit; fi; echo '[{"verificationResult":{"signature":{"certificate":{"sourceRepositoryDigest":"'"$FAKE_SOURCE"'"}}}}]'`,
  );
});

async function verify(env: Record<string, string>) {
  const ghArgs = path.join(work, `gh-args-${Math.random()}`);
  const r = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/ci/verify-image.sh'), path.join(work, 'app-prod')], {
    cwd: path.join(work, 'repo'),
    timeoutMs: 30_000,
    env: {
      ...process.env,
      PATH: `${path.join(work, 'bin')}${path.delimiter}${process.env.PATH}`,
      GITHUB_REPOSITORY: 'acme-corp/hono-eks-platform',
      GITHUB_OUTPUT: '',
      GITHUB_STEP_SUMMARY: '',
      MAIN_REF: 'main',
      GH_ARGS: ghArgs,
      FAKE_IMAGE: `${IMAGE}@${DIGEST}`,
      FAKE_DIGEST: DIGEST,
      FAKE_SOURCE: onMain,
      FAKE_GH_FAILS: '',
      FAKE_SBOM_FAILS: '',
      ...env,
    },
  });
  let asked: string[] = [];
  try {
    asked = readFileSync(ghArgs, 'utf8').trim().split('\n');
  } catch {
    // gh was never called
  }
  return { ...r, output: `${r.stdout}\n${r.stderr}`, asked };
}

describe('verify-image.sh', () => {
  it('passes a release.yml attestation for tag v<tag>, built on a GitHub-hosted runner from a commit on main', async () => {
    const r = await verify({});
    expect(r.exitCode, r.output).toBe(0);
    const common = `attestation verify oci://${REGISTRY}/hono-api@${DIGEST} --repo acme-corp/hono-eks-platform --cert-identity ${SIGNER} --source-ref refs/tags/v1.4.0 --deny-self-hosted-runners`;
    expect(r.asked).toEqual([`${common} --format json`, `${common} --predicate-type https://spdx.dev/Document/v2.3`]);
  });

  it.each([
    ['another workflow whose name starts with release.yml', SIGNER.replace('release.yml@', 'release.yml.yml@')],
    ['release.yml run for another tag', SIGNER.replace('v1.4.0', 'v1.4.0-rc1')],
    ['release.yml of another repository', SIGNER.replace('acme-corp/hono-eks-platform', 'acme-corp/hono-eks-platform-fork')],
  ])('refuses an attestation signed by %s (the identity is compared whole)', async (_, san) => {
    const r = await verify({ FAKE_SAN: san });
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(/no valid build-provenance attestation signed by https:\/\/github.com\/acme-corp\/hono-eks-platform\/.github\/workflows\/release.yml@refs\/tags\/v1.4.0/);
  });



  it('refuses an image without the SBOM attestation release.yml makes', async () => {
    const r = await verify({ FAKE_SBOM_FAILS: '1' });
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(/no SBOM attestation from release\.yml for tag v1\.4\.0/);
  });

  it('refuses an image built from a commit that is not on main (a tag pushed on any commit)', async () => {
    const r = await verify({ FAKE_SOURCE: offMain });
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(new RegExp(`built from commit '${offMain}', which is not on main`));
  });

  it('refuses when the attestation does not verify (another workflow, ref or a self-hosted runner)', async () => {
    const r = await verify({ FAKE_GH_FAILS: '1' });
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(/no valid build-provenance attestation signed by .*release\.yml@refs\/tags\/v1\.4\.0 on a GitHub-hosted runner/);
  });

  it('refuses an ECR digest other than the one the release pushed', async () => {
    const r = await verify({ EXPECTED_DIGEST: `sha256:${'b'.repeat(64)}` });
    expect(r.exitCode).toBe(1);
    expect(r.asked).toEqual([]);
  });

  it('refuses a plan that deploys by tag alone, or a digest other than the one ECR has under the tag', async () => {
    const byTag = await verify({ FAKE_IMAGE: IMAGE });
    expect(byTag.exitCode).toBe(1);
    expect(byTag.output).toMatch(/without a sha256 digest; refusing to deploy an image by tag alone/);
    const other = await verify({ FAKE_IMAGE: `${IMAGE}@sha256:${'c'.repeat(64)}` });
    expect(other.exitCode).toBe(1);
    expect(other.output).toMatch(/but ECR has sha256:a+ under that tag/);
    expect([...byTag.asked, ...other.asked]).toEqual([]);
  });

  it('refuses an image that is not an ECR repository:tag, and a source digest it cannot read', async () => {
    expect((await verify({ FAKE_IMAGE: `docker.io/library/hono-api:1.4.0@${DIGEST}` })).exitCode).toBe(1);
    expect((await verify({ FAKE_SOURCE: 'not-a-commit' })).exitCode).toBe(1);
  });
});
