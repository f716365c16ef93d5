import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ALB_TLS_POLICY, CHART_DIR, RELEASE_TIMEOUT_SECONDS } from '../../stacks/app-stack.js';
import { quantity } from '../../stacks/constructs/namespace-limits.js';
import { RULES } from '../../stacks/constructs/policy-aspect.js';
import { ALB_LOG_PREFIX, albLogBucketName } from '../../stacks/naming.js';
import { platformConfig } from '../../stacks/config/environments.js';
import type { EnvironmentName } from '../../stacks/config/types.js';
import { selectEnvironments, validatePlatformConfig } from '../../stacks/config/validate.js';
import { definePlatform } from '../../stacks/platform.js';
import { helmReleaseValues } from './support/hcl.js';
import { ENVIRONMENTS, configWith, envConfig, synthPlatform } from './support/platform.js';
import { overlaps, parseCidr } from '../../stacks/constructs/cidr.js';
import { type TfJson, at, deref, list, only, ref, resources } from './support/tfjson.js';

const platform = synthPlatform();

/** The release's values documents merged: the static settings, the ALB's attributes, then the ECR repository reference. */
function releaseValues(json: TfJson): Record<string, unknown> {
  const values = list(only(json, 'helm_release').attrs.values);
  expect(values).toHaveLength(3);
  return helmReleaseValues(values);
}

describe.each(ENVIRONMENTS as EnvironmentName[])('app-%s', (env) => {
  const json = platform.json(`app-${env}`);
  const cfg = envConfig(env).app;
  const release = only(json, 'helm_release');
  const clusterData = only(json, 'aws_eks_cluster', 'data');

  it('creates the namespace with Pod Security "restricted" enforced', () => {
    const ns = only(json, 'kubernetes_namespace_v1');
    expect(at(ns.attrs, 'metadata', 0, 'name')).toBe(cfg.namespace);
    expect(at(ns.attrs, 'metadata', 0, 'labels')).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(release.attrs.namespace).toBe(ref(ns, 'metadata[0].name'));
    // The AWS Load Balancer Controller's webhook adds target-health readiness gates only in labelled
    // namespaces; without them a rollout may stop old pods before the ALB sees the new ones healthy.
    expect(at(ns.attrs, 'metadata', 0, 'labels')).toMatchObject({ 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' });
  });

  it('installs the release atomically: wait, roll back and clean up on failure, bounded by a timeout', () => {
    expect(release.attrs).toMatchObject({ name: cfg.releaseName, atomic: true, wait: true, cleanup_on_fail: true, timeout: RELEASE_TIMEOUT_SECONDS });
    expect(RELEASE_TIMEOUT_SECONDS).toBeGreaterThan(0);
  });

  it('installs the chart shipped with the stack (a relative ./assets path)', () => {
    expect(release.attrs.chart).toMatch(/^\.\/assets\/[\w]+\/[0-9A-F]+$/);
    expect(release.attrs.repository).toBeUndefined();
  });

  it('passes the configured image tag and replicas, and the image repository from ECR', () => {
    const values = releaseValues(json);
    expect(at(values, 'image', 'tag')).toBe(cfg.imageTag);
    expect(at(values, 'replicaCount')).toBe(cfg.replicas);
    const repo = deref(json, at(values, 'image', 'repository'));
    expect(repo.address).toMatch(/^data\.aws_ecr_repository\./);
    expect(repo.attrs.name).toBe(platformConfig.shared.registry.repositoryName);
  });

  it('deploys by digest: the tag is resolved in ECR when the plan is made, and the image output carries the digest verify-image.sh checks', () => {
    const image = deref(json, at(releaseValues(json), 'image', 'digest'));
    expect(image.address).toMatch(/^data\.aws_ecr_image\./);
    expect(image.attrs).toMatchObject({ repository_name: platformConfig.shared.registry.repositoryName, image_tag: cfg.imageTag });
    expect(String((json.output as Record<string, { value: string }>).image?.value)).toMatch(/:\d[\w.-]*@\$\{data\.aws_ecr_image\.[\w-]+\.image_digest\}$/);
  });

  it("admits traffic to the pods only from the load balancer's subnets, not from the pods' own (VPC CNI gives pods VPC addresses)", () => {
    // The subnets as the network stack creates them: the internet-facing ALB lives in the public tier.
    const subnets = resources(platform.json(`network-${env}`), 'aws_subnet');
    const tier = (t: string) => subnets.filter((s) => (s.attrs.tags as Record<string, string>).tier === t).map((s) => s.attrs.cidr_block as string);
    expect(tier('public').length).toBeGreaterThan(0);
    const cidrs = at(releaseValues(json), 'networkPolicy', 'ingress', 'cidrs') as string[];
    expect([...cidrs].sort()).toEqual([...tier('public')].sort());
    for (const podSubnet of tier('private')) for (const cidr of cidrs) expect(overlaps(parseCidr(cidr), parseCidr(podSubnet)), `${cidr} admits pods in ${podSubnet}`).toBe(false);
  });

  it('authenticates helm and kubernetes with `aws eks get-token` against the cluster found by name', () => {
    expect(clusterData.attrs.name).toBe(`hono-api-${env}`);
    const host = ref(clusterData, 'endpoint');
    const ca = `\${base64decode(${clusterData.address}.certificate_authority[0].data)}`;
    const exec = {
      api_version: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: ['eks', 'get-token', '--cluster-name', `hono-api-${env}`, '--region', envConfig(env).region],
    };
    const kubernetes = list(json.provider?.kubernetes);
    expect(kubernetes).toHaveLength(1);
    expect(kubernetes[0]).toEqual({ host, cluster_ca_certificate: ca, exec: [exec] });
    const helm = list(json.provider?.helm);
    expect(helm).toHaveLength(1);
    expect(at(helm[0], 'kubernetes')).toEqual({ host, cluster_ca_certificate: ca, exec });
  });

  it('never reads another stack\'s state', () => {
    expect(json.data?.terraform_remote_state).toBeUndefined();
    expect(JSON.stringify(json)).not.toContain('terraform_remote_state');
  });
});

describe('the ALB is hardened from here (the controller creates it, so no scanner sees it)', () => {
  it.each(ENVIRONMENTS as EnvironmentName[])('app-%s: invalid headers dropped, access logs to the platform stack\'s bucket, a TLS 1.3 policy, deletion protection as configured', (env) => {
    const json = platform.json(`app-${env}`);
    const annotations = at(releaseValues(json), 'ingress', 'annotations') as Record<string, string>;
    expect(annotations['alb.ingress.kubernetes.io/ssl-policy']).toBe(ALB_TLS_POLICY);
    const attributes = Object.fromEntries(annotations['alb.ingress.kubernetes.io/load-balancer-attributes']!.split(',').map((kv) => kv.split('=') as [string, string]));
    expect(attributes).toEqual({
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.bucket': albLogBucketName('hono-api', env, '${data.aws_caller_identity.caller.account_id}'),
      'access_logs.s3.prefix': ALB_LOG_PREFIX,
      'deletion_protection.enabled': String(envConfig(env).platform.loadBalancerController.deletionProtection),
    });
    // The bucket the platform stack creates under that name.
    const buckets = resources(platform.json(`platform-${env}`), 'aws_s3_bucket').map((b) => String(b.attrs.bucket));
    expect(buckets).toEqual([expect.stringMatching(new RegExp(`^hono-api-${env}-alb-logs-\\$\\{data\\.aws_caller_identity\\.`))]);
  });

  it('prod keeps its ALB from deletion; dev and staging do not', () => {
    expect(['dev', 'staging', 'prod'].map((e) => envConfig(e as EnvironmentName).platform.loadBalancerController.deletionProtection)).toEqual([false, false, true]);
  });

  it('the synth policy passes the app release as built, and refuses one whose ALB lacks the hardening (the broken twin)', () => {
    const release = only(platform.json('app-dev'), 'helm_release');
    const view = (values: unknown[]) => ({ type: 'helm_release', id: 'release', path: 'app-dev/app/release', attrs: { values } });
    expect(RULES.helm_release!(view(list(release.attrs.values)), [], { environment: 'dev' })).toBeUndefined();
    expect(RULES.helm_release!(view([JSON.stringify({ ingress: { enabled: true } })]), [], { environment: 'dev' })).toMatch(
      /Helm release app-dev\/app\/release creates an ALB without invalid header fields dropped, access logs, a TLS policy/,
    );
    // No Ingress, no ALB: nothing to ask for.
    expect(RULES.helm_release!(view([JSON.stringify({ ingress: { enabled: false } })]), [], { environment: 'dev' })).toBeUndefined();
  });
});

describe('the app namespace has guard rails (a LimitRange and a ResourceQuota), created before the release', () => {
  it.each(ENVIRONMENTS as EnvironmentName[])('app-%s: defaults for containers without resources; a quota of every replica twice plus the test pod', (env) => {
    const json = platform.json(`app-${env}`);
    const cfg = envConfig(env).app;
    const release = only(json, 'helm_release');
    const range = only(json, 'kubernetes_limit_range_v1');
    const quota = only(json, 'kubernetes_resource_quota_v1');
    expect(list(release.attrs.depends_on)).toEqual(expect.arrayContaining([range.address, quota.address]));
    expect(at(range.attrs, 'spec', 'limit', 0, 'default_request')).toMatchObject({ 'ephemeral-storage': '64Mi' });
    const pods = 2 * cfg.replicas + 1;
    expect(at(quota.attrs, 'spec', 'hard')).toEqual({
      pods: String(pods),
      'requests.cpu': `${pods * quantity(cfg.resources.requests.cpu)}m`,
      'requests.memory': `${Math.ceil((pods * quantity(cfg.resources.requests.memory)) / 1024 ** 2)}Mi`,
      'limits.memory': `${Math.ceil((pods * quantity(cfg.resources.limits.memory)) / 1024 ** 2)}Mi`,
    });
  });

  it('reads the quantities Kubernetes writes, and refuses others', () => {
    expect([quantity('100m'), quantity('1'), quantity('96Mi'), quantity('1Gi')]).toEqual([100, 1000, 96 * 1024 ** 2, 1024 ** 3]);
    expect(() => quantity('1.5e3')).toThrow(/not a quantity/);
  });
});

describe('the app secret is checked when the plan is made', () => {
  it.each(ENVIRONMENTS as EnvironmentName[])('app-%s: the release has a precondition that <env>/<release> exists in Secrets Manager (RequiredSecret, judged by terraform in required-secret.test.ts)', (env) => {
    const release = only(platform.json(`app-${env}`), 'helm_release');
    const [pre] = list(at(release.attrs, 'lifecycle', 'precondition')) as { condition: string; error_message: string }[];
    expect(pre!.condition).toMatch(new RegExp(`^\\$\\{contains\\(data\\.aws_secretsmanager_secrets\\.[\\w-]+\\.names, "${env}/hono-api"\\)\\}$`));
    expect(pre!.error_message).toMatch(new RegExp(`no secret named ${env}/hono-api .* Fix: aws secretsmanager create-secret --region eu-west-1 --name ${env}/hono-api`));
  });
});

describe('app values follow the config', () => {
  it('uses a changed image tag and replica count', () => {
    const json = synthPlatform({
      environments: 'staging',
      config: configWith((c) => {
        c.environments.staging.app.imageTag = '1.4.2';
        c.environments.staging.app.replicas = 4;
      }),
    }).json('app-staging');
    const values = releaseValues(json);
    expect(at(values, 'image', 'tag')).toBe('1.4.2');
    expect(at(values, 'replicaCount')).toBe(4);
  });

  it('no stack of the platform reads remote state', () => {
    for (const id of platform.ids) expect(JSON.stringify(platform.json(id)), id).not.toContain('terraform_remote_state');
  });
});

describe('app stack: a real synth into a directory', () => {
  let outdir: string;
  let stackDir: string;
  let json: TfJson;

  beforeAll(() => {
    outdir = mkdtempSync(path.join(os.tmpdir(), 'hono-api-app-synth-'));
    const app = new App({ outdir, stackTraces: false });
    const config = validatePlatformConfig(platformConfig);
    definePlatform(app, { config, environments: selectEnvironments('dev', config), stateBackend: 's3' });
    app.synth();
    stackDir = path.join(outdir, 'stacks', 'app-dev');
    json = JSON.parse(readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as TfJson;
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('ships the chart next to the stack, where the release\'s chart path points', () => {
    const chart = String(only(json, 'helm_release').attrs.chart);
    const chartDir = path.resolve(stackDir, chart);
    expect(chartDir.startsWith(path.join(stackDir, 'assets') + path.sep)).toBe(true);
    expect(existsSync(path.join(chartDir, 'Chart.yaml'))).toBe(true);
    const shipped = parseYaml(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as { name: string; version: string };
    const source = parseYaml(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { name: string; version: string };
    expect(shipped).toMatchObject({ name: source.name, version: source.version });
    expect(readdirSync(path.join(chartDir, 'templates')).sort()).toEqual(readdirSync(path.join(CHART_DIR, 'templates')).sort());
  });

  it('writes a manifest whose stack dependencies match the stack graph', () => {
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies: string[] }> };
    expect(Object.keys(manifest.stacks).sort()).toEqual(['app-dev', 'ci-identity', 'cluster-dev', 'network-dev', 'platform-dev', 'registry', 'state']);
    expect(manifest.stacks['app-dev']?.dependencies.sort()).toEqual(['cluster-dev', 'platform-dev', 'registry']);
    expect(manifest.stacks['platform-dev']?.dependencies).toEqual(['cluster-dev']);
    expect(manifest.stacks['cluster-dev']?.dependencies.sort()).toEqual(['ci-identity', 'network-dev']);
    expect(manifest.stacks['network-dev']?.dependencies).toEqual(['state']);
    expect(manifest.stacks.state?.dependencies).toEqual([]);
  });
});
