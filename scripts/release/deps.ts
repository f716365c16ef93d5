/**
 * What `npm run release` needs from the outside world, injected so tests run it against temporary
 * copies of the files and a stubbed git: file reads and writes under the repository, git, output.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ReleaseDeps {
  /** Reads a file by its path relative to the repository root. */
  readFile: (relative: string) => string;
  /** Replaces a file (written beside it, then renamed over it). */
  writeFile: (relative: string, text: string) => void;
  /** Runs git in the repository root without a shell. */
  git: (args: readonly string[]) => GitResult;
  out: (line: string) => void;
  err: (line: string) => void;
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function createDeps(root: string = REPO_ROOT): ReleaseDeps {
  const resolve = (relative: string) => path.join(root, relative);
  return {
    readFile: (relative) => readFileSync(resolve(relative), 'utf8'),
    writeFile: (relative, text) => {
      const target = resolve(relative);
      const temp = `${target}.release-tmp`;
      writeFileSync(temp, text);
      renameSync(temp, target);
    },
    git: (args) => {
      const result = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
      if (result.error) return { exitCode: 127, stdout: '', stderr: result.error.message };
      return { exitCode: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
    },
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}
