/**
 * The first image: `ops push-image` builds and pushes it, and `ops deploy` refuses to plan the app
 * stack (which resolves the tag in ECR) while the tag is missing, naming the command that fixes it.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../../scripts/ops/cli.js';
import { awsResponder, fake, platformFixture, synthResponder, terraformResponder } from './fakes.js';

const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

function setup(images: readonly string[] | { repository: 'missing' }, tools?: string[]) {
  return fake({
    ...(tools ? { tools } : {}),
    now: Date.parse('2026-12-07T10:00:00Z'),
    files: { '/repo/package.json': JSON.stringify({ version: '0.1.0' }) },
    respond: [
      synthResponder(({ env }) => platformFixture(env)),
      terraformResponder({}),
      awsResponder({ images }),
      // The engine answers its probes with its version; login, build and push succeed.
      (call) => (call.line.startsWith('docker ') && !['login', 'build', 'push'].includes(call.args[0]!) ? { stdout: '28.3.2\n' } : undefined),
    ],
  });
}

describe('ops push-image', () => {
  it('logs in with an ECR password on stdin, builds the Dockerfile with the version and commit, and pushes the tag', async () => {
    const f = setup([]);
    f.deps.repoRoot = '/repo';
    expect(await main(['push-image', '--tag', '0.1.0'], f.deps)).toBe(0);
    const engine = f.calls.filter((c) => c.line.startsWith('docker ') && ['login', 'build', 'push'].includes(c.args[0]!));
    expect(engine.map((c) => c.args[0])).toEqual(['login', 'build', 'push']);
    const login = engine.find((c) => c.args[0] === 'login')!;
    expect(login.args).toEqual(['login', '--username', 'AWS', '--password-stdin', REGISTRY]);
    expect(login.options.input).toBe('ecr-password');
    const build = engine.find((c) => c.args[0] === 'build')!;
    expect(build.args).toEqual(expect.arrayContaining(['--platform', 'linux/amd64', '--tag', `${REGISTRY}/hono-api:0.1.0`, '--build-arg', 'VERSION=0.1.0', '--build-arg', 'BUILD_TIME=2026-12-07T10:00:00Z', '--file', 'Dockerfile', '.']));
    expect(engine.at(-1)!.args).toEqual(['push', `${REGISTRY}/hono-api:0.1.0`]);
    expect(f.out.join('\n')).toContain(`Pushed ${REGISTRY}/hono-api:0.1.0. Next: \`npm run ops -- deploy <env> --image-tag 0.1.0\``);
  });

  it("defaults to package.json's version and leaves a tag already in ECR alone (tags are immutable)", async () => {
    const f = setup(['0.1.0']);
    f.deps.repoRoot = '/repo';
    expect(await main(['push-image'], f.deps)).toBe(0);
    expect(f.out.join('\n')).toContain('hono-api:0.1.0 is already in ECR');
    expect(f.calls.some((c) => c.args[0] === 'push')).toBe(false);
  });

  it('refuses without the registry stack, naming the command that creates it; refuses "latest" as a usage error', async () => {
    const f = setup({ repository: 'missing' });
    expect(await main(['push-image', '--tag', '0.1.0'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/the repository hono-api does not exist in eu-west-1: deploy the registry stack first/);
    expect(await main(['push-image', '--tag', 'latest'], setup([]).deps)).toBe(2);
  });

  it('needs docker or podman, with how to install one', async () => {
    const f = setup([], ['aws', 'terraform', 'git']);
    expect(await main(['push-image', '--tag', '0.1.0'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toMatch(/container-engine: .*\. Fix: /);
  });
});

describe('ops deploy before the first image', () => {
  it('refuses to plan the app stack while its tag is not in ECR, before any terraform runs, and says how to push it', async () => {
    const f = setup([]);
    expect(await main(['deploy', 'dev', '--yes'], f.deps)).toBe(1);
    expect(f.err.join('\n')).toContain('error: app-dev: the image hono-api:0.1.0 is not in ECR yet, and the app stack deploys it by digest; push it first: `npm run ops -- push-image --tag 0.1.0`');
    expect(f.calls.filter((c) => c.line.startsWith('terraform -chdir='))).toEqual([]);
  });

  it('goes ahead once the tag is there, and does not ask when the app stack is not in the run', async () => {
    expect(await main(['deploy', 'dev', '--yes'], setup(['0.1.0']).deps)).toBe(0);
    const network = setup([]);
    expect(await main(['deploy', 'dev', '--yes', '--stacks', 'network-dev'], network.deps)).toBe(0);
    expect(network.calls.some((c) => c.line.startsWith('aws ecr'))).toBe(false);
  });
});
