/**
 * main.ts as `cdktf synth` runs it (`node --import tsx main.ts`, see cdktf.json), in a child process
 * with its output directory (CDKTF_OUTDIR) under a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/platform.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hono-api-main-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function runMain(env: Record<string, string>, name: string) {
  const outdir = path.join(tmp, name);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir, ...env };
  for (const key of ['ENVIRONMENTS', 'STATE_BACKEND', 'CDKTF_CONTEXT_JSON', 'NODE_EXTRA_CA_CERTS', 'LOCAL_NODE_POOL', 'LOCAL_NAMESPACE'] as const) if (!(key in env)) delete childEnv[key];
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: REPO_ROOT, env: childEnv, encoding: 'utf8', timeout: 60_000 });
  return { ...result, outdir };
}

const stacksIn = (outdir: string) => (existsSync(path.join(outdir, 'stacks')) ? readdirSync(path.join(outdir, 'stacks')).sort() : []);

describe('main.ts', () => {
  it('ENVIRONMENTS=qa: exits 1, lists the known environments, writes no stacks', () => {
    const run = runMain({ ENVIRONMENTS: 'qa' }, 'qa');
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain('invalid platform configuration');
    expect(run.stderr).toContain('environments = "qa": unknown environment "qa" (fix: choose from dev, staging, prod or "all")');
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(stacksIn(run.outdir)).toEqual([]);
  });

  it('STATE_BACKEND=bogus: exits 1 and says what the allowed values are', () => {
    const run = runMain({ STATE_BACKEND: 'bogus' }, 'bogus');
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain('STATE_BACKEND = "bogus": expected "s3" or "local"');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(stacksIn(run.outdir)).toEqual([]);
  });

  it('ENVIRONMENTS=dev STATE_BACKEND=local: synthesizes the dev and shared stacks, the state stack with a local backend', () => {
    const run = runMain({ ENVIRONMENTS: 'dev', STATE_BACKEND: 'local' }, 'dev');
    expect(run.status, run.stderr).toBe(0);
    expect(stacksIn(run.outdir)).toEqual(['app-dev', 'ci-identity', 'cluster-dev', 'network-dev', 'platform-dev', 'registry', 'state']);
    const backend = (id: string) =>
      Object.keys((JSON.parse(readFileSync(path.join(run.outdir, 'stacks', id, 'cdk.tf.json'), 'utf8')) as { terraform: { backend: object } }).terraform.backend);
    expect(backend('state')).toEqual(['local']);
    expect(backend('network-dev')).toEqual(['s3']);
  });
  describe('ENVIRONMENTS=local (app-local)', () => {
    const kubeconfig = path.join(tmp, 'kubeconfig');
    const local = (env: Record<string, string>, name: string) => {
      writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');
      return runMain({ ENVIRONMENTS: 'local', LOCAL_KUBECONFIG: kubeconfig, ...env }, name);
    };
    const release = (outdir: string) => {
      const json = JSON.parse(readFileSync(path.join(outdir, 'stacks', 'app-local', 'cdk.tf.json'), 'utf8')) as {
        resource: { helm_release: Record<string, { values: string[] }>; kubernetes_namespace_v1: Record<string, { metadata: { name: string } }> };
      };
      const r = Object.values(json.resource.helm_release)[0]!;
      const namespace = Object.values(json.resource.kubernetes_namespace_v1)[0]!.metadata.name;
      return { namespace, values: Object.assign({}, ...r.values.map((v) => JSON.parse(v) as object)) as Record<string, unknown> };
    };

    it('LOCAL_NODE_POOL and LOCAL_NAMESPACE: the pods select the pool\'s label and tolerate its taint, in that namespace', () => {
      const run = local({ LOCAL_NODE_POOL: 'hono-api.dev/real-node=true', LOCAL_NAMESPACE: 'preview-1' }, 'local-pool');
      expect(run.status, run.stderr).toBe(0);
      const r = release(run.outdir);
      expect(r.namespace).toBe('preview-1');
      expect(r.values.nodeSelector).toEqual({ 'hono-api.dev/real-node': 'true' });
      expect(r.values.tolerations).toEqual([{ key: 'hono-api.dev/real-node', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    });

    it('without them: no placement, the environment\'s namespace', () => {
      const run = local({}, 'local-plain');
      expect(run.status, run.stderr).toBe(0);
      const r = release(run.outdir);
      expect(r.namespace).toBe('hono-api');
      expect(r.values).not.toHaveProperty('nodeSelector');
      expect(r.values).not.toHaveProperty('tolerations');
    });

    it('a malformed LOCAL_NODE_POOL or LOCAL_NAMESPACE: exits 1 naming each, with the fix, and writes no stack', () => {
      const run = local({ LOCAL_NODE_POOL: 'real-node', LOCAL_NAMESPACE: 'Preview_1' }, 'local-bad');
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain('LOCAL_NODE_POOL = "real-node": expected a node label as key=value (fix:');
      expect(run.stderr).toContain('LOCAL_NAMESPACE = "Preview_1": not a Kubernetes namespace name (fix:');
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(stacksIn(run.outdir)).toEqual([]);
    });
  });
});
