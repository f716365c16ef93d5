import { describe, expect, it } from 'vitest';
import {
  DependencyCycleError,
  ManifestError,
  UnknownStackError,
  destroyOrder,
  environmentOf,
  parseManifest,
  selectStacks,
  topologicalOrder,
} from '../../../scripts/ops/manifest.js';

const ENVS = ['dev', 'staging', 'prod'];

/** cdktf.out/manifest.json of `ENVIRONMENTS=dev,prod` as cdktf 0.21 writes it (stacks sorted by name). */
const MANIFEST = JSON.stringify({
  version: '0.21.0',
  stacks: Object.fromEntries(
    (
      [
        ['app-dev', ['cluster-dev', 'registry']],
        ['app-prod', ['cluster-prod', 'registry']],
        ['ci-identity', ['state']],
        ['cluster-dev', ['network-dev', 'ci-identity']],
        ['cluster-prod', ['network-prod', 'ci-identity']],
        ['network-dev', ['state']],
        ['network-prod', ['state']],
        ['registry', ['state']],
        ['state', []],
      ] as const
    ).map(([name, dependencies]) => [
      name,
      {
        annotations: [],
        constructPath: name,
        dependencies,
        name,
        stackMetadataPath: `stacks/${name}/metadata.json`,
        synthesizedStackPath: `stacks/${name}/cdk.tf.json`,
        workingDirectory: `stacks/${name}`,
      },
    ]),
  ),
});

/** The same with a platform-<env> stack between cluster and app, as the stack graph is meant to grow. */
function withPlatform(text: string, env: string): string {
  const m = JSON.parse(text) as { stacks: Record<string, { dependencies: string[] }> };
  m.stacks[`platform-${env}`] = { ...m.stacks[`cluster-${env}`]!, dependencies: [`cluster-${env}`] };
  (m.stacks[`platform-${env}`] as unknown as Record<string, string>).name = `platform-${env}`;
  (m.stacks[`platform-${env}`] as unknown as Record<string, string>).workingDirectory = `stacks/platform-${env}`;
  (m.stacks[`platform-${env}`] as unknown as Record<string, string>).synthesizedStackPath = `stacks/platform-${env}/cdk.tf.json`;
  m.stacks[`app-${env}`]!.dependencies = [`platform-${env}`, 'registry'];
  return JSON.stringify(m);
}

const nodes = (text: string) => Object.values(parseManifest(text).stacks);

describe('parseManifest', () => {
  it('reads every stack with its dependencies and directories', () => {
    const m = parseManifest(MANIFEST);
    expect(Object.keys(m.stacks)).toHaveLength(9);
    expect(m.stacks['cluster-dev']).toEqual({
      name: 'cluster-dev',
      dependencies: ['network-dev', 'ci-identity'],
      workingDirectory: 'stacks/cluster-dev',
      synthesizedStackPath: 'stacks/cluster-dev/cdk.tf.json',
    });
  });

  it.each([
    ['not json', /is not JSON/],
    ['{}', /has no "stacks" object/],
    ['{"stacks": {"a": 1}}', /stack "a" is not an object/],
    ['{"stacks": {"a": {"dependencies": "b"}}}', /stack "a" has dependencies that are not a list/],
  ])('rejects %s', (text, message) => {
    expect(() => parseManifest(text)).toThrow(message);
  });
});

describe('topologicalOrder', () => {
  it('puts every stack after the stacks it depends on, stably (the alphabetically first ready stack next)', () => {
    const order = topologicalOrder(nodes(MANIFEST));
    expect(order).toEqual(['state', 'ci-identity', 'network-dev', 'cluster-dev', 'network-prod', 'cluster-prod', 'registry', 'app-dev', 'app-prod']);
    for (const n of nodes(MANIFEST)) for (const d of n.dependencies) expect(order.indexOf(d)).toBeLessThan(order.indexOf(n.name));
  });

  it('does not depend on the order of the input', () => {
    expect(topologicalOrder([...nodes(MANIFEST)].reverse())).toEqual(topologicalOrder(nodes(MANIFEST)));
  });

  it('places a new platform-<env> stack between cluster and app without being told about it', () => {
    const order = topologicalOrder(nodes(withPlatform(MANIFEST, 'dev')));
    expect(order.indexOf('cluster-dev')).toBeLessThan(order.indexOf('platform-dev'));
    expect(order.indexOf('platform-dev')).toBeLessThan(order.indexOf('app-dev'));
  });

  it('treats dependencies outside the given stacks as met', () => {
    expect(topologicalOrder([{ name: 'app-dev', dependencies: ['cluster-dev', 'registry'] }, { name: 'cluster-dev', dependencies: ['network-dev'] }])).toEqual(['cluster-dev', 'app-dev']);
  });

  it('throws naming the cycle', () => {
    const cyclic = [
      { name: 'a', dependencies: [] },
      { name: 'b', dependencies: ['a', 'd'] },
      { name: 'c', dependencies: ['b'] },
      { name: 'd', dependencies: ['c'] },
      { name: 'e', dependencies: ['d'] },
    ];
    expect(() => topologicalOrder(cyclic)).toThrow(DependencyCycleError);
    try {
      topologicalOrder(cyclic);
    } catch (err) {
      expect((err as DependencyCycleError).cycle).toEqual(['b', 'd', 'c', 'b']);
      expect((err as Error).message).toMatch(/in a cycle: b → d → c → b/);
    }
  });

  it('throws for a stack that depends on itself', () => {
    expect(() => topologicalOrder([{ name: 'a', dependencies: ['a'] }])).toThrow(/a → a/);
  });
});

describe('destroyOrder', () => {
  it('is the reverse: every stack before the stacks it depends on', () => {
    const env = selectStacks(parseManifest(withPlatform(MANIFEST, 'dev')), 'dev', ENVS).stacks;
    expect(destroyOrder(env)).toEqual(['app-dev', 'platform-dev', 'cluster-dev', 'network-dev']);
    expect(destroyOrder(nodes(MANIFEST))).toEqual([...topologicalOrder(nodes(MANIFEST))].reverse());
  });

  it('refuses a cycle too', () => {
    expect(() => destroyOrder([{ name: 'a', dependencies: ['b'] }, { name: 'b', dependencies: ['a'] }])).toThrow(DependencyCycleError);
  });
});

describe('selectStacks', () => {
  const manifest = parseManifest(MANIFEST);

  it("takes the environment's own stacks in dependency order, naming the shared ones left out", () => {
    const s = selectStacks(manifest, 'dev', ENVS);
    expect(s.stacks.map((x) => x.name)).toEqual(['network-dev', 'cluster-dev', 'app-dev']);
    expect(s.sharedLeftOut).toEqual(['state', 'ci-identity', 'registry']);
  });

  it('adds the shared stacks the environment needs with withShared', () => {
    const s = selectStacks(manifest, 'prod', ENVS, { withShared: true });
    expect(s.stacks.map((x) => x.name)).toEqual(['state', 'ci-identity', 'network-prod', 'cluster-prod', 'registry', 'app-prod']);
    expect(s.sharedLeftOut).toEqual([]);
  });

  it('narrows to --stacks, keeping the dependency order whatever order they were given in', () => {
    expect(selectStacks(manifest, 'dev', ENVS, { only: ['app-dev', 'network-dev'] }).stacks.map((x) => x.name)).toEqual(['network-dev', 'app-dev']);
    expect(selectStacks(manifest, 'dev', ENVS, { only: ['registry'] }).stacks.map((x) => x.name)).toEqual(['registry']);
  });

  it('rejects a --stacks name that is not a stack of the environment, listing the choices', () => {
    expect(() => selectStacks(manifest, 'dev', ENVS, { only: ['app-prod'] })).toThrow(UnknownStackError);
    expect(() => selectStacks(manifest, 'dev', ENVS, { only: ['app-prod'] })).toThrow(/"app-prod" is not a stack of dev \(choose from app-dev, ci-identity, cluster-dev, network-dev, registry, state\)/);
  });

  it('fails when the manifest has no stack for the environment, or a dependency it does not list', () => {
    expect(() => selectStacks(manifest, 'staging', ENVS)).toThrow(/no stacks for "staging".*ENVIRONMENTS=staging/);
    const broken = parseManifest(JSON.stringify({ stacks: { 'app-dev': { dependencies: ['cluster-dev'] } } }));
    expect(() => selectStacks(broken, 'dev', ENVS)).toThrow(ManifestError);
    expect(() => selectStacks(broken, 'dev', ENVS)).toThrow(/"app-dev" depends on "cluster-dev", which the manifest does not list/);
  });

  it('tells environments apart by the -<env> suffix', () => {
    expect(environmentOf('network-dev', ENVS)).toBe('dev');
    expect(environmentOf('platform-prod', ENVS)).toBe('prod');
    expect(environmentOf('ci-identity', ENVS)).toBeUndefined();
    expect(environmentOf('state', ENVS)).toBeUndefined();
  });
});
