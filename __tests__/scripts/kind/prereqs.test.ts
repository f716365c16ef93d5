import { describe, expect, it } from 'vitest';
import { pinnedHelmPath } from '../../../scripts/lib/helm.js';
import { checkPrerequisites, detectEngine } from '../../../scripts/kind/prereqs.js';
import { INSTALL_HINTS, findTerraformWith } from '../../../scripts/lib/tools.js';
import { fake } from './fakes.js';

describe('detectEngine', () => {
  it('uses Docker when `docker info` answers', async () => {
    const f = fake();
    expect((await detectEngine(f.deps)).engine).toEqual({ name: 'docker', path: '/usr/bin/docker', version: '27.3.1' });
    expect(f.lines()).toEqual(['docker info --format {{.ServerVersion}}']);
    expect(f.calls[0]!.options).toMatchObject({ capture: true, timeoutMs: expect.any(Number) });
  });

  it('prefers Docker when both engines answer', async () => {
    const f = fake({ tools: ['docker', 'podman'] });
    expect((await detectEngine(f.deps)).engine?.name).toBe('docker');
    expect(f.lines()).not.toContain('podman info --format {{.Version.Version}}');
  });

  it('accepts Podman as the alternative', async () => {
    const f = fake({ tools: ['podman'] });
    expect(await detectEngine(f.deps)).toEqual({ engine: { name: 'podman', path: '/usr/bin/podman', version: '5.2.3' }, problems: [], notes: [] });
  });

  it('detects a docker client without an engine, and says how to start one', async () => {
    const { engine, problems } = await detectEngine(fake({ tools: ['docker'], dockerEngine: false }).deps);
    expect(engine).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/docker is installed \(\/usr\/bin\/docker\) but its engine is not answering/);
    expect(problems[0]).toMatch(/Cannot connect to the Docker daemon/);
    expect(problems[0]).toMatch(/Docker Desktop|systemctl start docker/);
  });

  it('falls back to Podman when the docker client has no engine, noting the docker problem', async () => {
    const { engine, problems, notes } = await detectEngine(fake({ tools: ['docker', 'podman'], dockerEngine: false }).deps);
    expect(engine?.name).toBe('podman');
    expect(problems).toEqual([]);
    expect(notes.join('\n')).toMatch(/docker is installed .* not answering/);
  });

  it('treats an empty `docker info` answer as no engine', async () => {
    const f = fake({ tools: ['docker'], respond: [(call) => (call.line.startsWith('docker info') ? { stdout: '' } : undefined)] });
    expect((await detectEngine(f.deps)).engine).toBeUndefined();
  });

  it('reports both failures when neither engine answers', async () => {
    const { engine, problems } = await detectEngine(fake({ tools: ['docker', 'podman'], dockerEngine: false, podmanEngine: false }).deps);
    expect(engine).toBeUndefined();
    expect(problems.join('\n')).toMatch(/docker is installed/);
    expect(problems.join('\n')).toMatch(/podman is installed .*`podman machine start`/);
  });

  it('names both engines with install hints when neither is installed', async () => {
    const { problems } = await detectEngine(fake({ tools: [] }).deps);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/no container engine/);
    expect(problems[0]).toContain(INSTALL_HINTS.docker);
    expect(problems[0]).toContain(INSTALL_HINTS.podman);
  });
});

describe('checkPrerequisites', () => {
  it('finds everything on a complete machine', async () => {
    const report = await checkPrerequisites(fake().deps);
    expect(report).toEqual({
      ok: true,
      tools: { engine: { name: 'docker', path: '/usr/bin/docker', version: '27.3.1' }, kind: '/usr/bin/kind', kubectl: '/usr/bin/kubectl', helm: '/usr/bin/helm', terraform: { binary: '/usr/bin/terraform', env: {} } },
      problems: [],
      notes: [],
    });
  });

  it.each([
    ['kind', /kind is not installed/, INSTALL_HINTS.kind],
    ['kubectl', /kubectl is not installed/, INSTALL_HINTS.kubectl],
    ['helm', /helm is not installed/, INSTALL_HINTS.helm],
    ['terraform', /terraform is not installed/, INSTALL_HINTS.terraform],
  ])('names a missing %s with its install hint', async (tool, message, hint) => {
    const report = await checkPrerequisites(fake({ tools: ['docker', 'kind', 'kubectl', 'helm', 'terraform'].filter((t) => t !== tool) }).deps);
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(message);
    expect(report.problems[0]).toContain(hint);
  });

  it('reports every missing tool at once', async () => {
    const report = await checkPrerequisites(fake({ tools: ['docker'], dockerEngine: false }).deps);
    expect(report.problems.map((p) => p.split(' ')[0])).toEqual(['no', 'kind', 'kubectl', 'helm', 'terraform']);
  });

  it('prefers the pinned helm of `npm run tools` to a helm on PATH, and falls back to PATH without it', async () => {
    const pinned = pinnedHelmPath();
    const withPinned = await checkPrerequisites(fake({ tools: ['docker', 'kind', 'kubectl', 'helm'], executables: [pinned] }).deps);
    expect(withPinned.tools.helm).toBe(pinned);
    const without = await checkPrerequisites(fake({ tools: ['docker', 'kind', 'kubectl', 'helm'] }).deps);
    expect(without.tools.helm).toBe('/usr/bin/helm');
  });

  it('prefers the pinned terraform, with its provider mirror, to a terraform on PATH', () => {
    const pinned = { binary: '/cache/terraform/terraform', env: { TF_CLI_CONFIG_FILE: '/cache/mirror/terraformrc' } };
    expect(findTerraformWith(fake({ executables: [pinned.binary] }).deps, pinned)).toBe(pinned);
    expect(findTerraformWith(fake().deps, pinned)).toEqual({ binary: '/usr/bin/terraform', env: {} });
    expect(findTerraformWith(fake({ tools: [] }).deps, undefined)).toBeUndefined();
  });

  it('checks only what is asked for', async () => {
    const f = fake({ tools: ['kind'] });
    const report = await checkPrerequisites(f.deps, ['kind']);
    expect(report).toMatchObject({ ok: true, tools: { kind: '/usr/bin/kind' } });
    expect(f.calls).toEqual([]);
  });
});
