/** checkov's Dockerfile checks: zero failed; a suppression (`# checkov:skip=ID:reason`) carries its reason. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../tools/toolchain.js';
import { formatFinding, runCheckov, summarise } from '../helpers/checkov.js';

const DOCKERFILE = path.join(REPO_ROOT, 'Dockerfile');

describe('checkov on the Dockerfile', () => {
  it('fails no check, and every suppression has a reason', async () => {
    const report = await runCheckov({ file: DOCKERFILE, framework: 'dockerfile' });
    console.log(summarise('Dockerfile', report));
    expect(report.passed).toBeGreaterThan(20);
    expect(report.failed.map(formatFinding)).toEqual([]);
    for (const s of report.skipped) expect(s.check_result.suppress_comment ?? '', formatFinding(s)).toMatch(/\S.{19,}/);
  }, 300_000);

  it('is not vacuous: it fails the image when it runs as root', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-dockerfile-'));
    try {
      const file = path.join(dir, 'Dockerfile');
      writeFileSync(file, readFileSync(DOCKERFILE, 'utf8').replace(/^USER .*$/m, 'USER root'));
      const report = await runCheckov({ file, framework: 'dockerfile' });
      expect(report.failed.map((f) => f.check_id)).toContain('CKV_DOCKER_8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
