/**
 * Reads the GitHub Actions workflows in .github/workflows/ for the workflow tests, and answers the
 * questions they ask: which jobs assume which CI role, which OIDC subject (`sub` claim) a job's
 * token will carry, which GitHub environments a job can run in, which expressions a script holds.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../scripts/lib/helm.js';

export { REPO_ROOT };
export const WORKFLOWS_DIR = path.join(REPO_ROOT, '.github', 'workflows');

export interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, unknown>>;
}

export type Permissions = Readonly<Record<string, string>> | 'read-all' | 'write-all';

export interface Concurrency {
  readonly group: string;
  readonly 'cancel-in-progress'?: boolean | string;
}

export interface Job {
  readonly name?: string;
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly 'runs-on'?: unknown;
  readonly 'timeout-minutes'?: number | string;
  readonly permissions?: Permissions;
  readonly environment?: string | { readonly name: string; readonly url?: string };
  readonly concurrency?: string | Concurrency;
  readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>> };
  readonly env?: Readonly<Record<string, unknown>>;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly steps?: readonly Step[];
  /** A job that calls a reusable workflow (`./.github/workflows/x.yml`). */
  readonly uses?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  /** Secrets passed to a reusable workflow (never `inherit` here). */
  readonly secrets?: Readonly<Record<string, string>> | 'inherit';
}

export interface WorkflowInput {
  readonly type?: string;
  readonly options?: readonly string[];
  readonly default?: unknown;
  readonly required?: boolean;
}

export interface Workflow {
  /** File name, e.g. deploy.yml. */
  readonly file: string;
  /** Path relative to the repository root, as actionlint reports it. */
  readonly path: string;
  readonly text: string;
  readonly name?: string;
  /** The `on:` mapping, normalised from its string and list forms. */
  readonly on: Readonly<Record<string, Record<string, unknown> | null>>;
  readonly permissions?: Permissions;
  readonly concurrency?: string | Concurrency;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

function normaliseOn(on: unknown): Record<string, Record<string, unknown> | null> {
  if (typeof on === 'string') return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((event: string) => [event, null]));
  if (on && typeof on === 'object') return on as Record<string, Record<string, unknown> | null>;
  throw new Error(`unreadable "on": ${JSON.stringify(on)}`);
}

export function loadWorkflow(file: string): Workflow {
  const text = readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');
  const doc = parse(text) as Omit<Workflow, 'file' | 'path' | 'text' | 'on'> & { on: unknown };
  return { ...doc, file, path: `.github/workflows/${file}`, text, on: normaliseOn(doc.on) };
}

export function loadWorkflows(): Workflow[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map(loadWorkflow);
}

export const jobsOf = (wf: Workflow) => Object.entries(wf.jobs).map(([id, job]) => ({ id, job }));
export const stepsOf = (job: Job): readonly Step[] => job.steps ?? [];

/** The action a `uses:` names without its ref: `actions/checkout@…` → `actions/checkout`. */
export const actionName = (uses: string) => uses.replace(/@.*$/, '');

/**
 * The kinds of CI role a job can assume, by the repository variable holding its ARN (the
 * ci-identity stack's outputs name them). For the deploy roles it is a prefix: each environment's
 * is AWS_DEPLOY_ROLE_ARN_<ENVIRONMENT>, which deploy.yml's prepare job resolves for the target
 * environment into its `deploy-role` output, the apply job's role-to-assume.
 */
export type RoleKind = 'pr-plan' | 'plan' | 'deploy' | 'push-image';
export const ROLE_VARIABLES: Readonly<Record<RoleKind, string>> = {
  'pr-plan': 'AWS_PR_PLAN_ROLE_ARN',
  plan: 'AWS_PLAN_ROLE_ARN',
  deploy: 'AWS_DEPLOY_ROLE_ARN',
  'push-image': 'AWS_PUSH_IMAGE_ROLE_ARN',
};

const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials';
const ATTEST_ACTIONS = new Set(['actions/attest-build-provenance', 'actions/attest', 'actions/attest-sbom']);

/** A role a job assumes, and the reusable workflow's input value the step requires (`inputs.x == 'v'` in its `if:`). */
export interface RoleAssumption {
  readonly role: RoleKind;
  readonly when?: { readonly input: string; readonly value: string };
}

/** The job output carrying the target environment's deploy role (from AWS_DEPLOY_ROLE_ARN_<ENVIRONMENT>). */
export const DEPLOY_ROLE_OUTPUT = /^\$\{\{\s*needs\.[\w-]+\.outputs\.deploy-role\s*\}\}$/;

/** The CI roles a job's steps assume. A role-to-assume that is not exactly `${{ vars.<ROLE VARIABLE> }}` or the deploy-role output throws. */
export function roleAssumptions(job: Job): RoleAssumption[] {
  const found: RoleAssumption[] = [];
  for (const step of stepsOf(job)) {
    if (!step.uses || actionName(step.uses) !== CONFIGURE_AWS) continue;
    const value = String(step.with?.['role-to-assume'] ?? '');
    const m = /^\$\{\{\s*vars\.([A-Z0-9_]+)\s*\}\}$/.exec(value);
    const role = DEPLOY_ROLE_OUTPUT.test(value) ? 'deploy' : m && (Object.entries(ROLE_VARIABLES).find(([k, variable]) => k !== 'deploy' && variable === m[1])?.[0] as RoleKind | undefined);
    if (!role) throw new Error(`configure-aws-credentials with role-to-assume ${JSON.stringify(value)}: expected \${{ vars.<one of ${Object.values(ROLE_VARIABLES).join(', ')}> }}`);
    const when = /\binputs\.([\w-]+)\s*==\s*'([^']*)'/.exec(step.if ?? '');
    found.push(when ? { role, when: { input: when[1]!, value: when[2]! } } : { role });
  }
  return found;
}

export const assumedRoles = (job: Job): RoleKind[] => roleAssumptions(job).map((a) => a.role);

export const attests = (job: Job) => stepsOf(job).some((step) => step.uses !== undefined && ATTEST_ACTIONS.has(actionName(step.uses)));

/** The workflow file a job calls (`uses: ./.github/workflows/deploy.yml` → deploy.yml), if any. */
export function calledWorkflow(job: Job): string | undefined {
  const m = job.uses ? /^\.\/\.github\/workflows\/([^/@]+)$/.exec(job.uses) : null;
  if (job.uses && !m) throw new Error(`job uses ${job.uses}: only local reusable workflows are expected`);
  return m?.[1];
}

/** Whether a job needs an OIDC token: it assumes a role, attests, or calls a workflow with such a job. */
export function needsIdToken(job: Job, all: readonly Workflow[]): boolean {
  const called = calledWorkflow(job);
  if (called) {
    const wf = all.find((w) => w.file === called);
    if (!wf) throw new Error(`called workflow ${called} not found`);
    return jobsOf(wf).some(({ job: j }) => needsIdToken(j, all));
  }
  return assumedRoles(job).length > 0 || attests(job);
}

export const permissionsOf = (p: Permissions | undefined): Readonly<Record<string, string>> =>
  p === undefined ? {} : typeof p === 'string' ? { [p]: p } : p;

/**
 * Expressions a `run:` script (or an actions/github-script `script:`) may contain: values this
 * repository controls — matrix entries written in the workflow, outputs of its own steps and jobs
 * (which carry nothing from an event payload). Everything else (github.event.*, inputs.*,
 * github.head_ref, vars.*, …) reaches a script only through `env:`, read as "$VARIABLE" or
 * process.env.X, never spliced into the code.
 */
export const TRUSTED_SCRIPT_EXPRESSIONS: readonly RegExp[] = [/^matrix\.[\w-]+$/, /^steps\.[\w-]+\.outputs\.[\w-]+$/, /^needs\.[\w-]+\.outputs\.[\w-]+$/];

/** Every `${{ … }}` expression in a string, trimmed. */
export const expressionsIn = (text: string) => [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]!.trim());

/** A job's scripts: the `run:` bodies and actions/github-script `script:` inputs (both are code). */
export function scriptsOf(job: Job): { step: Step; code: string }[] {
  return stepsOf(job).flatMap((step) => {
    const code = step.run ?? (step.uses && actionName(step.uses) === 'actions/github-script' ? String(step.with?.script ?? '') : undefined);
    return code === undefined ? [] : [{ step, code }];
  });
}

// ---- OIDC subjects -------------------------------------------------------------------------------

/**
 * The two forms of the subject's repository part GitHub documents (docs.github.com, "OpenID
 * Connect reference"; changelog 2026-04-23 "Immutable subject claims for GitHub Actions OIDC
 * tokens"): `name-only` (`repo:OWNER/REPO`, repositories created before 2026-07-15 that were never
 * renamed or transferred) and `immutable` (`repo:OWNER@OWNER_ID/REPO@REPO_ID`, every repository
 * created, renamed or transferred since, forks included). Written from the documentation, not from
 * the stack's code, so the two can disagree.
 */
export type ClaimForm = 'name-only' | 'immutable';

export interface GithubRepository {
  readonly owner: string;
  readonly ownerId: number;
  readonly name: string;
  readonly repositoryId: number;
}

export function issuedRepo(form: ClaimForm, r: GithubRepository): string {
  return form === 'immutable' ? `repo:${r.owner}@${r.ownerId}/${r.name}@${r.repositoryId}` : `repo:${r.owner}/${r.name}`;
}

export interface SubjectContext {
  /** The subject's repository part, as GitHub issues it to this repository (issuedRepo()). */
  readonly repo: string;
  readonly mainBranch: string;
  readonly workflows: readonly Workflow[];
}

const envName = (job: Job) => (typeof job.environment === 'object' ? job.environment.name : job.environment);

/**
 * The GitHub environments a job can run in. Literal names, `${{ matrix.x }}`, and
 * `${{ inputs.x }}` / `${{ inputs.x || 'fallback' }}` are understood: an input contributes its
 * workflow_dispatch choice options and the literal values calling workflows pass; anything else throws.
 */
export function environmentNames(wf: Workflow, job: Job, ctx: SubjectContext): string[] {
  const value = envName(job);
  if (value === undefined) return [];
  const exprs = expressionsIn(value);
  if (exprs.length === 0) return [value];
  if (exprs.length !== 1 || !/^\$\{\{[^}]*\}\}$/.test(value.trim())) throw new Error(`environment ${value}: expected a name or one expression`);
  const expr = exprs[0]!;
  const matrix = /^matrix\.([\w-]+)$/.exec(expr);
  if (matrix) {
    const values = job.strategy?.matrix?.[matrix[1]!];
    if (!Array.isArray(values)) throw new Error(`environment ${value}: matrix.${matrix[1]} is not a literal list`);
    return values.map(String);
  }
  const input = /^inputs\.([\w-]+)(?:\s*\|\|\s*'([^']*)')?$/.exec(expr);
  if (!input) throw new Error(`environment ${value}: only matrix.x and inputs.x [|| 'default'] are understood`);
  const [, name, fallback] = input as unknown as [string, string, string | undefined];
  const names = new Set<string>();
  if (fallback !== undefined) names.add(fallback);
  const dispatch = wf.on.workflow_dispatch?.inputs as Record<string, WorkflowInput> | undefined;
  if (dispatch?.[name]) {
    const options = dispatch[name].options;
    if (dispatch[name].type !== 'choice' || !options) throw new Error(`environment ${value}: workflow_dispatch input ${name} must be a choice`);
    options.forEach((o) => names.add(o));
  }
  if (wf.on.workflow_call) {
    for (const caller of callersOf(wf, ctx.workflows)) {
      const passed = caller.job.with?.[name];
      if (passed === undefined && fallback === undefined) throw new Error(`${caller.wf.file} calls ${wf.file} without ${name}`);
      if (passed === undefined) continue;
      if (typeof passed !== 'string' || expressionsIn(passed).length > 0) throw new Error(`${caller.wf.file} passes ${name}: ${JSON.stringify(passed)}, not a literal`);
      names.add(passed);
    }
  }
  return [...names];
}

export function callersOf(wf: Workflow, all: readonly Workflow[]): { wf: Workflow; id: string; job: Job }[] {
  return all.flatMap((caller) => jobsOf(caller).filter(({ job }) => calledWorkflow(job) === wf.file).map(({ id, job }) => ({ wf: caller, id, job })));
}

/** The refs a job's `if:` limits it to: `github.ref == 'x'` and `startsWith(github.ref, 'y')` (as y*). */
export function refGuards(condition: string | undefined): string[] | undefined {
  if (!condition) return undefined;
  const exact = [...condition.matchAll(/github\.ref\s*==\s*'([^']+)'/g)].map((m) => m[1]!);
  const prefix = [...condition.matchAll(/startsWith\(\s*github\.ref\s*,\s*'([^']+)'\s*\)/g)].map((m) => `${m[1]!}*`);
  const refs = [...exact, ...prefix];
  return refs.length > 0 ? refs : undefined;
}

const asList = (value: unknown): string[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/**
 * The `sub` claims the OIDC token of a job carries, with GitHub's glob characters where a filter
 * allows many refs (`repo:o/r:ref:refs/tags/v*.*.*`). A job in an environment presents
 * `repo:<repo>:environment:<name>` whatever triggered it; otherwise the subject follows the event:
 * pull_request → `repo:<repo>:pull_request`, push → `ref:refs/heads/<branch>` or
 * `ref:refs/tags/<tag>`, schedule → the default branch, workflow_dispatch → the refs the job's
 * `if:` allows (any branch when it allows all), workflow_call → the caller's subjects (only the
 * callers passing `when`'s input value, for a step that runs only then).
 */
export function oidcSubjects(wf: Workflow, job: Job, ctx: SubjectContext, guard = refGuards(job.if), when?: RoleAssumption['when']): string[] {
  const { repo } = ctx;
  if (job.environment !== undefined) return environmentNames(wf, job, ctx).map((env) => `${repo}:environment:${env}`);
  const subjects = new Set<string>();
  for (const [event, filter] of Object.entries(wf.on)) {
    switch (event) {
      case 'pull_request':
        subjects.add(`${repo}:pull_request`);
        break;
      case 'push': {
        const branches = asList(filter?.branches);
        const tags = asList(filter?.tags);
        if (branches.length === 0 && tags.length === 0) throw new Error(`${wf.file}: push without branch or tag filters runs on any ref`);
        branches.forEach((b) => subjects.add(`${repo}:ref:refs/heads/${b}`));
        tags.forEach((t) => subjects.add(`${repo}:ref:refs/tags/${t}`));
        break;
      }
      case 'schedule':
        subjects.add(`${repo}:ref:refs/heads/${ctx.mainBranch}`);
        break;
      case 'workflow_dispatch':
        (guard ?? ['refs/heads/*', 'refs/tags/*']).forEach((ref) => subjects.add(`${repo}:ref:${ref}`));
        break;
      case 'workflow_call':
        for (const caller of callersOf(wf, ctx.workflows)) {
          // A step that runs only for one input value presents only those callers' subjects.
          if (when && caller.job.with?.[when.input] !== when.value) continue;
          oidcSubjects(caller.wf, { ...caller.job, environment: undefined } as Job, ctx, refGuards(caller.job.if) ?? guard).forEach((s) => subjects.add(s));
        }
        break;
      default:
        throw new Error(`${wf.file}: no OIDC subject rule for the ${event} event`);
    }
  }
  return [...subjects];
}

/** Whether an IAM StringLike pattern (`*` any run of characters, `?` one) accepts a subject; the subject's own `*` must fall inside the pattern's. */
export function subjectAllowed(pattern: string, subject: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '[^*]')}$`);
  return regex.test(subject);
}
