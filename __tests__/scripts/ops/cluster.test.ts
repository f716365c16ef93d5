import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../scripts/ops/cli.js';
import { type StatusReport, kubeTarget, parseDeployments, parseHelmStatus, parseOutputs } from '../../../scripts/ops/cluster.js';
import { configWith } from '../../stacks/support/platform.js';
import { OUTDIR, type Responder, fake, platformFixture, synthResponder, terraformResponder } from './fakes.js';

const ingress = (hostname?: string, host?: string, tls = false) =>
  JSON.stringify({
    items: [
      {
        metadata: { name: 'hono-api' },
        spec: { rules: [{ ...(host ? { host } : {}), http: {} }], ...(tls && host ? { tls: [{ hosts: [host] }] } : {}) },
        status: { loadBalancer: hostname ? { ingress: [{ hostname }] } : {} },
      },
    ],
  });
const NO_CONTEXT = 'error: context "hono-api-dev" does not exist\n';

function kube(options: { ingress?: string; kubectlFails?: string; helmFails?: string; ready?: number } = {}): Responder {
  return (call) => {
    const name = path.basename(call.command);
    if (name === 'kubectl' && call.args.includes('ingress')) return options.kubectlFails ? { exitCode: 1, stderr: options.kubectlFails } : { stdout: options.ingress ?? ingress() };
    if (name === 'kubectl' && call.args.includes('deploy'))
      return options.kubectlFails
        ? { exitCode: 1, stderr: options.kubectlFails }
        : { stdout: JSON.stringify({ items: [{ metadata: { name: 'hono-api' }, spec: { replicas: 2 }, status: { readyReplicas: options.ready ?? 2, updatedReplicas: 2, availableReplicas: options.ready ?? 2 } }] }) };
    if (name === 'helm' && call.args[0] === 'status')
      return options.helmFails
        ? { exitCode: 1, stderr: options.helmFails }
        : { stdout: JSON.stringify({ name: 'hono-api', namespace: 'hono-api', version: 7, info: { status: 'deployed', last_deployed: '2026-11-20T10:00:00Z', description: 'Upgrade complete' } }) };
    if (name === 'helm' || name === 'kubectl') return { stdout: 'v1.33.1\n' };
    return undefined;
  };
}

describe('kubeTarget', () => {
  it('names the cluster, context, namespace, release and service from the configuration', () => {
    expect(kubeTarget(fake().deps, 'dev')).toEqual({ env: 'dev', region: 'eu-west-1', cluster: 'hono-api-dev', context: 'hono-api-dev', namespace: 'hono-api', release: 'hono-api', service: 'hono-api' });
    const config = configWith((c) => {
      c.environments.prod.app.releaseName = 'api';
      c.environments.prod.app.host = 'api.example.com';
      c.environments.prod.region = 'us-east-1';
    });
    expect(kubeTarget(fake({ config }).deps, 'prod')).toMatchObject({ region: 'us-east-1', release: 'api', service: 'api-hono-api', host: 'api.example.com' });
  });
});

describe('kubeconfig', () => {
  it('prints the command with --print and runs nothing', async () => {
    const f = fake();
    expect(await main(['kubeconfig', 'staging', '--print'], f.deps)).toBe(0);
    expect(f.out).toEqual(['aws eks update-kubeconfig --region eu-west-1 --name hono-api-staging --alias hono-api-staging']);
    expect(f.calls).toEqual([]);
  });

  it('runs aws eks update-kubeconfig and says which context to use', async () => {
    const f = fake();
    expect(await main(['kubeconfig', 'dev'], f.deps)).toBe(0);
    expect(f.callsTo('aws').at(-1)).toBe('aws eks update-kubeconfig --region eu-west-1 --name hono-api-dev --alias hono-api-dev');
    expect(f.out.join('\n')).toMatch(/kubeconfig context "hono-api-dev" now points at the EKS cluster hono-api-dev \(eu-west-1\)/);
  });

  it('says to deploy first when the cluster does not exist', async () => {
    const f = fake({ respond: [(c) => (c.args[0] === 'eks' ? { exitCode: 254, stderr: 'An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: hono-api-dev.\n' } : undefined)] });
    expect(await main(['kubeconfig', 'dev'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/hint: the cluster hono-api-dev does not exist in eu-west-1: deploy it first \(npm run ops -- deploy dev\)/);
  });
});

describe('url', () => {
  it("prints the ingress load balancer's address", async () => {
    const f = fake({ respond: [kube({ ingress: ingress('k8s-honoapi-abc.eu-west-1.elb.amazonaws.com') })] });
    expect(await main(['url', 'dev'], f.deps)).toBe(0);
    expect(f.out).toEqual(['http://k8s-honoapi-abc.eu-west-1.elb.amazonaws.com/']);
    expect(f.callsTo('kubectl').at(-1)).toBe('kubectl --context hono-api-dev -n hono-api get ingress -l app.kubernetes.io/instance=hono-api -o json');
  });

  it("prints the ingress's host, over https when its TLS covers it", async () => {
    const f = fake({ respond: [kube({ ingress: ingress('k8s-honoapi-abc.eu-west-1.elb.amazonaws.com', 'api.dev.example.com', true) })] });
    expect(await main(['url', 'dev', '--json'], f.deps)).toBe(0);
    expect(JSON.parse(f.out.join('\n'))).toMatchObject({ source: 'ingress', url: 'https://api.dev.example.com/', loadBalancer: 'k8s-honoapi-abc.eu-west-1.elb.amazonaws.com' });
    const g = fake({ respond: [kube({ ingress: ingress(undefined, 'api.dev.example.com') })] });
    expect(await main(['url', 'dev'], g.deps)).toBe(0);
    expect(g.out[0]).toBe('http://api.dev.example.com/');
    expect(g.err.join('\n')).toMatch(/the load balancer has no address yet/);
  });

  it('prints the configured host when the ingress cannot be read', async () => {
    const config = configWith((c) => {
      c.environments.dev.app.host = 'api.dev.example.com';
    });
    const f = fake({ config, respond: [kube({ kubectlFails: NO_CONTEXT })] });
    expect(await main(['url', 'dev', '--json'], f.deps)).toBe(0);
    expect(JSON.parse(f.out.join('\n'))).toMatchObject({ source: 'configured-host', url: 'https://api.dev.example.com/' });
  });

  it('falls back to the port-forward command while the ingress has no address', async () => {
    const f = fake({ respond: [kube()] });
    expect(await main(['url', 'dev'], f.deps)).toBe(0);
    expect(f.out).toEqual(['Port-forward: kubectl --context hono-api-dev -n hono-api port-forward svc/hono-api 8080:80   (then http://127.0.0.1:8080/)']);
    expect(f.err.join('\n')).toMatch(/the ingress has no load balancer address yet/);
  });

  it('says to run kubeconfig when the context is missing', async () => {
    const f = fake({ respond: [kube({ kubectlFails: NO_CONTEXT })] });
    expect(await main(['url', 'dev', '--json'], f.deps)).toBe(0);
    const report = JSON.parse(f.out.join('\n')) as { source: string; note: string };
    expect(report.source).toBe('port-forward');
    expect(report.note).toMatch(/no kubeconfig context "hono-api-dev": run `npm run ops -- kubeconfig dev` first/);
  });

  it('needs kubectl', async () => {
    const f = fake({ tools: ['aws'] });
    expect(await main(['url', 'dev'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/- kubectl: kubectl is not on PATH\. Fix: install kubectl/);
  });
});

describe('status', () => {
  function setup(options: Parameters<typeof kube>[0] = {}, initialised = true) {
    const files: Record<string, string> = {};
    if (initialised) for (const s of ['network-dev', 'cluster-dev', 'app-dev']) files[`${OUTDIR}/stacks/${s}/.terraform/terraform.tfstate`] = '{}';
    return fake({
      files,
      respond: [
        synthResponder(({ env }) => platformFixture(env)),
        terraformResponder({ 'network-dev': { outputs: { vpc_id: 'vpc-123' } }, 'app-dev': { outputs: { release_name: 'hono-api', image: '1.dkr.ecr.eu-west-1.amazonaws.com/hono-api:0.1.0' } } }),
        kube(options),
      ],
    });
  }

  it('shows the stack outputs, the release revision and the ready replicas, and exits 0 when healthy', async () => {
    const f = setup();
    expect(await main(['status', 'dev'], f.deps)).toBe(0);
    const text = f.out.join('\n');
    expect(text).toMatch(/network-dev\.vpc_id = vpc-123/);
    expect(text).toMatch(/app-dev\.image = 1\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/hono-api:0\.1\.0/);
    expect(text).toMatch(/cluster-dev: \(no outputs: not applied yet\?\)/);
    expect(text).toMatch(/hono-api in hono-api: revision 7, deployed \(2026-11-20T10:00:00Z\)/);
    expect(text).toMatch(/hono-api\s+2\/2\s+2\s+2/);
    expect(text).toMatch(/Healthy/);
    expect(f.callsTo('helm').at(-1)).toBe('helm status hono-api -n hono-api --kube-context hono-api-dev -o json');
    expect(f.callsTo('terraform').filter((l) => l.includes(' init '))).toEqual([]);
  });

  it('initialises a stack directory that has not been yet', async () => {
    const f = setup({}, false);
    expect(await main(['status', 'dev'], f.deps)).toBe(0);
    expect(f.callsTo('terraform').filter((l) => l.endsWith('init -input=false -no-color'))).toHaveLength(3);
  });

  it('exits 1 while replicas are not ready, and prints JSON', async () => {
    const f = setup({ ready: 1 });
    expect(await main(['status', 'dev', '--json'], f.deps)).toBe(1);
    const report = JSON.parse(f.out.join('\n')) as StatusReport;
    expect(report.healthy).toBe(false);
    expect(report.deployments).toEqual({ ok: true, value: [{ name: 'hono-api', desired: 2, ready: 1, updated: 2, available: 1 }] });
    expect(report.release).toMatchObject({ ok: true, value: { revision: 7, status: 'deployed' } });
  });

  it('reports each part that cannot be read, with the fix', async () => {
    const f = setup({ kubectlFails: NO_CONTEXT, helmFails: 'Error: Kubernetes cluster unreachable: context "hono-api-dev" does not exist\n' });
    expect(await main(['status', 'dev'], f.deps)).toBe(1);
    const text = f.out.join('\n');
    expect(text).toMatch(/helm status failed: Error: Kubernetes cluster unreachable.*run `npm run ops -- kubeconfig dev` first/);
    expect(text).toMatch(/kubectl get deploy failed: error: context "hono-api-dev" does not exist/);
  });
});

describe('parsers', () => {
  it('masks sensitive outputs', () => {
    expect(parseOutputs(JSON.stringify({ a: { value: 'x', sensitive: false }, b: { value: 's3cret', sensitive: true } }))).toEqual({ a: 'x', b: '<sensitive>' });
  });

  it('reads helm status and deployments with missing fields', () => {
    expect(parseHelmStatus('{}', { name: 'r', namespace: 'n' })).toEqual({ name: 'r', namespace: 'n', revision: null, status: 'unknown', updated: null, description: null });
    expect(parseDeployments('{"items":[{"metadata":{"name":"d"},"spec":{"replicas":3},"status":{}}]}')).toEqual([{ name: 'd', desired: 3, ready: 0, updated: 0, available: 0 }]);
  });
});
