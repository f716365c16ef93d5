import { TerraformResource, type TerraformStack } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { platformConfig } from '../../stacks/config/environments.js';
import { ConfigValidationError, selectEnvironments } from '../../stacks/config/validate.js';
import { ENVIRONMENTS, PER_ENV_KINDS, SHARED_STACKS, buildPlatform, configWith, synthPlatform } from './support/platform.js';
import { allDataSources, allResources, at, list, tagsOf } from './support/tfjson.js';

const ALL_IDS = [...SHARED_STACKS, ...ENVIRONMENTS.flatMap((env) => PER_ENV_KINDS.map((kind) => `${kind}-${env}`))];
const platform = synthPlatform();

const depsOf = (stack: TerraformStack) => stack.dependencies.map((d) => d.node.id).sort();

/** Every stack a stack waits for, directly or not. */
function transitiveDeps(stacks: ReadonlyMap<string, TerraformStack>, id: string, seen = new Set<string>()): Set<string> {
  for (const dep of stacks.get(id)?.dependencies ?? []) {
    if (!seen.has(dep.node.id)) {
      seen.add(dep.node.id);
      transitiveDeps(stacks, dep.node.id, seen);
    }
  }
  return seen;
}

describe('stack ids and environment selection', () => {
  it('builds the shared stacks once and network, cluster, platform and app per environment', () => {
    expect([...platform.stacks.keys()].sort()).toEqual([...ALL_IDS].sort());
  });

  it.each([undefined, '', 'all', ' all ', 'dev,staging,prod'])('selection %j gives every environment', (selection) => {
    expect(selectEnvironments(selection, platformConfig).map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
    expect([...buildPlatform({ environments: selection }).stacks.keys()].sort()).toEqual([...ALL_IDS].sort());
  });

  it('"dev" gives only the dev stacks plus the shared ones', () => {
    expect([...buildPlatform({ environments: 'dev' }).stacks.keys()].sort()).toEqual(['app-dev', 'ci-identity', 'cluster-dev', 'network-dev', 'platform-dev', 'registry', 'state']);
  });

  it('"dev, prod" (with spaces) gives those two environments', () => {
    expect(selectEnvironments('dev, prod', platformConfig).map((e) => e.name)).toEqual(['dev', 'prod']);
  });

  it('an unknown environment is a ConfigValidationError that lists the known names', () => {
    expect(() => selectEnvironments('qa', platformConfig)).toThrow(ConfigValidationError);
    expect(() => selectEnvironments('qa', platformConfig)).toThrow(/unknown environment "qa".*dev, staging, prod/);
    expect(() => selectEnvironments('dev,qa,uat', platformConfig)).toThrow(/environments = "dev,qa,uat": unknown environment "qa", "uat"/);
  });

  it('the CI roles trust every configured environment, whichever are selected', () => {
    const devOnly = synthPlatform({ environments: 'dev' }).json('ci-identity');
    expect(JSON.stringify(devOnly)).toContain(':environment:prod');
  });
});

describe('stack graph', () => {
  const { stacks } = platform;
  const get = (id: string) => stacks.get(id)!;

  it('state comes first and depends on nothing', () => {
    expect(depsOf(get('state'))).toEqual([]);
    for (const id of ALL_IDS.filter((i) => i !== 'state')) expect(transitiveDeps(stacks, id).has('state'), id).toBe(true);
  });

  it('registry and ci-identity follow state', () => {
    expect(depsOf(get('registry'))).toEqual(['state']);
    expect(depsOf(get('ci-identity'))).toEqual(['state']);
  });

  it.each(ENVIRONMENTS)('%s: network → cluster → platform → app, ci-identity before the cluster, registry before the app', (env) => {
    expect(depsOf(get(`network-${env}`))).toEqual(['state']);
    expect(depsOf(get(`cluster-${env}`))).toEqual(['ci-identity', `network-${env}`].sort());
    expect(depsOf(get(`platform-${env}`))).toEqual([`cluster-${env}`]);
    // The app deploys into the cluster and needs the platform's controllers, store and CRDs.
    expect(depsOf(get(`app-${env}`))).toEqual([`cluster-${env}`, `platform-${env}`, 'registry'].sort());
    const appDeps = transitiveDeps(stacks, `app-${env}`);
    for (const id of ['state', 'registry', 'ci-identity', `network-${env}`, `cluster-${env}`, `platform-${env}`]) expect(appDeps.has(id), id).toBe(true);
    expect(transitiveDeps(stacks, `platform-${env}`).has(`app-${env}`)).toBe(false);
  });

  it('environments never wait for each other', () => {
    for (const env of ENVIRONMENTS)
      for (const id of transitiveDeps(stacks, `app-${env}`)) expect(id.endsWith(`-${env}`) || (SHARED_STACKS as readonly string[]).includes(id), `app-${env} → ${id}`).toBe(true);
  });

  it('has a deploy order (no cycles) that starts with state', () => {
    const order: string[] = [];
    const pending = new Set(ALL_IDS);
    while (pending.size > 0) {
      const ready = [...pending].filter((id) => depsOf(get(id)).every((d) => order.includes(d)));
      expect(ready.length, `stuck with ${[...pending].join(', ')}`).toBeGreaterThan(0);
      for (const id of ready) {
        order.push(id);
        pending.delete(id);
      }
    }
    expect(order[0]).toBe('state');
  });
});

describe('backends', () => {
  it('every stack keeps its state in the S3 bucket under hono-api/<stack id>.tfstate, encrypted, with S3-native locking', () => {
    const keys = platform.ids.map((id) => {
      const backend = platform.json(id).terraform?.backend;
      expect(Object.keys(backend ?? {}), id).toEqual(['s3']);
      expect(backend?.s3, id).toMatchObject({
        bucket: platformConfig.state.bucketName,
        region: platformConfig.state.region,
        key: `hono-api/${id}.tfstate`,
        encrypt: true,
        use_lockfile: true,
      });
      return backend?.s3?.key;
    });
    expect(new Set(keys).size).toBe(platform.ids.length);
  });
});

describe('providers', () => {
  it('pins the AWS provider to 5.100.0 in every stack', () => {
    for (const id of platform.ids) expect(platform.json(id).terraform?.required_providers?.aws, id).toEqual({ source: 'aws', version: '5.100.0' });
  });

  it('configures the region per stack and no allowed accounts by default', () => {
    for (const id of platform.ids) {
      const aws = list(platform.json(id).provider?.aws);
      expect(aws, id).toHaveLength(1);
      expect(at(aws[0], 'region')).toBe(platformConfig.shared.region);
      expect(at(aws[0], 'allowed_account_ids')).toBeUndefined();
    }
  });

  it('pins shared stacks to shared.allowedAccountIds and environment stacks to their own', () => {
    // Environments may narrow the shared accounts, never leave them (validation: one account model).
    const pinned = synthPlatform({
      config: configWith((c) => {
        c.shared.allowedAccountIds = ['111111111111', '222222222222'];
        c.environments.dev.allowedAccountIds = ['222222222222'];
        c.environments.prod.allowedAccountIds = ['111111111111'];
      }),
    });
    const allowed = (id: string) => at(list(pinned.json(id).provider?.aws)[0], 'allowed_account_ids');
    for (const id of SHARED_STACKS.filter((s) => s !== 'state')) expect(allowed(id), id).toEqual(['111111111111', '222222222222']);
    for (const kind of PER_ENV_KINDS) {
      expect(allowed(`${kind}-dev`)).toEqual(['222222222222']);
      expect(allowed(`${kind}-prod`)).toEqual(['111111111111']);
      expect(allowed(`${kind}-staging`)).toBeUndefined();
    }
    // The state stack follows the shared accounts too: it is the account's bucket.
    expect(allowed('state')).toEqual(['111111111111', '222222222222']);
  });
});

describe('tags', () => {
  const STANDARD = ['project', 'environment', 'managed-by', 'repository'];

  it.each(ALL_IDS)('%s: every resource with tags carries project, environment, managed-by and repository', (id) => {
    const environment = ENVIRONMENTS.find((env) => id.endsWith(`-${env}`)) ?? 'shared';
    const resources = allResources(platform.json(id));
    const tagged = resources.filter((r) => r.attrs.tags !== undefined);
    // The app stacks hold only Kubernetes objects (namespace, Helm release), which have no tags;
    // the platform stacks' IAM roles, Pod Identity associations and certificates have them.
    if (resources.some((r) => r.type.startsWith('aws_'))) expect(tagged.length).toBeGreaterThan(0);
    for (const r of tagged) {
      expect(tagsOf(r), r.address).toMatchObject({
        project: 'hono-api',
        environment,
        'managed-by': 'cdktf',
        repository: platformConfig.shared.github.repository,
      });
    }
  });

  it.each(ALL_IDS)('%s: no taggable resource is left without tags', (id) => {
    const stack = platform.stacks.get(id)!;
    const json = platform.json(id);
    const taggable = stack.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource && 'tagsInput' in c);
    for (const res of taggable) {
      const attrs = json.resource?.[res.terraformResourceType]?.[res.friendlyUniqueId];
      expect(attrs, res.node.path).toBeDefined();
      expect(Object.keys((attrs?.tags as Record<string, string> | undefined) ?? {}), res.node.path).toEqual(expect.arrayContaining(STANDARD));
    }
  });

  it('keeps the Name tags the constructs set', () => {
    const network = allResources(platform.json('network-prod'));
    const names = network.filter((r) => tagsOf(r)?.Name).map((r) => `${r.type}=${tagsOf(r)?.Name}`);
    expect(names).toEqual(expect.arrayContaining(['aws_vpc=hono-api-prod', 'aws_subnet=hono-api-prod-private-0', 'aws_nat_gateway=hono-api-prod-2', 'aws_internet_gateway=hono-api-prod']));
    const cluster = allResources(platform.json('cluster-prod'));
    expect(cluster.filter((r) => r.type === 'aws_security_group').map((r) => tagsOf(r)?.Name).sort()).toEqual(['hono-api-prod-cluster', 'hono-api-prod-node']);
  });

  it('adds an environment\'s extra tags, but never lets them override the standard ones', () => {
    const json = synthPlatform({
      environments: 'dev',
      config: configWith((c) => (c.environments.dev.tags = { 'cost-center': 'cc-42', project: 'not-this' })),
    }).json('network-dev');
    for (const r of allResources(json).filter((x) => x.attrs.tags !== undefined)) {
      expect(tagsOf(r), r.address).toMatchObject({ 'cost-center': 'cc-42', project: 'hono-api', environment: 'dev' });
    }
  });

  it.each(ALL_IDS)('%s: data sources are lookups, not tagged (tags on aws_vpc/aws_subnets would become filters)', (id) => {
    for (const d of allDataSources(platform.json(id))) expect(d.attrs.tags, d.address).toBeUndefined();
  });
});
