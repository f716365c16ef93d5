/** The committed kind files, and the app-local stack `deploy` applies, agree with scripts/kind/config.ts. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../scripts/lib/helm.js';
import { compareVersions } from '../../../scripts/lib/terraform.js';
import { FLOORS } from '../../../scripts/ops/doctor.js';
import { CLUSTER_CONFIG, CLUSTER_NAME, IMAGE, IMAGE_REPOSITORY, IMAGE_TAG, KUBE_CONTEXT, NAMESPACE, RELEASE } from '../../../scripts/kind/config.js';
import { platformConfig, withImageTag } from '../../../stacks/config/environments.js';
import { LocalAppStack } from '../../../stacks/local-app-stack.js';
import { helmReleaseValues } from '../../stacks/support/hcl.js';
import { synthStack, testingApp } from '../../stacks/support/platform.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

describe('kind/cluster.yaml', () => {
  const text = read(CLUSTER_CONFIG);
  const config = parse(text) as { kind: string; apiVersion: string; name: string; nodes: { role: string; image?: string }[] };

  it('is a kind cluster config named like the workflow expects', () => {
    expect(config.kind).toBe('Cluster');
    expect(config.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(config.name).toBe(CLUSTER_NAME);
  });

  it('has one control plane and two workers', () => {
    expect(config.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  });

  const prodMinor = platformConfig.environments.prod.cluster.version;
  const image = () => {
    const images = new Set(config.nodes.map((n) => n.image));
    expect(images.size).toBe(1);
    return [...images][0]!;
  };

  it("pins every node to one kindest/node image by digest, of production's Kubernetes minor, noted in a comment", () => {
    expect(image()).toMatch(new RegExp(`^kindest/node:v${prodMinor.replace('.', '\\.')}\\.[0-9]+@sha256:[a-f0-9]{64}$`));
    const version = /v\d+\.\d+\.\d+/.exec(image())![0];
    expect(text).toMatch(new RegExp(`^#.*Kubernetes ${version.replace(/\./g, '\\.')}`, 'm'));
  });

  it('is created with the kind release its node image was built for, which enforces NetworkPolicy (>= the doctor floor)', () => {
    const built = /published with kind (v\d+\.\d+\.\d+)/.exec(text)?.[1];
    const workflow = read('.github/workflows/chart.yml');
    const used = /^\s*version: (v\d+\.\d+\.\d+)/m.exec(workflow)?.[1];
    expect(used).toBe(built);
    expect(compareVersions(used!.slice(1), FLOORS.kind)).toBeGreaterThanOrEqual(0);
  });

  it('mounts the Pod Security admission configuration into the API server, which enforces restricted by default', () => {
    const control = config.nodes.find((n) => n.role === 'control-plane') as { extraMounts?: { hostPath: string; containerPath: string }[]; kubeadmConfigPatches?: string[] };
    const mount = control.extraMounts?.find((m) => m.hostPath === 'kind/pod-security.yaml');
    expect(mount).toBeDefined();
    const patch = parse(control.kubeadmConfigPatches![0]!) as { apiServer: { extraArgs: Record<string, string>; extraVolumes: { hostPath: string; mountPath: string }[] } };
    const file = patch.apiServer.extraArgs['admission-control-config-file']!;
    expect(file).toBe(mount!.containerPath);
    expect(patch.apiServer.extraVolumes.some((v) => file.startsWith(`${v.hostPath}/`) && v.mountPath === v.hostPath)).toBe(true);
    const admission = parse(read('kind/pod-security.yaml')) as { plugins: { name: string; configuration: { defaults: Record<string, string> } }[] };
    expect(admission.plugins.find((p) => p.name === 'PodSecurity')?.configuration.defaults).toMatchObject({ enforce: 'restricted' });
  });
});

describe('the app-local stack `deploy` applies to kind', () => {
  const env = withImageTag(platformConfig, IMAGE_TAG).environments.dev;
  const stack = new LocalAppStack(testingApp(), 'app-local', { env, target: { kubeconfig: '/kubeconfig', context: KUBE_CONTEXT, imageRepository: IMAGE_REPOSITORY } });
  const json = synthStack(stack) as { resource: { helm_release: Record<string, { name: string; namespace: string; values: string[] }>; kubernetes_namespace_v1: Record<string, { metadata: { name: string } }> }; provider: { helm: { kubernetes: { config_context?: string } }[] } };
  const [release] = Object.values(json.resource.helm_release);
  const values = helmReleaseValues(release!.values) as { image: { repository: string; tag: string; pullPolicy?: string } };
  const chartDefaults = parse(read('helm/hono-api/values.yaml')) as { image: { pullPolicy: string } };

  it('deploys the image `image` builds and loads, which the nodes then never pull', () => {
    expect(`${values.image.repository}:${values.image.tag}`).toBe(IMAGE);
    expect(values.image.pullPolicy ?? chartDefaults.image.pullPolicy).toMatch(/^(IfNotPresent|Never)$/);
  });

  it('is the release `test` and `forward` address, in the kind context', () => {
    expect(release!.name).toBe(RELEASE);
    // The release's namespace is the one the stack creates (a reference to it).
    const namespaces = Object.values(json.resource.kubernetes_namespace_v1).map((n) => n.metadata.name);
    expect(namespaces).toEqual([NAMESPACE]);
    expect(release!.namespace).toMatch(/^\$\{kubernetes_namespace_v1\./);
    expect(json.provider.helm[0]!.kubernetes.config_context).toBe(KUBE_CONTEXT);
  });
});
