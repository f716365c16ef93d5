/** Argument handling and help for `tsx scripts/kind.ts <command>`. */
import { parseArgs as parseNodeArgs } from 'node:util';
import { CLUSTER_CONFIG, CLUSTER_NAME, DEFAULT_LOCAL_PORT, DEPLOY_DIR, IMAGE, KUBE_CONTEXT, NAMESPACE, RELEASE } from './config.js';
import { COMMAND_NAMES, runCommand } from './commands.js';
import type { CommandName, CommandOptions } from './commands.js';
import type { KindDeps } from './deps.js';

const PROGRAM = 'tsx scripts/kind.ts';

interface CommandHelp {
  summary: string;
  usage?: string;
  details: string[];
}

export const HELP: Readonly<Record<CommandName, CommandHelp>> = {
  check: {
    summary: 'check the prerequisites: docker or podman (answering), kind, kubectl, helm, terraform, the Dockerfile',
    details: ['Lists every missing prerequisite with how to install it; exits 1 if any is missing.'],
  },
  up: {
    summary: `create the kind cluster "${CLUSTER_NAME}" from ${CLUSTER_CONFIG} (1 control plane, 2 workers)`,
    details: [`Does nothing if the cluster exists. The kubeconfig context is ${KUBE_CONTEXT}.`],
  },
  image: {
    summary: `build ${IMAGE} from the Dockerfile and load it into the cluster`,
    details: ['Docker: docker build, then kind load docker-image.', 'Podman: podman build, podman save, then kind load image-archive.'],
  },
  deploy: {
    summary: `apply the app stack for kind (app-local): namespace ${NAMESPACE} and the ${RELEASE} release, through the Terraform Helm provider`,
    details: [
      `Synthesises app-local (ENVIRONMENTS=local) into ${DEPLOY_DIR}, then terraform init and apply there; the state stays there.`,
      `The dev environment's app settings, ${IMAGE}, atomic (a rollout that does not finish in 2 minutes is rolled back).`,
      `Always against the context ${KUBE_CONTEXT}, never the current one.`,
    ],
  },
  test: {
    summary: `helm test ${RELEASE}: calls /readyz and / through the Service from inside the cluster`,
    details: [],
  },
  forward: {
    summary: `port-forward the Service to http://127.0.0.1:${DEFAULT_LOCAL_PORT}/ (until Ctrl-C)`,
    usage: `${PROGRAM} forward [--port <local port>]`,
    details: [`--port <n>   local port (default ${DEFAULT_LOCAL_PORT})`],
  },
  down: {
    summary: `delete the kind cluster "${CLUSTER_NAME}" and the app-local state in ${DEPLOY_DIR}`,
    details: [],
  },
  all: {
    summary: 'check, up, image, deploy and test, stopping at the first failure; then print the forward command',
    details: [],
  },
};

export function usage(): string {
  const width = Math.max(...COMMAND_NAMES.map((name) => name.length));
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'The local kind workflow for the hono-api chart.',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((name) => `  ${name.padEnd(width)}  ${HELP[name].summary}`),
    '',
    `Run \`${PROGRAM} <command> --help\` for a command's options.`,
  ].join('\n');
}

export function commandUsage(name: CommandName): string {
  const help = HELP[name];
  return [`Usage: ${help.usage ?? `${PROGRAM} ${name}`}`, '', `${help.summary[0]!.toUpperCase()}${help.summary.slice(1)}.`, ...(help.details.length > 0 ? ['', ...help.details] : [])].join('\n');
}

export type Parsed =
  | { kind: 'help'; command?: CommandName }
  | { kind: 'run'; command: CommandName; options: CommandOptions }
  | { kind: 'error'; message: string; command?: CommandName };

function isCommand(value: string): value is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(value);
}

function parsePort(value: string | undefined): number | string {
  if (value === undefined || value === '') return '--port needs a value, e.g. --port 9090';
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 65535) return `--port must be a port number from 1 to 65535, got "${value}"`;
  return Number(value);
}

/** Parses the arguments after the script name. */
export function parseArgs(argv: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: 'error', message: 'no command given' };
  if (first === '--help' || first === '-h') return { kind: 'help' };
  if (first === 'help') {
    if (rest.length === 0) return { kind: 'help' };
    const topic = rest[0]!;
    return isCommand(topic) && rest.length === 1 ? { kind: 'help', command: topic } : { kind: 'error', message: `unknown command: ${rest.join(' ')}` };
  }
  if (first.startsWith('-')) return { kind: 'error', message: `unknown option: ${first} (the command comes first)` };
  if (!isCommand(first)) return { kind: 'error', message: `unknown command: ${first}` };
  const command = first;
  let parsed: { values: { help?: boolean; port?: string }; positionals: string[] };
  try {
    parsed = parseNodeArgs({
      args: [...rest],
      options: { help: { type: 'boolean', short: 'h' }, ...(command === 'forward' ? { port: { type: 'string' } } : {}) },
      strict: true,
      allowPositionals: true,
    }) as typeof parsed;
  } catch (err) {
    const e = err as Error & { code?: string };
    const flag = /'(-[^' ]+)/.exec(e.message)?.[1] ?? e.message;
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return { kind: 'error', message: parsePort(undefined) as string, command };
    return { kind: 'error', message: `unknown option for ${command}: ${flag}`, command };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help', command };
  if (positionals.length > 0) return { kind: 'error', message: `unexpected argument for ${command}: ${positionals[0]}`, command };
  const options: CommandOptions = {};
  if (values.port !== undefined) {
    const port = parsePort(values.port);
    if (typeof port === 'string') return { kind: 'error', message: port, command };
    options.port = port;
  }
  return { kind: 'run', command, options };
}

/** Runs the CLI; resolves to the exit code: 0 done, 1 failed, 2 usage error. */
export async function main(argv: readonly string[], deps: KindDeps): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    deps.out(parsed.command ? commandUsage(parsed.command) : usage());
    return 0;
  }
  if (parsed.kind === 'error') {
    deps.err(`error: ${parsed.message}`);
    deps.err('');
    deps.err(parsed.command ? commandUsage(parsed.command) : usage());
    return 2;
  }
  return runCommand(parsed.command, deps, parsed.options);
}
