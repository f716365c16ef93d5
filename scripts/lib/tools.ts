/**
 * What the kind and ops scripts need from the outside world, injected so their logic runs against
 * stubs in tests: a command runner, a PATH lookup, a few file operations and two output streams.
 * Also where the tools they share are found, and how to install each.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ENGINE_INSTALL_HINTS } from './container-engine.js';
import { HELM_INSTALL_HINT, REPO_ROOT, pinnedHelmPath } from './helm.js';
import { type Run, runCommand } from './run.js';
import { isExecutableFile, lookPath } from './which.js';
import { ToolMissingError, toolchain } from '../../tools/toolchain.js';

export interface ToolDeps {
  run: Run;
  /** Absolute path of a command on PATH, or undefined. */
  lookPath: (name: string) => string | undefined;
  isExecutable: (file: string) => boolean;
  fileExists: (file: string) => boolean;
  makeTempDir: () => string;
  removePath: (file: string) => void;
  out: (line: string) => void;
  err: (line: string) => void;
  repoRoot: string;
}

/** The real dependencies. npm's node_modules/.bin is skipped on PATH so a user's own tools win. */
export function createToolDeps(tempPrefix: string): ToolDeps {
  const repoBin = path.join(REPO_ROOT, 'node_modules', '.bin');
  return {
    run: runCommand,
    lookPath: (name) => lookPath(name, { skipDirs: [repoBin] }),
    isExecutable: isExecutableFile,
    fileExists: existsSync,
    makeTempDir: () => mkdtempSync(path.join(tmpdir(), tempPrefix)),
    removePath: (file) => rmSync(file, { recursive: true, force: true }),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    repoRoot: REPO_ROOT,
  };
}

export const INSTALL_HINTS = {
  ...ENGINE_INSTALL_HINTS,
  kind: 'install kind >= 0.33 (the release of the node image kind/cluster.yaml pins): https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e.g. `brew install kind` or `go install sigs.k8s.io/kind@v0.33.0`)',
  kubectl: 'install kubectl: https://kubernetes.io/docs/tasks/tools/ (e.g. `brew install kubectl`)',
  helm: HELM_INSTALL_HINT,
  terraform: 'run `npm run tools` (it installs the pinned Terraform and its providers), or install Terraform >= 1.10: https://developer.hashicorp.com/terraform/install',
} as const;

/**
 * The pinned helm (`npm run tools`) when it is installed, else a helm on PATH: a laptop with Helm
 * but no Go can still run the kind loop, and `ops doctor` prints which version it found.
 */
export function findHelmWith(deps: Pick<ToolDeps, 'lookPath' | 'isExecutable'>, pinned: string = pinnedHelmPath()): string | undefined {
  return deps.isExecutable(pinned) ? pinned : deps.lookPath('helm');
}

/** The pinned terraform (`npm run tools`) and the environment that takes its providers from the toolchain's mirror; undefined when not installed. */
export function pinnedTerraform(): { binary: string; env: NodeJS.ProcessEnv } | undefined {
  try {
    const chain = toolchain();
    return { binary: chain.terraform().binary, env: chain.terraformEnv({}) };
  } catch (err) {
    if (err instanceof ToolMissingError) return undefined;
    throw err;
  }
}

/**
 * Like findHelmWith: the pinned terraform with its provider mirror, else a terraform on PATH (which
 * downloads the providers from the registry on `init`).
 */
export function findTerraformWith(
  deps: Pick<ToolDeps, 'lookPath' | 'isExecutable'>,
  pinned: { binary: string; env: NodeJS.ProcessEnv } | undefined = pinnedTerraform(),
): { binary: string; env: NodeJS.ProcessEnv } | undefined {
  if (pinned && deps.isExecutable(pinned.binary)) return pinned;
  const onPath = deps.lookPath('terraform');
  return onPath ? { binary: onPath, env: {} } : undefined;
}
