/**
 * What the ops CLI needs from the outside world, injected so every command runs against stubs in
 * tests: the command runner and PATH lookup shared with the kind workflow (scripts/lib/tools.ts),
 * plus file access, a prompt, a clock, a progress indicator and the platform configuration.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { platformConfig } from '../../stacks/config/environments.js';
import type { PlatformConfig } from '../../stacks/config/types.js';
import { type ToolDeps, createToolDeps } from '../lib/tools.js';
import { type Progress, createProgress } from './progress.js';

export interface OpsDeps extends ToolDeps {
  /** The text of a file, or undefined when it does not exist. */
  readFile: (file: string) => string | undefined;
  /** Writes a file, creating its directory. */
  writeFile: (file: string, text: string) => void;
  /** The node binary that runs main.ts for a synth. */
  nodePath: string;
  /** The running node's version, e.g. 20.19.0. */
  nodeVersion: string;
  /** Asks a question on the terminal; undefined when the input closed (Ctrl-D, Ctrl-C). */
  prompt: (question: string) => Promise<string | undefined>;
  /** Whether a person can answer prompts (stdin is a terminal). */
  interactive: boolean;
  progress: Progress;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** The platform configuration: environment names, regions, release names. */
  config: PlatformConfig;
  /** Directory of the committed price tables (<region>.json). */
  pricesDir: string;
}

export const PRICES_DIR = fileURLToPath(new URL('./prices/', import.meta.url));

async function ask(question: string): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string | undefined>((resolve) => {
      rl.once('SIGINT', () => resolve(undefined));
      rl.once('close', () => resolve(undefined));
      rl.question(question).then(resolve, () => resolve(undefined));
    });
  } finally {
    rl.close();
  }
}

/** The real dependencies. */
export function createDeps(): OpsDeps {
  const now = () => Date.now();
  return {
    ...createToolDeps('hono-api-ops-'),
    readFile: (file) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined),
    writeFile: (file, text) => {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    },
    nodePath: process.execPath,
    nodeVersion: process.versions.node,
    prompt: ask,
    interactive: Boolean(process.stdin.isTTY),
    progress: createProgress({ tty: Boolean(process.stderr.isTTY), write: (text) => void process.stderr.write(text), now }),
    now,
    config: platformConfig,
    pricesDir: PRICES_DIR,
  };
}
