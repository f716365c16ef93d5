/**
 * Argument handling and help for `npm run ops -- <command>`: every command and its options, the
 * known environments from the configuration, usage errors with exit code 2.
 */
import path from 'node:path';
import { parseArgs as parseNodeArgs } from 'node:util';
import { bootstrap } from './bootstrap.js';
import { calendar } from './calendar.js';
import { checkConfig } from './check-config.js';
import { kubeconfig, status, url } from './cluster.js';
import { cost } from './cost.js';
import { deploy, setMessage } from './deploy.js';
import type { OpsDeps } from './deps.js';
import { destroy } from './destroy.js';
import { pushImage } from './push-image.js';
import { WORKFLOW_NAMES, type WorkflowChoice, doctor, renderDoctor } from './doctor.js';

export const PROGRAM = 'npm run ops --';
export const DEFAULT_OUTDIR = 'cdktf.out';

export const COMMAND_NAMES = ['doctor', 'check-config', 'calendar', 'bootstrap', 'push-image', 'deploy', 'kubeconfig', 'url', 'status', 'set-message', 'destroy', 'cost'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Placeholder of a string option's value. */
  readonly value?: string;
  readonly help: string;
}

interface CommandSpec {
  readonly summary: string;
  /** Whether the command takes the environment as its one positional argument. */
  readonly env: boolean;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly details: readonly string[];
}

const OUTDIR: OptionSpec = { type: 'string', value: 'dir', help: `where to synthesise (default ${DEFAULT_OUTDIR}, relative to the repository)` };
const JSON_OUT: OptionSpec = { type: 'boolean', help: 'print JSON on stdout instead of text' };
const YES: OptionSpec = { type: 'boolean', help: 'approve the plan without asking (for scripts; never the default)' };

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  doctor: {
    summary: 'check the tools each workflow needs, with how to install what is missing',
    env: false,
    options: {
      workflow: { type: 'string', value: 'deploy|local|all', help: 'which workflow to check (default all)' },
      env: { type: 'string', value: 'env', help: "also check the environment's configuration for example values and that the AWS account is one of its allowedAccountIds" },
      json: JSON_OUT,
    },
    details: [
      'deploy: node >= 20.19, npm, terraform >= 1.10, the AWS CLI with working credentials, kubectl, helm.',
      'local:  node, npm, docker or podman (with the engine answering), kind >= 0.33, kubectl, helm.',
      'Exit code 0 when the requested workflow can run, 1 when it cannot.',
    ],
  },
  'check-config': {
    summary: 'refuse a configuration that still has example values (account guard, hosted zones, repository, cluster admins, plan key)',
    env: true,
    options: {
      'plan-recipient': { type: 'boolean', help: "once the check passes, print only the environment's planRecipient (deploy.yml seals the plans to it)" },
      github: { type: 'boolean', help: "also check, with gh, the repository variables and the GitHub environment's secrets the workflows need (scripts/ci/settings.json)" },
    },
    details: [
      'Checks the shared fields and the environment\'s, one line per field with how to fill it in. No AWS call.',
      'bootstrap, deploy and set-message run the same check first; the workflows run this command before terraform.',
      'Exit code 0 when nothing is left to fill in, 1 otherwise.',
    ],
  },
  calendar: {
    summary: 'the support calendar: what ends within 90 days, and (given AWS output) where AWS disagrees with it',
    env: false,
    options: {
      'aws-versions': { type: 'string', value: 'file', help: 'the output of `aws eks describe-cluster-versions --output json`, compared with the calendar' },
      report: { type: 'string', value: 'file', help: 'also write the report as Markdown (the drift workflow\'s issue body)' },
      json: JSON_OUT,
    },
    details: [
      'The calendar is stacks/config/support-calendar.ts: Kubernetes minors on EKS and what each platform chart supports.',
      'Exit code 0 when there is nothing to do, 2 when something needs a change, 1 when the AWS output cannot be read.',
    ],
  },
  bootstrap: {
    summary: 'create the Terraform state bucket (state stack, local backend) and move its own state into it',
    env: false,
    options: { yes: YES, outdir: OUTDIR },
    details: [
      'Idempotent: when the state is already in the bucket it says so and changes nothing.',
      'An interrupted bootstrap (bucket created, state still local) is resumed.',
    ],
  },
  'push-image': {
    summary: 'build the Dockerfile and push the first image to the registry stack\'s ECR repository, before the release workflow exists',
    env: false,
    options: { tag: { type: 'string', value: 'tag', help: "the image tag (default: package.json's version, the tag the environments deploy)" } },
    details: [
      'Needs docker or podman, the AWS CLI and credentials for an account in shared.allowedAccountIds; the registry stack must exist.',
      'A tag already in ECR is left alone (tags are immutable). The image carries no signed provenance, so the deploy',
      'workflow refuses it: it serves `deploy` from a terminal; later images come from release tags (release.yml).',
    ],
  },
  deploy: {
    summary: "plan, confirm and apply an environment's stacks in dependency order",
    env: true,
    options: {
      stacks: { type: 'string', value: 'a,b', help: 'only these stacks (still in dependency order)' },
      'with-shared': { type: 'boolean', help: 'also the shared stacks the environment depends on (state, registry, ci-identity)' },
      'image-tag': { type: 'string', value: 'tag', help: 'deploy this released image tag instead of the configured one' },
      yes: YES,
      'dry-run': { type: 'boolean', help: 'synthesise and print the stacks and terraform commands, without running terraform or calling AWS' },
      json: { type: 'boolean', help: 'with --dry-run: print the steps as JSON' },
      outdir: OUTDIR,
    },
    details: [
      'The stacks and their order come from the synthesised manifest (cdktf.out/manifest.json).',
      "By default only the environment's own stacks; the shared ones are an administrator's (add --with-shared for the first deployment).",
      'Each plan is saved (tfplan) and exactly that plan is applied. A stack that reads what an earlier one creates',
      '(first deployment) is planned after that one is applied, and shown and confirmed on its own.',
      'Stops at the first failure with the stack and the Terraform error; logs stay in each stack directory.',
    ],
  },
  kubeconfig: {
    summary: "add the environment's EKS cluster to ~/.kube/config (aws eks update-kubeconfig)",
    env: true,
    options: { print: { type: 'boolean', help: 'only print the command' } },
    details: ['The context is named like the cluster (hono-api-<env>); the other commands always use that context.'],
  },
  url: {
    summary: 'where the service answers: the ingress load balancer, the configured host, or a port-forward',
    env: true,
    options: { json: JSON_OUT },
    details: [],
  },
  status: {
    summary: 'stack outputs, the Helm release revision and status, and ready replicas',
    env: true,
    options: { json: JSON_OUT, outdir: OUTDIR },
    details: ['Exit code 0 when the release is deployed and every replica is ready, 1 otherwise.'],
  },
  'set-message': {
    summary: 'change the messages the service answers on / and /api, and roll the release',
    env: true,
    options: {
      root: { type: 'string', value: 'text', help: 'the message on GET / (1 to 256 characters)' },
      api: { type: 'string', value: 'text', help: 'the message on GET /api (1 to 256 characters)' },
      yes: YES,
      outdir: OUTDIR,
    },
    details: [
      'Synthesises with the new messages, then plans, confirms and applies the app stack only; the chart',
      "changes its config checksum, so the pods roll. A message you do not give is the configured one.",
      'The next deploy sets the configured messages again: change stacks/config/environments.ts to keep them.',
    ],
  },
  destroy: {
    summary: "destroy an environment's stacks in reverse dependency order (app first, network last)",
    env: true,
    options: {
      'i-understand': { type: 'boolean', help: 'required to destroy prod' },
      confirm: { type: 'string', value: 'env', help: 'the environment name, given instead of typing it (for scripts)' },
      outdir: OUTDIR,
    },
    details: ['You type the environment name to confirm. The shared stacks (state, registry, ci-identity) are never destroyed.'],
  },
  cost: {
    summary: 'estimate the monthly cost of an environment from its synthesised resources',
    env: true,
    options: {
      'with-shared': { type: 'boolean', help: 'include the shared stacks (paid once per account)' },
      json: JSON_OUT,
      outdir: OUTDIR,
    },
    details: ['Prices: scripts/ops/prices/<region>.json (dated list prices). No AWS call.'],
  },
};

export function usage(envs: readonly string[]): string {
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  return [
    `Usage: ${PROGRAM} <command> [<env>] [options]`,
    '',
    'The hono-api platform from your terminal: check the tools, bootstrap the state bucket, deploy an',
    'environment, reach it, change its messages, estimate its cost, and tear it down.',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}`),
    '',
    `Environments: ${envs.join(', ')} (stacks/config/environments.ts).`,
    `Run \`${PROGRAM} <command> --help\` for a command's options.`,
  ].join('\n');
}

export function commandUsage(name: CommandName): string {
  const spec = COMMANDS[name];
  const flags = Object.entries(spec.options).map(([flag, o]) => `[--${flag}${o.type === 'string' ? ` <${o.value}>` : ''}]`);
  const rows = Object.entries(spec.options).map(([flag, o]) => [`--${flag}${o.type === 'string' ? ` <${o.value}>` : ''}`, o.help] as const);
  const width = Math.max(0, ...rows.map(([f]) => f.length));
  return [
    `Usage: ${PROGRAM} ${name}${spec.env ? ' <env>' : ''} ${flags.join(' ')}`.trimEnd(),
    '',
    `${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.`,
    ...(rows.length ? ['', 'Options:', ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`), `  ${'--help'.padEnd(width)}  this help`] : []),
    ...(spec.details.length ? ['', ...spec.details] : []),
  ].join('\n');
}

export type Invocation =
  | { command: 'doctor'; options: { workflow: WorkflowChoice; env?: string; json: boolean } }
  | { command: 'check-config'; options: { env: string; planRecipient: boolean; github: boolean } }
  | { command: 'calendar'; options: { awsVersions?: string; report?: string; json: boolean } }
  | { command: 'bootstrap'; options: { yes: boolean }; outdir?: string }
  | { command: 'push-image'; options: { tag?: string } }
  | {
      command: 'deploy';
      options: { env: string; stacks?: string[]; withShared: boolean; yes: boolean; dryRun: boolean; json: boolean; imageTag?: string };
      outdir?: string;
    }
  | { command: 'kubeconfig'; options: { env: string; print: boolean } }
  | { command: 'url'; options: { env: string; json: boolean } }
  | { command: 'status'; options: { env: string; json: boolean }; outdir?: string }
  | { command: 'set-message'; options: { env: string; root?: string; api?: string; yes: boolean }; outdir?: string }
  | { command: 'destroy'; options: { env: string; iUnderstand: boolean; confirm?: string }; outdir?: string }
  | { command: 'cost'; options: { env: string; withShared: boolean; json: boolean }; outdir?: string };

export type Parsed = { kind: 'help'; command?: CommandName } | ({ kind: 'run' } & Invocation) | { kind: 'error'; message: string; command?: CommandName };

const isCommand = (v: string): v is CommandName => (COMMAND_NAMES as readonly string[]).includes(v);

/** node:util's messages, shortened to what the user typed wrong. */
function argError(err: unknown, command: CommandName): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option for ${command}: ${option ?? message}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${option ?? 'an option'} ${/argument missing|ambiguous/i.test(message) ? `needs a value (use ${option ?? '--option'}=<value> for one that starts with -)` : 'takes no value'}`;
  return message;
}

/** Parses the arguments after `ops`; `envs` are the known environment names. */
export function parseArgs(argv: readonly string[], envs: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: 'error', message: 'no command given' };
  if (first === '--help' || first === '-h') return { kind: 'help' };
  if (first === 'help') {
    if (rest.length === 0) return { kind: 'help' };
    return rest.length === 1 && isCommand(rest[0]!) ? { kind: 'help', command: rest[0] } : { kind: 'error', message: `unknown command: ${rest.join(' ')}` };
  }
  if (first.startsWith('-')) return { kind: 'error', message: `unknown option: ${first} (the command comes first)` };
  if (!isCommand(first)) return { kind: 'error', message: `unknown command: ${first}` };
  const command = first;
  const spec = COMMANDS[command];
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const options = Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, { type: o.type }]));
    ({ values, positionals } = parseNodeArgs({ args: [...rest], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true }));
  } catch (err) {
    if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', command };
    return { kind: 'error', message: argError(err, command), command };
  }
  if (values.help) return { kind: 'help', command };
  const fail = (message: string): Parsed => ({ kind: 'error', message, command });

  const str = (k: string) => values[k] as string | undefined;
  const flag = (k: string) => values[k] === true;
  for (const [k, o] of Object.entries(spec.options)) if (o.type === 'string' && str(k) !== undefined && str(k)!.trim() === '') return fail(`--${k} needs a non-empty value`);
  const outdir = str('outdir') !== undefined ? { outdir: str('outdir')! } : {};
  const known = `known environments: ${envs.join(', ')}`;

  let env = '';
  if (spec.env) {
    if (positionals.length === 0) return fail(`${command} needs an environment (${known})`);
    if (positionals.length > 1) return fail(`unexpected argument for ${command}: ${positionals[1]}`);
    env = positionals[0]!;
    if (!envs.includes(env)) return fail(`unknown environment: ${env} (${known})`);
  } else if (positionals.length > 0) return fail(`unexpected argument for ${command}: ${positionals[0]}`);

  switch (command) {
    case 'doctor': {
      const workflow = (str('workflow') ?? 'all') as WorkflowChoice;
      if (!WORKFLOW_NAMES.includes(workflow)) return fail(`--workflow must be one of ${WORKFLOW_NAMES.join(', ')}, got "${workflow}"`);
      const target = str('env');
      if (target !== undefined && !envs.includes(target)) return fail(`unknown environment: ${target} (${known})`);
      return { kind: 'run', command, options: { workflow, ...(target ? { env: target } : {}), json: flag('json') } };
    }
    case 'check-config':
      return { kind: 'run', command, options: { env, planRecipient: flag('plan-recipient'), github: flag('github') } };
    case 'calendar': {
      const [awsVersions, report] = [str('aws-versions'), str('report')];
      return { kind: 'run', command, options: { ...(awsVersions ? { awsVersions } : {}), ...(report ? { report } : {}), json: flag('json') } };
    }
    case 'bootstrap':
      return { kind: 'run', command, options: { yes: flag('yes') }, ...outdir };
    case 'push-image': {
      const tag = str('tag');
      if (tag !== undefined && (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) || tag === 'latest')) return fail(`--tag must be an immutable image tag such as 1.4.0 (never "latest"), got "${tag}"`);
      return { kind: 'run', command, options: { ...(tag ? { tag } : {}) } };
    }
    case 'deploy': {
      const list = str('stacks')?.split(',').map((s) => s.trim());
      if (list && list.some((s) => s === '')) return fail(`--stacks takes stack names separated by commas, got "${str('stacks')}"`);
      if (flag('json') && !flag('dry-run')) return fail('--json is only for --dry-run (a real deploy asks questions on the terminal)');
      const tag = str('image-tag');
      return {
        kind: 'run',
        command,
        options: { env, ...(list ? { stacks: list } : {}), withShared: flag('with-shared'), yes: flag('yes'), dryRun: flag('dry-run'), json: flag('json'), ...(tag ? { imageTag: tag } : {}) },
        ...outdir,
      };
    }
    case 'kubeconfig':
      return { kind: 'run', command, options: { env, print: flag('print') } };
    case 'url':
      return { kind: 'run', command, options: { env, json: flag('json') } };
    case 'status':
      return { kind: 'run', command, options: { env, json: flag('json') }, ...outdir };
    case 'set-message': {
      const root = str('root');
      const api = str('api');
      if (root === undefined && api === undefined) return fail('set-message needs --root <text>, --api <text> or both');
      for (const [k, v] of [['root', root], ['api', api]] as const) {
        if (v !== undefined && v.length > 256) return fail(`--${k} is ${v.length} characters long; at most 256`);
        // The synthesised JSON carries the message as is, and Terraform would read these as template expressions.
        if (v !== undefined && /[$%]\{/.test(v)) return fail(`--${k} must not contain "\${" or "%{" (Terraform would read them as template expressions)`);
      }
      return { kind: 'run', command, options: { env, ...(root !== undefined ? { root } : {}), ...(api !== undefined ? { api } : {}), yes: flag('yes') }, ...outdir };
    }
    case 'destroy': {
      const confirm = str('confirm');
      return { kind: 'run', command, options: { env, iUnderstand: flag('i-understand'), ...(confirm !== undefined ? { confirm } : {}) }, ...outdir };
    }
    case 'cost':
      return { kind: 'run', command, options: { env, withShared: flag('with-shared'), json: flag('json') }, ...outdir };
  }
}

/** Runs the CLI; resolves to the exit code: 0 done, 1 failed or refused, 2 usage error. */
export async function main(argv: readonly string[], deps: OpsDeps): Promise<number> {
  const envs = Object.keys(deps.config.environments);
  const parsed = parseArgs(argv, envs);
  if (parsed.kind === 'help') {
    deps.out(parsed.command ? commandUsage(parsed.command) : usage(envs));
    return 0;
  }
  if (parsed.kind === 'error') {
    deps.err(`error: ${parsed.message}`);
    deps.err('');
    deps.err(parsed.command ? commandUsage(parsed.command) : usage(envs));
    return 2;
  }
  const outdir = path.resolve(deps.repoRoot, ('outdir' in parsed ? parsed.outdir : undefined) ?? DEFAULT_OUTDIR);
  switch (parsed.command) {
    case 'doctor': {
      const report = await doctor(deps, parsed.options);
      deps.out(parsed.options.json ? JSON.stringify(report, null, 2) : renderDoctor(report));
      return report.ok ? 0 : 1;
    }
    case 'check-config':
      return checkConfig(deps, parsed.options.env, parsed.options);
    case 'calendar':
      return calendar(deps, parsed.options);
    case 'bootstrap':
      return bootstrap(deps, outdir, parsed.options);
    case 'push-image':
      return pushImage(deps, parsed.options);
    case 'deploy':
      return deploy(deps, outdir, parsed.options);
    case 'kubeconfig':
      return kubeconfig(deps, parsed.options.env, parsed.options.print);
    case 'url':
      return url(deps, parsed.options.env, parsed.options.json);
    case 'status':
      return status(deps, outdir, parsed.options.env, parsed.options.json);
    case 'set-message':
      return setMessage(deps, outdir, parsed.options);
    case 'destroy':
      return destroy(deps, outdir, parsed.options);
    case 'cost':
      return cost(deps, outdir, parsed.options);
  }
}
