/**
 * The app stack for a kubeconfig cluster (app-local, stacks/local-app-stack.ts) as commands: the
 * synth that `ENVIRONMENTS=local npm run synth` runs, and the terraform init/apply of its output.
 * `npm run kind -- deploy` and the suite's app-stack test both use these, so the local loop and the
 * app stack are one path.
 *
 *   const synth = appLocalSynth({ outdir, kubeconfig, context: 'kind-hono-api', imageTag: 'dev' });
 *   await run(synth.command, synth.args, { env: synth.env, cwd: REPO_ROOT });
 *   await run(terraform, ['init', ...TERRAFORM_FLAGS], { cwd: synth.stackDir });
 */
import path from 'node:path';

/** The stack's id in main.ts, and the name of its directory under `<outdir>/stacks`. */
export const APP_LOCAL_STACK = 'app-local';

export interface AppLocalSynthOptions {
  /** Where cdktf writes (CDKTF_OUTDIR); the stack and its local state live in `<outdir>/stacks/app-local`. */
  readonly outdir: string;
  /** Kubeconfig file (LOCAL_KUBECONFIG); unset: main.ts takes KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig?: string;
  /** Its context (LOCAL_KUBE_CONTEXT); unset: the file's current context. */
  readonly context?: string;
  /** Image repository the cluster holds (LOCAL_IMAGE_REPOSITORY); unset: hono-api. */
  readonly imageRepository?: string;
  /** Image tag to deploy (IMAGE_TAG); unset: the dev environment's. */
  readonly imageTag?: string;
  /** A dedicated node pool `key=value` (LOCAL_NODE_POOL): nodes with that label and NoSchedule taint. */
  readonly nodePool?: { readonly key: string; readonly value: string };
  /** Namespace (LOCAL_NAMESPACE); unset: the dev environment's. */
  readonly namespace?: string;
  /** CDKTF context, e.g. { rootMessage: 'Hi' } as `ops set-message` passes it. */
  readonly cdktfContext?: Readonly<Record<string, string>>;
}

export interface AppLocalSynth {
  readonly command: string;
  readonly args: readonly string[];
  /** Variables to add to the environment (undefined ones removed, so a caller's own setting cannot leak in). */
  readonly env: NodeJS.ProcessEnv;
  /** The synthesised stack's directory: run terraform here. */
  readonly stackDir: string;
}

/** The synth command; run it with the repository root as working directory. */
export function appLocalSynth(options: AppLocalSynthOptions): AppLocalSynth {
  return {
    // main.ts through tsx, as `npm run synth:fast` runs it: no cdktf-cli, so the output directory
    // (and the state file next to the stack) is not wiped first.
    command: process.execPath,
    args: ['--import', 'tsx', 'main.ts'],
    env: {
      ENVIRONMENTS: 'local',
      CDKTF_OUTDIR: options.outdir,
      LOCAL_KUBECONFIG: options.kubeconfig,
      LOCAL_KUBE_CONTEXT: options.context,
      LOCAL_IMAGE_REPOSITORY: options.imageRepository,
      IMAGE_TAG: options.imageTag,
      LOCAL_NODE_POOL: options.nodePool ? `${options.nodePool.key}=${options.nodePool.value}` : undefined,
      LOCAL_NAMESPACE: options.namespace,
      CDKTF_CONTEXT_JSON: JSON.stringify(options.cdktfContext ?? {}),
    },
    stackDir: path.join(options.outdir, 'stacks', APP_LOCAL_STACK),
  };
}

/** Flags for every terraform call here: nothing may wait for a prompt. */
export const TERRAFORM_FLAGS = ['-input=false', '-no-color'] as const;
