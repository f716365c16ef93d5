/** Where the image scripts find the repository and keep their cache. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in scripts/image/lib/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Stand-in base images, downloads and the generated containers.conf (git-ignored via .cache/). */
export const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'image-bases');

/** The image the test suite builds and runs. */
export const TEST_IMAGE_TAG = 'hono-api:test';
