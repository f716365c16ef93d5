/**
 * Fake dependencies for the ops CLI: a virtual file system, a scripted command runner (synth,
 * terraform, aws, kubectl, helm), a PATH of chosen tools, scripted prompt answers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PlatformConfig } from '../../../stacks/config/types.js';
import { forkConfig } from '../../support/fork-config.js';
import type { RunOptions, RunResult } from '../../../scripts/lib/run.js';
import type { OpsDeps } from '../../../scripts/ops/deps.js';
import { silentProgress } from '../../../scripts/ops/progress.js';

export const REPO = '/repo';
export const OUTDIR = '/repo/cdktf.out';
export const NODE = '/usr/bin/node';
export const PRICES_DIR = path.resolve('scripts/ops/prices');

export interface Call {
  /** Base name and arguments, e.g. `terraform -chdir=cdktf.out/stacks/network-dev init -input=false -no-color`. */
  line: string;
  command: string;
  args: readonly string[];
  options: RunOptions;
}

export type Responder = (call: Call, fake: Fake) => Partial<RunResult> | undefined;

export interface FakeOptions {
  /** Tools on PATH (default: every tool the CLI uses). */
  tools?: readonly string[];
  /** Files present from the start, by absolute path. */
  files?: Readonly<Record<string, string>>;
  interactive?: boolean;
  /** Answers the prompt gives, in order; undefined once they run out (input closed). */
  answers?: readonly (string | undefined)[];
  respond?: readonly Responder[];
  config?: PlatformConfig;
  nodeVersion?: string;
  /** The clock, in milliseconds since the epoch (default 0). */
  now?: number;
}

export interface Fake {
  deps: OpsDeps;
  calls: Call[];
  out: string[];
  err: string[];
  prompts: string[];
  files: Map<string, string>;
  lines(): string[];
  /** The calls to a command, by base name. */
  callsTo(name: string): string[];
  output(): string;
}

export const ALL_TOOLS = ['npm', 'terraform', 'aws', 'kubectl', 'helm', 'docker', 'kind'];

export function fake(options: FakeOptions = {}): Fake {
  const tools = new Set(options.tools ?? ALL_TOOLS);
  const files = new Map(Object.entries(options.files ?? {}));
  const answers = [...(options.answers ?? [])];
  const calls: Call[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const prompts: string[] = [];
  const f: Fake = {
    deps: undefined as unknown as OpsDeps,
    calls,
    out,
    err,
    prompts,
    files,
    lines: () => calls.map((c) => c.line),
    callsTo: (name) => calls.filter((c) => path.basename(c.command) === name).map((c) => c.line),
    output: () => [...out, ...err].join('\n'),
  };
  const responders = [...(options.respond ?? [])];
  f.deps = {
    run: async (command, args, runOptions = {}) => {
      const call: Call = { line: [path.basename(command), ...args].join(' '), command, args, options: runOptions };
      calls.push(call);
      for (const responder of responders) {
        const answer = responder(call, f);
        if (answer) return { exitCode: 0, stdout: '', stderr: '', ...answer };
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    },
    lookPath: (name) => (tools.has(name) ? `/usr/bin/${name}` : undefined),
    isExecutable: () => false,
    fileExists: (file) => files.has(file) || [...files.keys()].some((k) => k.startsWith(`${file}/`)),
    makeTempDir: () => '/tmp/ops-test',
    removePath: (file) => {
      for (const k of [...files.keys()]) if (k === file || k.startsWith(`${file}/`)) files.delete(k);
    },
    out: (line) => void out.push(line),
    err: (line) => void err.push(line),
    repoRoot: REPO,
    // The committed price tables are read for real.
    readFile: (file) => files.get(file) ?? (file.startsWith(PRICES_DIR) && existsSync(file) ? readFileSync(file, 'utf8') : undefined),
    writeFile: (file, text) => void files.set(file, text),
    nodePath: NODE,
    nodeVersion: options.nodeVersion ?? '20.19.0',
    prompt: async (question) => {
      prompts.push(question);
      return answers.shift();
    },
    interactive: options.interactive ?? false,
    progress: silentProgress,
    now: () => options.now ?? 0,
    // A fork's configuration: commands that touch AWS refuse the example values (check-config).
    config: options.config ?? forkConfig(),
    pricesDir: PRICES_DIR,
  };
  return f;
}

// ---------------------------------------------------------------------------------------------
// A synthesised platform, as files
// ---------------------------------------------------------------------------------------------

export interface FixtureStack {
  name: string;
  dependencies: string[];
  json?: Record<string, unknown>;
}

const provider = (allowed: string[] = []) => ({ aws: [{ region: 'eu-west-1', ...(allowed.length ? { allowed_account_ids: allowed } : {}) }] });

/** An app stack as the stacks write it: static values as JSON, the Terraform references in a yamlencode() document of their own. */
export function appStackJson(root = 'Hello from hono-api', api = 'Hello from the hono-api API'): Record<string, unknown> {
  const values = [
    JSON.stringify({ replicaCount: 2, config: { rootMessage: root, apiMessage: api }, ingress: { enabled: true } }),
    '${yamlencode({"image" = {"repository" = data.aws_ecr_repository.repository.repository_url}})}',
  ];
  return { provider: provider(), resource: { helm_release: { release: { name: 'hono-api', values } } } };
}

/** The stacks of one environment as stacks/platform.ts builds them (optionally with a platform-<env> stack). */
export function platformFixture(env: string, options: { platformStack?: boolean; allowedAccountIds?: string[]; stateBackend?: 'local' | 's3'; root?: string; api?: string } = {}): FixtureStack[] {
  const backend = (name: string) =>
    name === 'state' && options.stateBackend === 'local'
      ? { local: { path: 'terraform.state.tfstate' } }
      : { s3: { bucket: 'hono-api-tfstate-example', key: `hono-api/${name}.tfstate`, region: 'eu-west-1', encrypt: true, use_lockfile: true } };
  const stack = (name: string, dependencies: string[], json: Record<string, unknown> = { provider: provider(options.allowedAccountIds) }): FixtureStack => ({
    name,
    dependencies,
    json: { ...json, terraform: { backend: backend(name) } },
  });
  const appDeps = options.platformStack ? [`platform-${env}`, 'registry'] : [`cluster-${env}`, 'registry'];
  return [
    stack('state', []),
    stack('registry', ['state']),
    stack('ci-identity', ['state']),
    stack(`network-${env}`, ['state']),
    stack(`cluster-${env}`, [`network-${env}`, 'ci-identity']),
    ...(options.platformStack ? [stack(`platform-${env}`, [`cluster-${env}`])] : []),
    stack(`app-${env}`, appDeps, { ...appStackJson(options.root, options.api), provider: provider(options.allowedAccountIds) }),
  ];
}

/** Writes manifest.json and every cdk.tf.json of `stacks` under `outdir`. */
export function writeFixture(files: Map<string, string>, outdir: string, stacks: readonly FixtureStack[]): void {
  const manifest = {
    version: '0.21.0',
    stacks: Object.fromEntries(
      [...stacks]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((s) => [
          s.name,
          {
            name: s.name,
            constructPath: s.name,
            annotations: [],
            dependencies: s.dependencies,
            workingDirectory: `stacks/${s.name}`,
            synthesizedStackPath: `stacks/${s.name}/cdk.tf.json`,
            stackMetadataPath: `stacks/${s.name}/metadata.json`,
          },
        ]),
    ),
  };
  files.set(path.join(outdir, 'manifest.json'), JSON.stringify(manifest));
  for (const s of stacks) files.set(path.join(outdir, 'stacks', s.name, 'cdk.tf.json'), JSON.stringify(s.json ?? { provider: provider() }));
}

/** Answers the synth (node --import tsx main.ts) by writing the fixture `make` returns for its environment. */
export function synthResponder(make: (request: { env: string; stateBackend: string; context: Record<string, string> }) => FixtureStack[] | { exitCode: number; stderr: string }): Responder {
  return (call, f) => {
    if (call.command !== NODE || !call.args.includes('main.ts')) return undefined;
    const env = call.options.env ?? {};
    const result = make({ env: env.ENVIRONMENTS ?? '', stateBackend: env.STATE_BACKEND ?? '', context: JSON.parse(env.CDKTF_CONTEXT_JSON ?? '{}') as Record<string, string> });
    if (!Array.isArray(result)) return result;
    writeFixture(f.files, env.CDKTF_OUTDIR ?? OUTDIR, result);
    return { exitCode: 0 };
  };
}

// ---------------------------------------------------------------------------------------------
// terraform and aws
// ---------------------------------------------------------------------------------------------

export interface StackScript {
  init?: Partial<RunResult>;
  /** Exit codes of successive plans (0 no changes, 2 changes, 1 failed); the last one repeats. */
  plan?: number[];
  planStderr?: string;
  /** The plan JSON `show -json` prints. */
  planJson?: Record<string, unknown>;
  apply?: Partial<RunResult>;
  destroy?: Partial<RunResult>;
  /** `state list` output. */
  state?: string;
  /** `state list` answered in full instead (e.g. a failure). */
  stateResult?: Partial<RunResult>;
  /** `output -json` output. */
  outputs?: Record<string, unknown>;
}

export const changes = (...entries: [string, string[]][]) => ({ resource_changes: entries.map(([address, actions]) => ({ address, change: { actions } })) });

/** Scripted terraform, by stack (the last component of -chdir). */
export function terraformResponder(scripts: Readonly<Record<string, StackScript>>): Responder {
  const plans = new Map<string, number>();
  return (call) => {
    if (path.basename(call.command) !== 'terraform') return undefined;
    const chdir = call.args.find((a) => a.startsWith('-chdir='));
    if (!chdir) return { exitCode: 0, stdout: JSON.stringify({ terraform_version: '1.12.2' }) };
    const stack = path.basename(chdir.slice('-chdir='.length));
    const script = scripts[stack] ?? {};
    const sub = call.args[1];
    if (sub === 'init') return { exitCode: 0, ...script.init };
    if (sub === 'plan') {
      const n = plans.get(stack) ?? 0;
      plans.set(stack, n + 1);
      const codes = script.plan ?? [2];
      const code = codes[Math.min(n, codes.length - 1)]!;
      return code === 1 ? { exitCode: 1, stderr: script.planStderr ?? `╷\n│ Error: planning ${stack} failed\n│\n│ details\n╵\n` } : { exitCode: code, stdout: `plan of ${stack}\n` };
    }
    if (sub === 'show') {
      const last = (script.plan ?? [2])[Math.min((plans.get(stack) ?? 1) - 1, (script.plan ?? [2]).length - 1)];
      return { exitCode: 0, stdout: JSON.stringify(script.planJson ?? (last === 0 ? changes() : changes([`aws_thing.${stack}`, ['create']]))) };
    }
    if (sub === 'apply') return { exitCode: 0, stdout: 'Apply complete!', ...script.apply };
    if (sub === 'destroy') return { exitCode: 0, ...script.destroy };
    if (sub === 'state') return { exitCode: 0, stdout: script.state ?? 'aws_thing.x\n', ...script.stateResult };
    if (sub === 'output') return { exitCode: 0, stdout: JSON.stringify(Object.fromEntries(Object.entries(script.outputs ?? {}).map(([k, v]) => [k, { value: v, sensitive: false }]))) };
    return { exitCode: 0 };
  };
}

export function awsResponder(
  options: {
    account?: string;
    callerArn?: string;
    credentials?: boolean;
    objects?: Record<string, 'exists' | 'missing' | 'forbidden'>;
    buckets?: Record<string, 'exists' | 'missing' | 'forbidden'>;
    /** Image tags in the service's ECR repository; every tag when unset, none with `repository: 'missing'`. */
    images?: readonly string[] | { repository: 'missing' };
  } = {},
): Responder {
  return (call) => {
    if (path.basename(call.command) !== 'aws') return undefined;
    const [service, op] = call.args;
    if (service === 'ecr' && op === 'describe-images' && options.images !== undefined) {
      if (!Array.isArray(options.images)) return { exitCode: 254, stderr: "\nAn error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name 'hono-api' does not exist\n" };
      const tag = call.args[call.args.indexOf('--image-ids') + 1]!.replace('imageTag=', '');
      if (!options.images.includes(tag)) return { exitCode: 254, stderr: `\nAn error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageTag:'${tag}'} does not exist\n` };
      return { stdout: '{"imageDetails": [{}]}' };
    }
    if (service === 'ecr' && op === 'get-login-password') return { stdout: 'ecr-password\n' };
    if (service === '--version') return { stdout: 'aws-cli/2.17.0 Python/3.12.6 Linux/6.8 exe/x86_64\n' };
    if (service === 'sts')
      return options.credentials === false
        ? { exitCode: 253, stderr: '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n' }
        : { stdout: JSON.stringify({ Account: options.account ?? '123456789012', Arn: options.callerArn ?? 'arn:aws:sts::123456789012:assumed-role/admin/me', UserId: 'X' }) };
    if (service === 's3api') {
      const bucket = call.args[call.args.indexOf('--bucket') + 1]!;
      const state = op === 'head-object' ? (options.objects?.[`${bucket}/${call.args[call.args.indexOf('--key') + 1]}`] ?? 'missing') : (options.buckets?.[bucket] ?? 'missing');
      if (state === 'exists') return { exitCode: 0, stdout: '{}' };
      return { exitCode: 254, stderr: state === 'missing' ? '\nAn error occurred (404) when calling the HeadObject operation: Not Found\n' : '\nAn error occurred (403) when calling the HeadBucket operation: Forbidden\n' };
    }
    return { exitCode: 0 };
  };
}
