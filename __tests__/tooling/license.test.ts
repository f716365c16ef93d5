/**
 * A repository meant to be forked grants the right to fork it: the LICENSE file is the Apache
 * License 2.0 and package.json says so with its SPDX id (npm and license scanners read that field).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/helm.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

describe('license', () => {
  it('LICENSE is the full Apache License 2.0 text and package.json names it by SPDX id', () => {
    const text = read('LICENSE');
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(text).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
    expect((JSON.parse(read('package.json')) as { license?: string }).license).toBe('Apache-2.0');
  });
});
