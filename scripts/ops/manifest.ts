/**
 * The stack graph as synthesised: `cdktf.out/manifest.json` lists every stack with its working
 * directory and the stacks it depends on (the `addDependency` calls of stacks/platform.ts). The CLI
 * never hard-codes stack names or their order; it reads them from here.
 *
 * Which stacks belong to an environment: those whose id ends in `-<env>` (stacks/naming.ts names
 * every per-environment stack `<kind>-<env>`); the others (state, registry, ci-identity) are
 * shared by every environment of the account.
 */
import path from 'node:path';

export interface ManifestStack {
  readonly name: string;
  readonly dependencies: readonly string[];
  /** Relative to the output directory, e.g. stacks/network-dev. */
  readonly workingDirectory: string;
  /** Relative to the output directory, e.g. stacks/network-dev/cdk.tf.json. */
  readonly synthesizedStackPath: string;
}

export interface Manifest {
  readonly stacks: Readonly<Record<string, ManifestStack>>;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** A --stacks name that is not a stack of the environment: a usage error. */
export class UnknownStackError extends ManifestError {
  override name = 'UnknownStackError';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses manifest.json; throws ManifestError naming what is wrong. */
export function parseManifest(text: string, where = 'manifest.json'): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`${where} is not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(raw) || !isRecord(raw.stacks)) throw new ManifestError(`${where} has no "stacks" object`);
  const stacks: Record<string, ManifestStack> = {};
  for (const [key, value] of Object.entries(raw.stacks)) {
    if (!isRecord(value)) throw new ManifestError(`${where}: stack "${key}" is not an object`);
    const dependencies = value.dependencies ?? [];
    if (!Array.isArray(dependencies) || !dependencies.every((d) => typeof d === 'string'))
      throw new ManifestError(`${where}: stack "${key}" has dependencies that are not a list of stack names`);
    const name = typeof value.name === 'string' ? value.name : key;
    const workingDirectory = typeof value.workingDirectory === 'string' ? value.workingDirectory : `stacks/${name}`;
    const synthesizedStackPath = typeof value.synthesizedStackPath === 'string' ? value.synthesizedStackPath : `${workingDirectory}/cdk.tf.json`;
    stacks[name] = { name, dependencies: dependencies as string[], workingDirectory, synthesizedStackPath };
  }
  return { stacks };
}

export interface GraphNode {
  readonly name: string;
  readonly dependencies: readonly string[];
}

export class DependencyCycleError extends Error {
  override name = 'DependencyCycleError';
  constructor(readonly cycle: readonly string[]) {
    super(`the stacks depend on each other in a cycle: ${cycle.join(' → ')}; no order can apply them (check the addDependency calls in stacks/platform.ts)`);
  }
}

/**
 * The stacks in an order that puts every stack after the stacks it depends on (Kahn's algorithm;
 * among stacks that are ready at the same time, the alphabetical order, so the result is stable).
 * Dependencies on stacks outside `nodes` count as met: the caller chose to leave them out.
 * Throws DependencyCycleError naming the cycle.
 */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  const names = new Set(nodes.map((n) => n.name));
  const waitingOn = new Map(nodes.map((n) => [n.name, new Set(n.dependencies.filter((d) => names.has(d) && d !== n.name))]));
  for (const n of nodes) if (n.dependencies.includes(n.name)) throw new DependencyCycleError([n.name, n.name]);
  const order: string[] = [];
  const ready = [...waitingOn].filter(([, deps]) => deps.size === 0).map(([name]) => name);
  while (ready.length > 0) {
    ready.sort();
    const next = ready.shift()!;
    order.push(next);
    waitingOn.delete(next);
    for (const [name, deps] of waitingOn) if (deps.delete(next) && deps.size === 0) ready.push(name);
  }
  if (waitingOn.size > 0) throw new DependencyCycleError(findCycle(waitingOn));
  return order;
}

/** One cycle among stacks that are all still waiting (each waits on at least one other). */
function findCycle(waitingOn: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const start = [...waitingOn.keys()].sort()[0]!;
  const seen: string[] = [];
  let current = start;
  while (!seen.includes(current)) {
    seen.push(current);
    current = [...waitingOn.get(current)!].sort()[0]!;
  }
  return [...seen.slice(seen.indexOf(current)), current];
}

/** The order to destroy in: every stack before the stacks it depends on. */
export function destroyOrder(nodes: readonly GraphNode[]): string[] {
  return topologicalOrder(nodes).reverse();
}

/** Whether a stack belongs to one of the named environments, and to which. */
export function environmentOf(stack: string, environments: readonly string[]): string | undefined {
  return environments.find((env) => stack.endsWith(`-${env}`));
}

export interface SelectOptions {
  /** Add the shared stacks the environment's stacks depend on (directly or through others). */
  readonly withShared?: boolean;
  /** Only these stacks (each must be one of the environment's, or a shared one). */
  readonly only?: readonly string[];
}

export interface Selection {
  /** The stacks to work on, in dependency order. */
  readonly stacks: readonly ManifestStack[];
  /** Shared stacks the environment depends on that were left out (no --with-shared). */
  readonly sharedLeftOut: readonly string[];
}

/**
 * The stacks of `env` in dependency order (plus, with `withShared`, the shared stacks they need),
 * optionally narrowed to `only`. Throws ManifestError for a dependency the manifest does not list
 * or a stack in `only` that is not selectable; DependencyCycleError for a cycle.
 */
export function selectStacks(manifest: Manifest, env: string, environments: readonly string[], options: SelectOptions = {}): Selection {
  const all = manifest.stacks;
  for (const stack of Object.values(all))
    for (const dep of stack.dependencies)
      if (!all[dep]) throw new ManifestError(`stack "${stack.name}" depends on "${dep}", which the manifest does not list: synthesise again`);
  const own = Object.values(all).filter((s) => environmentOf(s.name, environments) === env);
  if (own.length === 0)
    throw new ManifestError(`the synthesised manifest has no stacks for "${env}" (stacks: ${Object.keys(all).join(', ') || 'none'}); was it synthesised with ENVIRONMENTS=${env}?`);

  // Shared stacks the environment's stacks need, directly or through other shared stacks.
  const shared = new Set<string>();
  const visit = (name: string) => {
    for (const dep of all[name]!.dependencies) {
      if (environmentOf(dep, environments) !== undefined || shared.has(dep)) continue;
      shared.add(dep);
      visit(dep);
    }
  };
  for (const s of own) visit(s.name);

  const candidates = new Set([...own.map((s) => s.name), ...shared]);
  let chosen = new Set([...own.map((s) => s.name), ...(options.withShared ? shared : [])]);
  if (options.only && options.only.length > 0) {
    const unknown = options.only.filter((name) => !candidates.has(name));
    if (unknown.length > 0)
      throw new UnknownStackError(`--stacks: ${unknown.map((u) => `"${u}"`).join(', ')} is not a stack of ${env} (choose from ${[...candidates].sort().join(', ')})`);
    chosen = new Set(options.only);
  }
  // Ordered over every candidate, then filtered: two chosen stacks keep their order even when the
  // stack that links them (e.g. cluster between network and app) is not chosen.
  const order = topologicalOrder([...candidates].map((name) => all[name]!));
  return {
    stacks: order.filter((name) => chosen.has(name)).map((name) => all[name]!),
    sharedLeftOut: options.withShared || options.only?.length ? [] : order.filter((name) => shared.has(name)),
  };
}

/** The absolute working directory of a stack. */
export const stackDir = (outdir: string, stack: ManifestStack) => path.join(outdir, stack.workingDirectory);
