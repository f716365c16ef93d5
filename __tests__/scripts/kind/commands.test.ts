import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, runCommand } from '../../../scripts/kind/commands.js';
import type { CommandName } from '../../../scripts/kind/commands.js';
import { REPO, failOn, fake } from './fakes.js';

const CONTEXT = 'kind-hono-api';

const DEPLOY = [
  `kind export kubeconfig --name hono-api --kubeconfig ${REPO}/.cache/kind/kubeconfig`,
  'node --import tsx main.ts',
  'terraform init -input=false -no-color',
  'terraform apply -auto-approve -input=false -no-color',
];

describe('check', () => {
  it('lists what it found and exits 0 when everything is there', async () => {
    const f = fake();
    expect(await runCommand('check', f.deps)).toBe(0);
    expect(f.out).toEqual([
      'ok   container engine: docker 27.3.1 (/usr/bin/docker)',
      'ok   kind: /usr/bin/kind',
      'ok   kubectl: /usr/bin/kubectl',
      'ok   helm: /usr/bin/helm',
      'ok   terraform: /usr/bin/terraform',
      'All prerequisites found.',
    ]);
    expect(f.actions()).toEqual([]);
  });

  it('names each missing tool with its hint and exits 1', async () => {
    const f = fake({ tools: ['docker'], dockerEngine: false });
    expect(await runCommand('check', f.deps)).toBe(1);
    const errors = f.err.join('\n');
    expect(errors).toMatch(/MISSING no container engine answers\. docker is installed/);
    expect(errors).toMatch(/MISSING kind is not installed.*kind\.sigs\.k8s\.io/);
    expect(errors).toMatch(/MISSING kubectl is not installed.*kubernetes\.io\/docs\/tasks\/tools/);
    expect(errors).toMatch(/MISSING helm is not installed.*helm\.sh/);
  });

  it('reports a missing Dockerfile', async () => {
    const f = fake({ files: ['kind/cluster.yaml'] });
    expect(await runCommand('check', f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/MISSING Dockerfile/);
  });
});

describe.each(COMMAND_NAMES.filter((name) => name !== 'check').map((name) => [name]))('%s fails fast', (name: CommandName) => {
  it('without kind, naming it, before doing anything', async () => {
    const f = fake({ tools: ['docker', 'kubectl', 'helm'] });
    expect(await runCommand(name, f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/kind is not installed.*install kind/);
    expect(f.actions()).toEqual([]);
  });

  it('with a docker client but no engine, naming the problem', async () => {
    const f = fake({ dockerEngine: false });
    expect(await runCommand(name, f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/docker is installed \(\/usr\/bin\/docker\) but its engine is not answering/);
    expect(f.actions()).toEqual([]);
  });

  it('without any container engine, with both install hints', async () => {
    const f = fake({ tools: ['kind', 'kubectl', 'helm'] });
    expect(await runCommand(name, f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/no container engine.*docs\.docker\.com.*podman\.io/);
    expect(f.actions()).toEqual([]);
  });
});

describe('up', () => {
  it('creates the cluster from kind/cluster.yaml when it does not exist', async () => {
    const f = fake({ clusterExists: false });
    expect(await runCommand('up', f.deps)).toBe(0);
    expect(f.actions()).toEqual(['kind create cluster --name hono-api --config kind/cluster.yaml --wait 120s']);
    expect(f.calls.at(-1)!.options.cwd).toBe('/repo');
  });

  it('does nothing when the cluster exists', async () => {
    const f = fake();
    expect(await runCommand('up', f.deps)).toBe(0);
    expect(f.actions()).toEqual([]);
    expect(f.out.join('\n')).toMatch(/already exists/);
  });

  it('fails with kind’s error when the create fails', async () => {
    const f = fake({ clusterExists: false, respond: [failOn('kind create', 'node image not found')] });
    expect(await runCommand('up', f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/creating the kind cluster failed \(kind exited with 1\): node image not found/);
  });

  it('tells kind to use Podman when Podman is the engine', async () => {
    const f = fake({ tools: ['podman', 'kind'], clusterExists: false });
    expect(await runCommand('up', f.deps)).toBe(0);
    for (const call of f.calls.filter((c) => c.line.startsWith('kind '))) expect(call.options.env).toEqual({ KIND_EXPERIMENTAL_PROVIDER: 'podman' });
  });
});

describe('image', () => {
  it('builds with docker and loads with kind load docker-image', async () => {
    const f = fake();
    expect(await runCommand('image', f.deps)).toBe(0);
    expect(f.actions()).toEqual(['docker build --tag hono-api:dev --file Dockerfile .', 'kind load docker-image hono-api:dev --name hono-api']);
  });

  it('builds with podman under the docker.io name, saves an archive, loads it with kind load image-archive and removes it', async () => {
    const f = fake({ tools: ['podman', 'kind'] });
    expect(await runCommand('image', f.deps)).toBe(0);
    expect(f.actions()).toEqual([
      'podman build --tag docker.io/library/hono-api:dev --file Dockerfile .',
      'podman save --output /tmp/hono-api-kind-test/hono-api-dev.tar docker.io/library/hono-api:dev',
      'kind load image-archive /tmp/hono-api-kind-test/hono-api-dev.tar --name hono-api',
    ]);
    expect(f.calls.at(-1)!.options.env).toEqual({ KIND_EXPERIMENTAL_PROVIDER: 'podman' });
    expect(f.removed).toEqual(['/tmp/hono-api-kind-test']);
  });

  it('removes the archive directory when loading fails', async () => {
    const f = fake({ tools: ['podman', 'kind'], respond: [failOn('kind load')] });
    expect(await runCommand('image', f.deps)).toBe(1);
    expect(f.removed).toEqual(['/tmp/hono-api-kind-test']);
  });

  it('does not load when the build fails', async () => {
    const f = fake({ respond: [failOn('docker build')] });
    expect(await runCommand('image', f.deps)).toBe(1);
    expect(f.actions()).toEqual(['docker build --tag hono-api:dev --file Dockerfile .']);
  });

  it('fails without a Dockerfile before building', async () => {
    const f = fake({ files: ['kind/cluster.yaml'] });
    expect(await runCommand('image', f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/Dockerfile not found/);
    expect(f.actions()).toEqual([]);
  });
});

describe('commands that need the cluster', () => {
  it.each<CommandName>(['image', 'deploy', 'test', 'forward'])('%s says to run up first when the cluster does not exist', async (name) => {
    const f = fake({ clusterExists: false });
    expect(await runCommand(name, f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/kind cluster "hono-api" does not exist\. Create it first: tsx scripts\/kind\.ts up/);
    expect(f.actions()).toEqual([]);
  });

  it('deploy synthesises app-local for the cluster context and applies it with terraform where the stack is', async () => {
    const f = fake();
    expect(await runCommand('deploy', f.deps)).toBe(0);
    expect(f.actions()).toEqual(DEPLOY);
    const [, synth, init, apply] = f.calls.filter((c) => !/info|get clusters/.test(c.line));
    expect(synth!.options.env).toMatchObject({
      ENVIRONMENTS: 'local',
      CDKTF_OUTDIR: `${REPO}/.cache/kind`,
      LOCAL_KUBECONFIG: `${REPO}/.cache/kind/kubeconfig`,
      LOCAL_KUBE_CONTEXT: CONTEXT,
      LOCAL_IMAGE_REPOSITORY: 'hono-api',
      IMAGE_TAG: 'dev',
    });
    for (const call of [init!, apply!]) expect(call.options.cwd).toBe(`${REPO}/.cache/kind/stacks/app-local`);
  });

  it('deploy stops at the first failing step and says which', async () => {
    const f = fake({ respond: [failOn('node --import tsx', 'LOCAL_KUBECONFIG = "x": no such file')] });
    expect(await runCommand('deploy', f.deps)).toBe(1);
    expect(f.actions()).toEqual(DEPLOY.slice(0, 2));
    expect(f.err.join('\n')).toMatch(/synthesising the app-local stack failed.*LOCAL_KUBECONFIG/);
  });

  it('deploy without terraform names it with how to install it, and runs nothing', async () => {
    const f = fake({ tools: ['docker', 'kind', 'kubectl', 'helm'] });
    expect(await runCommand('deploy', f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/terraform is not installed.*npm run tools/);
    expect(f.actions()).toEqual([]);
  });

  it('test runs helm test against the cluster context', async () => {
    const f = fake();
    expect(await runCommand('test', f.deps)).toBe(0);
    expect(f.actions()).toEqual([`helm test hono-api --namespace hono-api --timeout 2m --kube-context ${CONTEXT}`]);
  });

  it('forward prints the URL and port-forwards the Service on 127.0.0.1', async () => {
    const f = fake();
    expect(await runCommand('forward', f.deps)).toBe(0);
    expect(f.out.join('\n')).toMatch(/http:\/\/127\.0\.0\.1:8080\//);
    expect(f.actions()).toEqual([`kubectl --context ${CONTEXT} --namespace hono-api port-forward svc/hono-api 8080:80 --address 127.0.0.1`]);
  });

  it('forward uses the requested local port', async () => {
    const f = fake();
    expect(await runCommand('forward', f.deps, { port: 9090 })).toBe(0);
    expect(f.out.join('\n')).toMatch(/http:\/\/127\.0\.0\.1:9090\//);
    expect(f.actions()).toEqual([`kubectl --context ${CONTEXT} --namespace hono-api port-forward svc/hono-api 9090:80 --address 127.0.0.1`]);
  });

  it('down deletes the cluster', async () => {
    const f = fake();
    expect(await runCommand('down', f.deps)).toBe(0);
    expect(f.actions()).toEqual(['kind delete cluster --name hono-api']);
    expect(f.removed).toEqual([`${REPO}/.cache/kind`]);
  });
});

describe('all', () => {
  const FULL_RUN = [
    'kind create cluster --name hono-api --config kind/cluster.yaml --wait 120s',
    'docker build --tag hono-api:dev --file Dockerfile .',
    'kind load docker-image hono-api:dev --name hono-api',
    ...DEPLOY,
    `helm test hono-api --namespace hono-api --timeout 2m --kube-context ${CONTEXT}`,
  ];
  // `kind get clusters` answers "no cluster" until the create has run.
  const clusterAfterCreate = () => {
    let created = false;
    return (call: { line: string }) => {
      if (call.line.startsWith('kind create cluster')) created = true;
      return call.line === 'kind get clusters' ? { stdout: created ? 'hono-api\n' : '' } : undefined;
    };
  };

  it('runs check, up, image, deploy and test in order, then prints the forward command', async () => {
    const f = fake({ respond: [clusterAfterCreate()] });
    expect(await runCommand('all', f.deps)).toBe(0);
    expect(f.actions()).toEqual(FULL_RUN);
    expect(f.out.filter((line) => line.startsWith('==> '))).toEqual(['==> check', '==> up', '==> image', '==> deploy', '==> test']);
    expect(f.out.join('\n')).toMatch(/tsx scripts\/kind\.ts forward/);
    expect(f.out.join('\n')).toMatch(/kubectl --context kind-hono-api --namespace hono-api port-forward svc\/hono-api 8080:80/);
  });

  it('checks the engine once', async () => {
    const f = fake({ respond: [clusterAfterCreate()] });
    await runCommand('all', f.deps);
    expect(f.lines().filter((line) => line.startsWith('docker info'))).toHaveLength(1);
  });

  it.each([
    ['up', 'kind create', 1, 'image, deploy, test'],
    ['image', 'docker build', 2, 'deploy, test'],
    ['image', 'kind load', 3, 'deploy, test'],
    ['deploy', 'terraform apply', 7, 'test'],
  ])('stops at %s when `%s` fails', async (step, prefix, ran, notRun) => {
    const f = fake({ respond: [failOn(prefix), clusterAfterCreate()] });
    expect(await runCommand('all', f.deps)).toBe(1);
    expect(f.actions()).toEqual(FULL_RUN.slice(0, ran));
    expect(f.err.at(-1)).toBe(`Stopped at \`${step}\`. Not run: ${notRun}.`);
    expect(f.out.join('\n')).not.toMatch(/forward/);
  });

  it('stops at test when helm test fails, with nothing left to run', async () => {
    const f = fake({ respond: [failOn('helm test'), clusterAfterCreate()] });
    expect(await runCommand('all', f.deps)).toBe(1);
    expect(f.actions()).toEqual(FULL_RUN);
    expect(f.err.at(-1)).toBe('Stopped at `test`.');
  });

  it('stops at check on a machine without kind or a container engine, running nothing', async () => {
    const f = fake({ tools: ['docker', 'kubectl'], dockerEngine: false });
    expect(await runCommand('all', f.deps)).toBe(1);
    expect(f.actions()).toEqual([]);
    expect(f.err.join('\n')).toMatch(/engine is not answering/);
    expect(f.err.join('\n')).toMatch(/kind is not installed/);
    expect(f.err.at(-1)).toBe('Stopped at `check`. Not run: up, image, deploy, test.');
  });
});
