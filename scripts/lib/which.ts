/**
 * PATH lookup without a shell: the first directory on PATH holding an executable file of that name.
 * The file system check is injectable so callers (and tests) can decide what "executable" means.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export type IsExecutable = (file: string) => boolean;

/** True for a regular file the current user may execute. */
export const isExecutableFile: IsExecutable = (file) => {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export interface LookPathOptions {
  /** The PATH value to search; defaults to process.env.PATH. */
  pathEnv?: string | undefined;
  isExecutable?: IsExecutable;
  /** Directories to leave out of the search (compared after path.resolve). */
  skipDirs?: readonly string[];
}

/** The directories of a PATH value, in order, without empty entries. */
export function pathDirs(pathEnv: string | undefined): string[] {
  return (pathEnv ?? '').split(path.delimiter).filter((dir) => dir.length > 0);
}

/** Absolute path of `name` on PATH, or undefined when no directory has it. */
export function lookPath(name: string, options: LookPathOptions = {}): string | undefined {
  if (name.length === 0 || name.includes('/')) throw new Error(`lookPath expects a bare command name, got "${name}"`);
  const isExecutable = options.isExecutable ?? isExecutableFile;
  const skip = new Set((options.skipDirs ?? []).map((dir) => path.resolve(dir)));
  const pathEnv = 'pathEnv' in options ? options.pathEnv : process.env.PATH;
  for (const dir of pathDirs(pathEnv)) {
    if (skip.has(path.resolve(dir))) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return path.resolve(candidate);
  }
  return undefined;
}
