/**
 * helm/platform-config: the cluster-wide custom resources of the platform add-ons, rendered with
 * the values the platform stack synthesises for each environment (and for ACME mode), linted
 * strictly, and validated against the CRD models (External Secrets always; cert-manager when
 * @kubernetes-models/cert-manager is installed, the structure checks otherwise).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type K8sObject, helmLint, helmTemplate, parseManifests } from '../../scripts/lib/helm.js';
import type { EnvironmentName } from '../../stacks/config/types.js';
import { CLUSTER_ISSUER, CLUSTER_SECRET_STORE } from '../../stacks/naming.js';
import { PLATFORM_CONFIG_CHART_DIR, platformConfigValues } from '../../stacks/platform-stack.js';
import { ENVIRONMENTS, configWith, envConfig } from '../stacks/support/platform.js';
import { KUBE_VERSION } from './chart.js';
import { CRD_RULES, validateObject } from './k8s-validate.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hono-api-platform-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function valuesFile(values: Record<string, unknown>): string {
  const file = path.join(tmp, `values-${n++}.json`);
  writeFileSync(file, JSON.stringify(values));
  return file;
}

async function render(values: Record<string, unknown>): Promise<K8sObject[]> {
  const result = await helmTemplate({ chart: PLATFORM_CONFIG_CHART_DIR, release: 'platform-config', namespace: 'kube-system', kubeVersion: KUBE_VERSION, valuesFiles: [valuesFile(values)] });
  if (result.exitCode !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

async function renderError(values: Record<string, unknown>): Promise<string> {
  const result = await helmTemplate({ chart: PLATFORM_CONFIG_CHART_DIR, release: 'platform-config', kubeVersion: KUBE_VERSION, valuesFiles: [valuesFile(values)] });
  expect(result.exitCode, result.stdout).not.toBe(0);
  return result.stderr;
}

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const acmeDev = configWith((c) => (c.environments.dev.platform.tls = { mode: 'acme', email: 'platform@example.com', server: 'staging' })).environments.dev;

describe('platform-config chart', () => {
  it('is a valid chart: strict lint with the defaults and with every CI values file', async () => {
    const defaults = await helmLint({ chart: PLATFORM_CONFIG_CHART_DIR, strict: true });
    expect(defaults.exitCode, defaults.stdout + defaults.stderr).toBe(0);
    const ci = readdirSync(path.join(PLATFORM_CONFIG_CHART_DIR, 'ci')).filter((f) => f.endsWith('-values.yaml'));
    expect(ci.length).toBeGreaterThan(0);
    for (const file of ci) {
      const lint = await helmLint({ chart: PLATFORM_CONFIG_CHART_DIR, strict: true, valuesFiles: [path.join(PLATFORM_CONFIG_CHART_DIR, 'ci', file)] });
      expect(lint.exitCode, `${file}: ${lint.stdout}${lint.stderr}`).toBe(0);
    }
  });

  it('its CI values files render every kind the CRD rules assign to it, and each validates', async () => {
    const kinds = new Set<string>();
    for (const file of readdirSync(path.join(PLATFORM_CONFIG_CHART_DIR, 'ci')).filter((f) => f.endsWith('-values.yaml'))) {
      const result = await helmTemplate({ chart: PLATFORM_CONFIG_CHART_DIR, release: 'platform-config', kubeVersion: KUBE_VERSION, valuesFiles: [path.join(PLATFORM_CONFIG_CHART_DIR, 'ci', file)] });
      expect(result.exitCode, result.stderr).toBe(0);
      for (const o of parseManifests(result.stdout)) {
        kinds.add(`${o.apiVersion} ${o.kind}`);
        await validateObject(o);
      }
    }
    for (const [crd, rule] of Object.entries(CRD_RULES)) if (rule.chart === 'platform-config') expect(kinds, crd).toContain(crd);
  });

  it('renders nothing with its defaults (both objects off)', async () => {
    expect(await render({})).toEqual([]);
  });

  it.each(ENVIRONMENTS as EnvironmentName[])('%s: renders the ClusterSecretStore the app reads, for the environment\'s region, limited to the app namespace', async (env) => {
    const cfg = envConfig(env);
    const objects = await render(platformConfigValues(cfg));
    expect(objects.map((o) => o.kind)).toEqual(['ClusterSecretStore']);
    const store = objects[0]!;
    expect(store).toMatchObject({
      apiVersion: 'external-secrets.io/v1',
      metadata: { name: CLUSTER_SECRET_STORE },
      spec: { provider: { aws: { service: 'SecretsManager', region: cfg.region } }, conditions: [{ namespaces: [cfg.app.namespace] }] },
    });
    // No credentials in the store: the operator's Pod Identity role, scoped to <env>/* in IAM.
    expect(JSON.stringify(store)).not.toMatch(/auth|secretRef|accessKey/i);
    expect(await validateObject(store)).toEqual({ validatedBy: 'structure+@kubernetes-models/external-secrets' });
  });

  it('ACME mode renders a Let\'s Encrypt ClusterIssuer solving DNS-01 in the hosted zone, by zone id', async () => {
    const objects = await render(platformConfigValues(acmeDev));
    const [issuer] = ofKind(objects, 'ClusterIssuer');
    expect(issuer).toMatchObject({
      apiVersion: 'cert-manager.io/v1',
      metadata: { name: CLUSTER_ISSUER },
      spec: {
        acme: {
          email: 'platform@example.com',
          server: 'https://acme-staging-v02.api.letsencrypt.org/directory',
          privateKeySecretRef: { name: `${CLUSTER_ISSUER}-account-key` },
          solvers: [{ selector: { dnsZones: [acmeDev.dns!.domain] }, dns01: { route53: { region: acmeDev.region, hostedZoneID: acmeDev.dns!.hostedZoneId } } }],
        },
      },
    });
    // Ambient credentials (Pod Identity): no access keys, no role to assume in the issuer.
    expect(JSON.stringify(issuer)).not.toMatch(/accessKeyID|secretAccessKey|"role"/);
    expect((await validateObject(issuer!)).validatedBy).toMatch(/^structure(\+@kubernetes-models\/cert-manager)?$/);
    expect(ofKind(objects, 'ClusterSecretStore')).toHaveLength(1);
  });

  it('the structure checks reject a broken store or issuer (whether or not the CRD model packages are installed)', async () => {
    const [store] = await render(platformConfigValues(envConfig('dev')));
    await expect(validateObject({ ...store!, spec: { provider: {} } })).rejects.toThrow(/exactly one provider/);
    await expect(validateObject({ ...store!, spec: { provider: { aws: { service: 'SecretsManager', region: 'Ireland' } } } })).rejects.toThrow(/region must be an AWS region/);
    const [issuer] = ofKind(await render(platformConfigValues(acmeDev)), 'ClusterIssuer');
    const acme = (issuer!.spec as { acme: { solvers: Record<string, unknown>[] } }).acme;
    await expect(validateObject({ ...issuer!, spec: { acme: { ...acme, solvers: [{ ...acme.solvers[0], http01: { ingress: {} } }] } } })).rejects.toThrow(/exactly one of http01 or dns01/);
    await expect(validateObject({ ...issuer!, spec: { acme: { ...acme, server: 'http://insecure' } } })).rejects.toThrow(/https URL/);
  });

  it('uses the production Let\'s Encrypt directory unless told otherwise', async () => {
    const prodAcme = configWith((c) => (c.environments.prod.platform.tls = { mode: 'acme', email: 'platform@example.com', server: 'production' })).environments.prod;
    const [issuer] = ofKind(await render(platformConfigValues(prodAcme)), 'ClusterIssuer');
    expect((issuer?.spec as { acme: { server: string } }).acme.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
  });

  it('an enabled object without its required settings fails the render, naming the value', async () => {
    expect(await renderError({ clusterSecretStore: { enabled: true } })).toContain('clusterSecretStore.region is empty');
    expect(await renderError({ clusterIssuer: { enabled: true, dnsZones: ['example.com'], route53: { region: 'eu-west-1', hostedZoneID: 'Z1' } } })).toContain('clusterIssuer.email is empty');
    expect(await renderError({ clusterIssuer: { enabled: true, email: 'a@example.com', route53: { region: 'eu-west-1', hostedZoneID: 'Z1' } } })).toContain('clusterIssuer.dnsZones is empty');
  });

  it('the schema rejects unknown keys and malformed values', async () => {
    expect(await renderError({ clusterSecretStore: { enabled: true, region: 'eu-west-1', typo: true } })).toMatch(/clusterSecretStore[\s\S]*typo/);
    expect(await renderError({ clusterIssuer: { server: 'prod' } })).toMatch(/clusterIssuer\/server/);
    expect(await renderError({ clusterIssuer: { route53: { region: 'eu-west-1', hostedZoneID: '/hostedzone/Z123' } } })).toMatch(/hostedZoneID/);
  });

  it('the chart the stack ships is this directory (same name and version)', () => {
    const chart = parseYaml(readFileSync(path.join(PLATFORM_CONFIG_CHART_DIR, 'Chart.yaml'), 'utf8')) as { name: string; version: string };
    expect(chart).toMatchObject({ name: 'platform-config', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
  });
});
