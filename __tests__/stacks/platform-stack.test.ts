/**
 * platform-<env>: the add-ons between the cluster and the app. Each add-on is checked in the
 * synthesised JSON for what it installs (pinned chart, namespace, values), the AWS access it gets
 * (a Pod Identity role bound to exactly its chart's service account, scoped IAM), what it waits
 * for, and how turning it off changes the stack and the app's chart values.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type K8sObject, helmTemplate, parseManifests } from '../../scripts/lib/helm.js';
import { ALB_TLS_POLICY, CHART_DIR } from '../../stacks/app-stack.js';
import { CHARTS } from '../../stacks/config/charts.js';
import { platformConfig } from '../../stacks/config/environments.js';
import type { AddonChart, EnvironmentName, PlatformConfig } from '../../stacks/config/types.js';
import { LOAD_BALANCER_CONTROLLER, loadBalancerControllerPolicy } from '../../stacks/constructs/addons/load-balancer-controller.js';
import { OBSERVABILITY } from '../../stacks/constructs/addons/observability.js';
import { POD_IDENTITY_PRINCIPAL } from '../../stacks/constructs/pod-identity-role.js';
import { CLUSTER_SECRET_STORE, MONITORING_NAMESPACE } from '../../stacks/naming.js';
import { PLATFORM_CONFIG_RELEASE } from '../../stacks/platform-stack.js';
import { decodeEncoded, helmReleaseValues } from './support/hcl.js';
import { type DeepMutable, ENVIRONMENTS, configWith, envConfig, synthPlatform } from './support/platform.js';
import { type Found, type TfJson, at, deref, list, only, ref, resources } from './support/tfjson.js';

const platform = synthPlatform();

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** The upstream chart each release installs, by the chart name in the versions module. */
const CHART_BY_NAME = new Map(Object.entries(CHARTS).map(([key, pin]) => [pin.chart, key as AddonChart]));

function releases(json: TfJson): Found[] {
  return resources(json, 'helm_release');
}

function release(json: TfJson, name: string): Found {
  const found = releases(json).filter((r) => r.attrs.name === name);
  expect(found, `helm_release ${name}`).toHaveLength(1);
  return found[0]!;
}

const hasRelease = (json: TfJson, name: string) => releases(json).some((r) => r.attrs.name === name);

const valuesOf = (r: Found) => helmReleaseValues(r.attrs.values);

/** The namespace a release installs into: a literal, or the name of a namespace resource. */
function namespaceOf(json: TfJson, r: Found): string {
  const ns = String(r.attrs.namespace);
  if (!ns.startsWith('${')) return ns;
  const target = deref(json, ns);
  expect(target.type).toBe('kubernetes_namespace_v1');
  return String(at(target.attrs, 'metadata', 0, 'name'));
}

function statementsOf(json: TfJson, role: Found): Statement[] {
  const policies = resources(json, 'aws_iam_role_policy').filter((p) => p.attrs.role === ref(role, 'id'));
  expect(policies, `inline policies of ${role.address}`).toHaveLength(1);
  expect(resources(json, 'aws_iam_role_policy_attachment').filter((a) => a.attrs.role === ref(role, 'name'))).toEqual([]);
  return (decodeEncoded(policies[0]!.attrs.policy) as unknown as { Statement: Statement[] }).Statement;
}

interface Identity {
  readonly association: Found;
  readonly role: Found;
  readonly statements: Statement[];
  /** The one release whose namespace and service account the association names. */
  readonly release: Found;
}

/** Every Pod Identity association of the stack with its role, policy and the release it serves. */
/** The service account a release's pods run as: the chart's own (`serviceAccount`), or its Alertmanager's (kube-prometheus-stack). */
const serviceAccountOf = (r: Found) => (at(valuesOf(r), 'serviceAccount') ?? at(valuesOf(r), 'alertmanager', 'serviceAccount')) as { create?: boolean; name?: string } | undefined;

function identities(json: TfJson): Identity[] {
  return resources(json, 'aws_eks_pod_identity_association').map((association) => {
    const role = deref(json, association.attrs.role_arn);
    expect(role.type).toBe('aws_iam_role');
    const serving = releases(json).filter((r) => namespaceOf(json, r) === association.attrs.namespace && serviceAccountOf(r)?.name === association.attrs.service_account);
    expect(serving, `releases running as ${String(association.attrs.namespace)}/${String(association.attrs.service_account)}`).toHaveLength(1);
    return { association, role, statements: statementsOf(json, role), release: serving[0]! };
  });
}

function identityOf(json: TfJson, releaseName: string): Identity {
  const found = identities(json).filter((i) => i.release.attrs.name === releaseName);
  expect(found, `Pod Identity of ${releaseName}`).toHaveLength(1);
  return found[0]!;
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => asList(s.Action));
const dependsOn = (r: Found) => list(r.attrs.depends_on) as string[];

/** Actions that have a resource-level scope: they must never be granted on "*". */
const SCOPED_ACTIONS = [/^route53:ChangeResourceRecordSets$/, /^route53:ListResourceRecordSets$/, /^route53:ListTagsForResources?$/, /^route53:GetChange$/, /^secretsmanager:/];

/** The stack's own lookups (AwsStack), not those of a construct inside it (a KmsKey has its own). */
const partitionRef = (_json?: TfJson) => '${data.aws_partition.aws-partition.partition}';
const accountRef = (_json?: TfJson) => '${data.aws_caller_identity.caller.account_id}';

describe.each(ENVIRONMENTS as EnvironmentName[])('platform-%s', (env) => {
  const json = platform.json(`platform-${env}`);
  const cfg = envConfig(env);
  const dns = cfg.dns!;
  const clusterName = `hono-api-${env}`;

  it('finds the cluster by name and configures helm and kubernetes exactly as the app stack does', () => {
    expect(only(json, 'aws_eks_cluster', 'data').attrs.name).toBe(clusterName);
    const app = platform.json(`app-${env}`);
    const strip = (p: unknown) => JSON.stringify(p).replace(/data\.aws_eks_cluster\.[A-Za-z0-9_-]+\./g, 'data.aws_eks_cluster.CLUSTER.');
    expect(strip(json.provider?.kubernetes)).toBe(strip(app.provider?.kubernetes));
    expect(strip(json.provider?.helm)).toBe(strip(app.provider?.helm));
    expect(at(list(json.provider?.kubernetes)[0], 'exec', 0, 'args')).toEqual(['eks', 'get-token', '--cluster-name', clusterName, '--region', cfg.region]);
  });

  it('installs every add-on of the environment, each upstream chart pinned to the version of the versions module', () => {
    const names = releases(json).map((r) => r.attrs.name).sort();
    expect(names).toEqual(['aws-load-balancer-controller', 'external-dns', 'external-secrets', 'kube-prometheus-stack', 'platform-config'].sort());
    for (const r of releases(json)) {
      if (r.attrs.name === PLATFORM_CONFIG_RELEASE.name) continue;
      const key = CHART_BY_NAME.get(String(r.attrs.chart));
      expect(key, `${String(r.attrs.name)}: chart ${String(r.attrs.chart)} is not in stacks/config/charts.ts`).toBeDefined();
      const pin = CHARTS[key!];
      expect(r.attrs, String(r.attrs.name)).toMatchObject({ repository: pin.repository, chart: pin.chart, version: pin.version });
      expect(r.attrs.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(r.attrs, String(r.attrs.name)).toMatchObject({ atomic: true, wait: true, cleanup_on_fail: true });
    }
  });

  it('puts each add-on in its conventional namespace, created by the stack (kube-system excepted)', () => {
    expect(namespaceOf(json, release(json, 'aws-load-balancer-controller'))).toBe('kube-system');
    expect(namespaceOf(json, release(json, 'external-dns'))).toBe('external-dns');
    expect(namespaceOf(json, release(json, 'external-secrets'))).toBe('external-secrets');
    expect(namespaceOf(json, release(json, 'kube-prometheus-stack'))).toBe(MONITORING_NAMESPACE);
    const created = resources(json, 'kubernetes_namespace_v1').map((n) => at(n.attrs, 'metadata', 0, 'name')).sort();
    expect(created).toEqual(['external-dns', 'external-secrets', MONITORING_NAMESPACE].sort());
  });

  it('gives each add-on that calls AWS a role only EKS Pod Identity can assume, bounded and under the environment prefix', () => {
    const ids = identities(json);
    expect(ids.map((i) => i.release.attrs.name).sort()).toEqual(['aws-load-balancer-controller', 'external-dns', 'external-secrets', 'kube-prometheus-stack']);
    expect(resources(json, 'aws_iam_role')).toHaveLength(ids.length);
    for (const { role, association } of ids) {
      expect(role.attrs.name).toMatch(new RegExp(`^hono-api-${env}-`));
      expect(role.attrs.permissions_boundary).toMatch(new RegExp(`:policy/hono-api-workload-boundary-${env}$`));
      expect(decodeEncoded(role.attrs.assume_role_policy)).toEqual({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: POD_IDENTITY_PRINCIPAL }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
      });
      expect(association.attrs.cluster_name).toBe(clusterName);
      // One association per role: the policy reaches that service account only.
      expect(resources(json, 'aws_eks_pod_identity_association').filter((a) => a.attrs.role_arn === ref(role, 'arn'))).toHaveLength(1);
    }
  });

  it('binds each role to the service account its chart runs as, before the chart installs', () => {
    for (const { association, release: r, role } of identities(json)) {
      expect(serviceAccountOf(r), String(r.attrs.name)).toMatchObject({ create: true, name: association.attrs.service_account });
      const policy = resources(json, 'aws_iam_role_policy').find((p) => p.attrs.role === ref(role, 'id'))!;
      expect(dependsOn(r)).toEqual(expect.arrayContaining([association.address, policy.address]));
    }
  });

  it('grants no scoped action (Route53 records, Secrets Manager) on "*"', () => {
    for (const { statements, release: r } of identities(json))
      for (const s of statements)
        if (asList(s.Resource).includes('*'))
          for (const action of asList(s.Action)) expect(SCOPED_ACTIONS.some((re) => re.test(action)), `${String(r.attrs.name)}: ${action} on *`).toBe(false);
  });

  it('AWS Load Balancer Controller: the upstream IAM policy, and the region and VPC given (pods cannot read IMDS)', () => {
    const { statements, association } = identityOf(json, 'aws-load-balancer-controller');
    expect({ Version: '2012-10-17', Statement: statements }).toEqual(loadBalancerControllerPolicy().policy);
    expect(association.attrs).toMatchObject({ namespace: LOAD_BALANCER_CONTROLLER.namespace, service_account: LOAD_BALANCER_CONTROLLER.serviceAccount });
    const values = valuesOf(release(json, 'aws-load-balancer-controller'));
    expect(values).toMatchObject({ clusterName, region: cfg.region, enableServiceMutatorWebhook: false });
    expect(values.vpcId).toBe(`\${${only(json, 'aws_eks_cluster', 'data').address}.vpc_config[0].vpc_id}`);
  });

  it('the other charts wait for the load balancer controller (its webhooks intercept Services)', () => {
    const lbc = release(json, 'aws-load-balancer-controller');
    for (const r of releases(json).filter((x) => x.address !== lbc.address && x.attrs.name !== PLATFORM_CONFIG_RELEASE.name)) expect(dependsOn(r), String(r.attrs.name)).toContain(lbc.address);
  });

  it('ExternalDNS: the hosted zone only, upsert-only, TXT records owned by the cluster', () => {
    const { statements } = identityOf(json, 'external-dns');
    const zoneArn = `arn:${partitionRef(json)}:route53:::hostedzone/${dns.hostedZoneId}`;
    const change = statements.filter((s) => asList(s.Action).includes('route53:ChangeResourceRecordSets'));
    expect(change).toHaveLength(1);
    expect(change[0]!.Resource).toBe(zoneArn);
    // Listing zones is the only call on "*": Route53 has no resource-level scope for it.
    expect(statements.filter((s) => asList(s.Resource).includes('*')).flatMap((s) => asList(s.Action))).toEqual(['route53:ListHostedZones']);
    expect(actionsOf(statements).every((a) => a.startsWith('route53:'))).toBe(true);
    expect(valuesOf(release(json, 'external-dns'))).toMatchObject({
      provider: { name: 'aws' },
      domainFilters: [dns.domain],
      policy: 'upsert-only',
      registry: 'txt',
      txtOwnerId: clusterName,
      extraArgs: expect.arrayContaining([`--zone-id-filter=${dns.hostedZoneId}`]),
      sources: expect.arrayContaining(['ingress']),
    });
  });

  it('External Secrets: read-only, exactly the environment\'s prefix in its region and account', () => {
    const { statements } = identityOf(json, 'external-secrets');
    expect(statements).toEqual([
      {
        Sid: 'ReadEnvironmentSecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
        Resource: `arn:${partitionRef(json)}:secretsmanager:${cfg.region}:${accountRef(json)}:secret:${env}/*`,
      },
    ]);
    for (const other of ENVIRONMENTS.filter((e) => e !== env)) expect(JSON.stringify(statements)).not.toContain(`secret:${other}/`);
    expect(valuesOf(release(json, 'external-secrets'))).toMatchObject({ installCRDs: true });
  });

  it('observability: Grafana\'s admin password is generated, ephemeral, into a Secret written only (data_wo) and referenced by the chart; adminPassword is never set', () => {
    expect(resources(json, 'random_password')).toEqual([]);
    const ephemeral = (json as { ephemeral?: { random_password?: Record<string, { length: number; special: boolean }> } }).ephemeral?.random_password ?? {};
    expect(Object.keys(ephemeral)).toEqual(['grafana_admin_password']);
    expect(ephemeral.grafana_admin_password!.length).toBeGreaterThanOrEqual(32);
    const secret = only(json, 'kubernetes_secret_v1');
    expect(at(secret.attrs, 'metadata', 0, 'name')).toBe(OBSERVABILITY.grafanaAdminSecret);
    expect(deref(json, at(secret.attrs, 'metadata', 0, 'namespace')).type).toBe('kubernetes_namespace_v1');
    expect(secret.attrs.data).toBeUndefined();
    expect(at(secret.attrs, 'data_wo', OBSERVABILITY.grafanaPasswordKey)).toBe('${ephemeral.random_password.grafana_admin_password.result}');
    expect(secret.attrs.data_wo_revision).toBeGreaterThanOrEqual(1);
    const kps = release(json, 'kube-prometheus-stack');
    const values = valuesOf(kps);
    expect(at(values, 'grafana', 'admin')).toEqual({ existingSecret: OBSERVABILITY.grafanaAdminSecret, userKey: OBSERVABILITY.grafanaUserKey, passwordKey: OBSERVABILITY.grafanaPasswordKey });
    expect(JSON.stringify(values)).not.toMatch(/adminPassword|prom-operator/);
    expect(dependsOn(kps)).toContain(secret.address);
    expect(json.terraform?.required_providers?.random).toMatchObject({ source: 'hashicorp/random' });
  });

  it('observability: Prometheus selects every ServiceMonitor, PodMonitor and PrometheusRule; Grafana loads dashboards from every namespace', () => {
    const values = valuesOf(release(json, 'kube-prometheus-stack'));
    expect(at(values, 'prometheus', 'prometheusSpec')).toMatchObject({
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
      probeSelectorNilUsesHelmValues: false,
      retention: cfg.platform.observability.retention,
    });
    expect(at(values, 'grafana', 'sidecar', 'dashboards')).toMatchObject({ enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' });
  });

  it("observability: Grafana files a dashboard under the folder the app chart's annotation names (metrics.dashboard.folder)", async () => {
    const sidecar = at(valuesOf(release(json, 'kube-prometheus-stack')), 'grafana', 'sidecar', 'dashboards') as Record<string, unknown>;
    expect(at(sidecar, 'provider', 'foldersFromFilesStructure')).toBe(true);
    // The annotation the sidecar reads is the one the chart writes: render the chart and look.
    const { stdout } = await helmTemplate({ chart: CHART_DIR, release: 'r', namespace: 'apps', set: { 'metrics.dashboard.enabled': true, 'metrics.dashboard.folder': 'Services' } });
    const dashboard = parseManifests(stdout).find((o) => o.kind === 'ConfigMap' && String(o.metadata?.name).endsWith('-dashboard'));
    expect(Object.entries(dashboard?.metadata?.annotations ?? {})).toEqual([[sidecar.folderAnnotation, 'Services']]);
  });

  it('ACM mode: a DNS-validated certificate for the API host, validation records in the hosted zone, the zone checked at plan time', () => {
    const certificate = only(json, 'aws_acm_certificate');
    expect(certificate.attrs).toMatchObject({ domain_name: `api.${dns.domain}`, validation_method: 'DNS' });
    const records = only(json, 'aws_route53_record');
    const zone = only(json, 'aws_route53_zone', 'data');
    expect(records.attrs.zone_id).toBe(ref(zone, 'zone_id'));
    expect(records.attrs.for_each).toContain(`${certificate.address}.domain_validation_options`);
    expect(only(json, 'aws_acm_certificate_validation').attrs.certificate_arn).toBe(ref(certificate, 'arn'));
    expect(zone.attrs.zone_id).toBe(dns.hostedZoneId);
    const condition = String(at(zone.attrs, 'lifecycle', 'postcondition', 0, 'condition'));
    expect(condition).toContain(`== "${dns.domain}"`);
    expect(condition).toContain('!self.private_zone');
    // No cert-manager and no ClusterIssuer in ACM mode.
    expect(hasRelease(json, 'cert-manager')).toBe(false);
    expect(at(valuesOf(release(json, PLATFORM_CONFIG_RELEASE.name)), 'clusterIssuer', 'enabled')).toBe(false);
  });

  it('platform-config: the local chart, installed after the operators whose CRDs it uses', () => {
    const config = release(json, PLATFORM_CONFIG_RELEASE.name);
    expect(config.attrs.chart).toMatch(/^\.\/assets\/platform-config-chart\/[0-9A-F]+$/);
    expect(config.attrs.repository).toBeUndefined();
    expect(config.attrs.version).toBeUndefined();
    expect(dependsOn(config)).toContain(release(json, 'external-secrets').address);
    expect(at(valuesOf(config), 'clusterSecretStore')).toMatchObject({ enabled: true, name: CLUSTER_SECRET_STORE, region: cfg.region, namespaces: [cfg.app.namespace] });
    expect(JSON.stringify(json)).not.toContain('kubernetes_manifest');
  });

  it('never reads another stack\'s state', () => {
    expect(JSON.stringify(json)).not.toContain('terraform_remote_state');
  });
});

/** Builds dev with a changed configuration and returns the platform and app JSON. */
function devWith(mutate: (c: DeepMutable<PlatformConfig>) => void) {
  const built = synthPlatform({ environments: 'dev', config: configWith(mutate) });
  return { platformJson: built.json('platform-dev'), appValues: helmReleaseValues(only(built.json('app-dev'), 'helm_release').attrs.values) };
}

describe('each add-on is optional per environment', () => {
  const base = platform.json('platform-dev');
  const count = (json: TfJson, type: string) => resources(json, type).length;

  it('load balancer controller off: no controller, no role; nothing waits for it', () => {
    const { platformJson } = devWith((c) => (c.environments.dev.platform.loadBalancerController.enabled = false));
    expect(hasRelease(platformJson, 'aws-load-balancer-controller')).toBe(false);
    expect(count(platformJson, 'aws_iam_role')).toBe(count(base, 'aws_iam_role') - 1);
    expect(JSON.stringify(platformJson)).not.toContain('aws-load-balancer-controller');
    for (const r of releases(platformJson)) expect(dependsOn(r).some((d) => d.includes('aws-load-balancer-controller'))).toBe(false);
  });

  it('ExternalDNS off: no release, role or namespace; the ingress keeps its host', () => {
    const { platformJson, appValues } = devWith((c) => (c.environments.dev.platform.externalDns.enabled = false));
    expect(hasRelease(platformJson, 'external-dns')).toBe(false);
    expect(count(platformJson, 'aws_iam_role')).toBe(count(base, 'aws_iam_role') - 1);
    expect(resources(platformJson, 'kubernetes_namespace_v1').map((n) => at(n.attrs, 'metadata', 0, 'name'))).not.toContain('external-dns');
    expect(at(appValues, 'ingress', 'hosts', 0, 'host')).toBe('api.dev.example.com');
  });

  it('ExternalDNS sync policy when configured', () => {
    const { platformJson } = devWith((c) => (c.environments.dev.platform.externalDns.policy = 'sync'));
    expect(valuesOf(release(platformJson, 'external-dns')).policy).toBe('sync');
  });

  it('External Secrets off: no operator, no store; the app gets no ExternalSecret and Prometheus scrapes without a token', () => {
    const { platformJson, appValues } = devWith((c) => (c.environments.dev.platform.externalSecrets.enabled = false));
    expect(hasRelease(platformJson, 'external-secrets')).toBe(false);
    expect(hasRelease(platformJson, PLATFORM_CONFIG_RELEASE.name)).toBe(false);
    expect(JSON.stringify(platformJson)).not.toContain('secretsmanager');
    expect(appValues.externalSecret).toBeUndefined();
    expect(at(appValues, 'metrics', 'serviceMonitor')).toEqual({ enabled: true });
  });

  it('observability off: no kube-prometheus-stack, password or monitoring namespace; the app renders no metrics objects and nobody may scrape', () => {
    const { platformJson, appValues } = devWith((c) => (c.environments.dev.platform.observability.enabled = false));
    expect(hasRelease(platformJson, 'kube-prometheus-stack')).toBe(false);
    expect(count(platformJson, 'random_password')).toBe(0);
    expect(count(platformJson, 'kubernetes_secret_v1')).toBe(0);
    expect(platformJson.provider?.random).toBeUndefined();
    expect(resources(platformJson, 'kubernetes_namespace_v1').map((n) => at(n.attrs, 'metadata', 0, 'name'))).not.toContain(MONITORING_NAMESPACE);
    expect(appValues.metrics).toBeUndefined();
    expect(at(appValues, 'networkPolicy', 'metrics', 'namespaces')).toEqual([]);
  });

  it('ACME mode is refused at synth: the app\'s Ingress is an ALB, which serves only ACM certificates (a cert-manager Secret is ignored and the HTTPS listener fails)', () => {
    expect(() => devWith((c) => (c.environments.dev.platform.tls = { mode: 'acme', email: 'platform@example.com', server: 'production' }))).toThrow(
      /environments\.dev\.platform\.tls\.mode = "acme"[^\n]*ingress\.className[^\n]*alb[^\n]*ACM[^\n]*"acm"/,
    );
  });

  it('ACM mode with an existing certificate: no certificate requested, the ingress pins it', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100';
    const { platformJson, appValues } = devWith((c) => (c.environments.dev.platform.tls = { mode: 'acm', certificateArn: arn }));
    expect(count(platformJson, 'aws_acm_certificate')).toBe(0);
    expect(at(appValues, 'ingress', 'annotations', 'alb.ingress.kubernetes.io/certificate-arn')).toBe(arn);
  });

  it('no domain: no ExternalDNS, no zone lookup, no certificate; the API answers on the load balancer\'s own name over HTTP', () => {
    const { platformJson, appValues } = devWith((c) => {
      delete c.environments.dev.dns;
      c.environments.dev.platform.externalDns.enabled = false;
      c.environments.dev.platform.tls = { mode: 'none' };
    });
    expect(hasRelease(platformJson, 'external-dns')).toBe(false);
    expect(platformJson.data?.aws_route53_zone).toBeUndefined();
    expect(count(platformJson, 'aws_acm_certificate')).toBe(0);
    // No host, no TLS: only the ALB's own hardening.
    expect(appValues.ingress).toEqual({ enabled: true, annotations: { 'alb.ingress.kubernetes.io/ssl-policy': ALB_TLS_POLICY, 'alb.ingress.kubernetes.io/load-balancer-attributes': expect.stringContaining('access_logs.s3.enabled=true') } });
  });

  it('everything off: only the cluster lookup, the providers and the default StorageClass remain', () => {
    const { platformJson } = devWith((c) => {
      const p = c.environments.dev.platform;
      p.loadBalancerController.enabled = false;
      p.externalDns.enabled = false;
      p.externalSecrets.enabled = false;
      p.observability.enabled = false;
      p.tls = { mode: 'none' };
    });
    expect(releases(platformJson)).toEqual([]);
    expect(Object.keys(platformJson.resource ?? {})).toEqual(['kubernetes_storage_class_v1']);
  });

  it('makes encrypted gp3 from the EBS CSI driver the default StorageClass, bound where the pod lands', () => {
    const sc = only(platform.json('platform-dev'), 'kubernetes_storage_class_v1');
    expect(sc.attrs).toMatchObject({ storage_provisioner: 'ebs.csi.aws.com', volume_binding_mode: 'WaitForFirstConsumer', allow_volume_expansion: true, parameters: { type: 'gp3', encrypted: 'true' } });
    expect(at(sc.attrs, 'metadata', 0, 'annotations')).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
  });

  it('prod keeps Prometheus, Alertmanager and Grafana on persistent gp3 volumes, created after the StorageClass; dev on the node', () => {
    const prod = platform.json('platform-prod');
    const sc = only(prod, 'kubernetes_storage_class_v1');
    const kps = release(prod, 'kube-prometheus-stack');
    expect(kps.attrs.depends_on).toContain(sc.address);
    const values = valuesOf(kps) as Record<string, Record<string, Record<string, unknown>>>;
    const claim = (v: unknown) => at(v, 'volumeClaimTemplate', 'spec') as Record<string, unknown>;
    const className = at(sc.attrs, 'metadata', 0, 'name');
    expect(claim(values.prometheus!.prometheusSpec!.storageSpec)).toMatchObject({ storageClassName: className, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '30Gi' } } });
    expect(claim(values.alertmanager!.alertmanagerSpec!.storage)).toMatchObject({ storageClassName: className });
    expect(values.grafana!.persistence).toMatchObject({ enabled: true, storageClassName: className });
    // A ReadWriteOnce volume cannot be attached to the old and the new pod of a rolling update.
    expect(values.grafana!.deploymentStrategy).toEqual({ type: 'Recreate' });

    const dev = valuesOf(release(platform.json('platform-dev'), 'kube-prometheus-stack')) as typeof values;
    expect(dev.prometheus!.prometheusSpec!.storageSpec).toEqual({ emptyDir: { sizeLimit: '8Gi' } });
    expect(dev.grafana!.persistence).toBeUndefined();
  });

  it('staging and prod keep observability on; their stacks follow their own configuration', () => {
    for (const env of ['staging', 'prod'] as const) expect(hasRelease(platform.json(`platform-${env}`), 'kube-prometheus-stack')).toBe(true);
    expect(valuesOf(release(platform.json('platform-prod'), 'kube-prometheus-stack'))).toMatchObject({ prometheus: { prometheusSpec: { retention: '15d' } } });
  });

  it('a chart version change in the configuration reaches the release (and only a pinned one validates)', () => {
    const built = synthPlatform({ environments: 'dev', config: configWith((c) => (c.charts.externalDns.version = '1.18.0')) });
    expect(release(built.json('platform-dev'), 'external-dns').attrs.version).toBe('1.18.0');
  });

  it('bumping the load balancer controller chart without its IAM policy is refused at synth', () => {
    expect(() => synthPlatform({ environments: 'dev', config: configWith((c) => (c.charts.awsLoadBalancerController.version = '3.7.0')) }).json('platform-dev')).toThrow(
      /IAM policy is from chart 3\.6\.2 .* but chart 3\.7\.0 is pinned/
    );
  });
});

describe('app values follow the platform', () => {
  it.each(ENVIRONMENTS as EnvironmentName[])('%s: metrics objects, secrets from Secrets Manager, host and ACM TLS', (env) => {
    const values = helmReleaseValues(only(platform.json(`app-${env}`), 'helm_release').attrs.values);
    const host = `api.${envConfig(env).dns!.domain}`;
    expect(values.metrics).toEqual({
      serviceMonitor: { enabled: true, bearerTokenSecret: { name: 'hono-api', key: 'METRICS_AUTH_TOKEN' } },
      prometheusRule: { enabled: true },
      dashboard: { enabled: true },
    });
    expect(values.externalSecret).toEqual({
      enabled: true,
      secretStoreRef: { kind: 'ClusterSecretStore', name: CLUSTER_SECRET_STORE },
      data: [{ secretKey: 'METRICS_AUTH_TOKEN', remoteRef: { key: `${env}/hono-api`, property: 'metricsAuthToken' } }],
    });
    expect(at(values, 'networkPolicy', 'metrics', 'namespaces')).toEqual([MONITORING_NAMESPACE]);
    expect(at(values, 'ingress')).toMatchObject({
      enabled: true,
      hosts: [{ host, paths: [{ path: '/', pathType: 'Prefix' }] }],
      tls: [{ hosts: [host] }],
      annotations: { 'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]', 'alb.ingress.kubernetes.io/ssl-redirect': '443' },
    });
    expect(at(values, 'ingress', 'tls', 0, 'secretName')).toBeUndefined();
  });

  it('a configured host inside the domain wins over api.<domain>', () => {
    const { appValues, platformJson } = devWith((c) => (c.environments.dev.app.host = 'hello.dev.example.com'));
    expect(at(appValues, 'ingress', 'hosts', 0, 'host')).toBe('hello.dev.example.com');
    expect(only(platformJson, 'aws_acm_certificate').attrs.domain_name).toBe('hello.dev.example.com');
  });

  it('the ExternalSecret target (where the bearer token comes from) follows the release name', () => {
    const { appValues } = devWith((c) => (c.environments.dev.app.releaseName = 'api'));
    expect(at(appValues, 'metrics', 'serviceMonitor', 'bearerTokenSecret', 'name')).toBe('api-hono-api');
    expect(at(appValues, 'externalSecret', 'data', 0, 'remoteRef', 'key')).toBe('dev/api');
  });
});

describe('the synthesised dev environment, end to end', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hono-api-dev-e2e-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const platformJson = platform.json('platform-dev');
  const dev = envConfig('dev');

  /** The app chart rendered with exactly the values the app-dev stack passes (the ECR URL and the digest Terraform resolves stand in). */
  async function renderApp(): Promise<K8sObject[]> {
    const values = helmReleaseValues(only(platform.json('app-dev'), 'helm_release').attrs.values);
    const file = path.join(tmp, 'app-dev-values.json');
    writeFileSync(file, JSON.stringify({ ...values, image: { ...(values.image as object), repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hono-api', digest: `sha256:${'a'.repeat(64)}` } }));
    const result = await helmTemplate({ chart: CHART_DIR, release: dev.app.releaseName, namespace: dev.app.namespace, kubeVersion: `${dev.cluster.version}.0`, valuesFiles: [file] });
    if (result.exitCode !== 0) throw new Error(result.stderr);
    return parseManifests(result.stdout);
  }
  const one = (objects: K8sObject[], kind: string) => {
    // The release's own objects: `helm test` hooks (the test pod and its NetworkPolicy) aside.
    const found = objects.filter((o) => o.kind === kind && o.metadata?.annotations?.['helm.sh/hook'] !== 'test');
    expect(found, kind).toHaveLength(1);
    return found[0]! as K8sObject & { spec: Record<string, unknown>; data?: Record<string, string> };
  };

  it('describes a DNS name, TLS, secrets from Secrets Manager, scraped metrics and a dashboard', async () => {
    const objects = await renderApp();
    const host = 'api.dev.example.com';

    // The image by digest, as the app stack resolves it: what runs is what the plan pinned.
    expect(at(one(objects, 'Deployment').spec, 'template', 'spec', 'containers', 0, 'image')).toBe(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/hono-api@sha256:${'a'.repeat(64)}`);

    // DNS name: the ingress host, inside the domain ExternalDNS manages.
    const ingress = one(objects, 'Ingress');
    expect(at(ingress.spec, 'rules', 0, 'host')).toBe(host);
    const externalDns = valuesOf(release(platformJson, 'external-dns'));
    expect(host.endsWith(`.${(externalDns.domainFilters as string[])[0]}`)).toBe(true);
    expect(at(ingress.spec, 'ingressClassName')).toBe('alb');

    // TLS: an HTTPS listener, and the ACM certificate the controller discovers is for that host.
    expect(at(ingress.spec, 'tls', 0, 'hosts')).toEqual([host]);
    expect(ingress.metadata?.annotations?.['alb.ingress.kubernetes.io/listen-ports']).toContain('HTTPS');
    expect(only(platformJson, 'aws_acm_certificate').attrs.domain_name).toBe(host);

    // Secrets: the ExternalSecret reads dev/hono-api through the platform's ClusterSecretStore,
    // which External Secrets may read (dev/*) and which admits the app's namespace.
    const es = one(objects, 'ExternalSecret');
    expect(at(es.spec, 'secretStoreRef')).toEqual({ kind: 'ClusterSecretStore', name: CLUSTER_SECRET_STORE });
    expect(at(es.spec, 'data', 0, 'remoteRef', 'key')).toBe('dev/hono-api');
    const store = at(valuesOf(release(platformJson, PLATFORM_CONFIG_RELEASE.name)), 'clusterSecretStore') as { name: string; namespaces: string[] };
    expect(store.name).toBe(CLUSTER_SECRET_STORE);
    expect(store.namespaces).toContain(dev.app.namespace);
    const allowed = String(identityOf(platformJson, 'external-secrets').statements[0]!.Resource);
    expect(`dev/hono-api`.startsWith(allowed.split(':secret:')[1]!.replace(/\*$/, ''))).toBe(true);

    // Metrics: a ServiceMonitor (selected by Prometheus without labels) whose bearer token is the
    // Secret the ExternalSecret writes; the NetworkPolicy lets the monitoring namespace scrape.
    const sm = one(objects, 'ServiceMonitor');
    expect(at(sm.spec, 'endpoints', 0, 'authorization', 'credentials')).toEqual({ name: at(es.spec, 'target', 'name'), key: 'METRICS_AUTH_TOKEN' });
    expect(at(valuesOf(release(platformJson, 'kube-prometheus-stack')), 'prometheus', 'prometheusSpec', 'serviceMonitorSelectorNilUsesHelmValues')).toBe(false);
    one(objects, 'PrometheusRule');
    const netpol = one(objects, 'NetworkPolicy');
    expect(JSON.stringify(netpol.spec)).toContain(`"kubernetes.io/metadata.name":"${MONITORING_NAMESPACE}"`);

    // Dashboard: a ConfigMap with the label and value the Grafana sidecar selects.
    const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata?.labels?.[OBSERVABILITY.dashboardLabel] !== undefined);
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.metadata?.labels?.[OBSERVABILITY.dashboardLabel]).toBe(OBSERVABILITY.dashboardLabelValue);
  });

  it('the committed configuration validates and uses the versions module', () => {
    expect(platformConfig.charts).toBe(CHARTS);
  });
});
