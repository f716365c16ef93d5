/**
 * Validation of the platform configuration, run before any construct is built. Every problem
 * names the field (as a path such as `environments.prod.cluster.nodes.minSize`), the bad value and
 * the fix; all problems are reported at once.
 */
import { nonPublicRange, overlaps, parseCidr } from '../constructs/cidr.js';
import { KUBERNETES_SERVICE_CIDR } from '../constructs/eks-cluster.js';
import { ciRoleName, deployRole } from '../naming.js';
import { EXACT_CHART_VERSION } from './charts.js';
import { KUBERNETES_ON_EKS, describeRange, hasBegun, newestStandardMinor, supportsMinor } from './support-calendar.js';
import type { AddonChart, EnvironmentConfig, EnvironmentName, PlatformConfig } from './types.js';

/** An age X25519 recipient: "age1" and 58 bech32 characters (age-encryption.org/v1). */
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

export const ENVIRONMENT_NAMES: readonly EnvironmentName[] = ['dev', 'staging', 'prod'];

export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid platform configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/**
 * Regions of other AWS partitions (GovCloud `aws-us-gov`, China `aws-cn`, the European Sovereign
 * Cloud): refused, because ARNs here are not all partition-aware (the upstream ALB controller
 * policy, the ACM and admin ARN checks are written for `arn:aws`).
 */
const OTHER_PARTITION_REGION = /^(us-gov-|cn-|eusc-)/;
const ACCOUNT_ID = /^\d{12}$/;
const ADDON_VERSION = /^v\d+\.\d+\.\d+-eksbuild\.\d+$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** S3 bucket naming rules, minus the rarely wanted dots (they break virtual-host TLS). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** Route53 hosted zone ids: Z plus upper-case letters and digits. */
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/;
const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:certificate\/[0-9a-f-]{36}$/;
/** A Prometheus retention duration such as 15d or 12h. */
const PROMETHEUS_DURATION = /^[1-9]\d*(h|d|w|y)$/;
/** Environments where observability is part of the deal; dev may turn it off. */
const OBSERVABILITY_REQUIRED: readonly EnvironmentName[] = ['staging', 'prod'];

export class Problems {
  readonly list: string[] = [];

  /** An AWS region of the commercial partition. */
  region(field: string, value: string): void {
    if (!REGION.test(value)) return this.check(false, field, value, 'expected an AWS region such as eu-west-1');
    this.check(!OTHER_PARTITION_REGION.test(value), field, value, 'is in another AWS partition (GovCloud or China), which these stacks do not support: some ARNs are written for arn:aws', 'use a region of the commercial partition');
  }

  /** Records a problem unless `ok`; `fix` says what to do about it. */
  check(ok: boolean, field: string, value: unknown, expected: string, fix?: string): void {
    if (!ok) this.list.push(`${field} = ${JSON.stringify(value)}: ${expected}${fix ? ` (fix: ${fix})` : ''}`);
  }

  intRange(field: string, value: number, min: number, max: number): void {
    this.check(Number.isInteger(value) && value >= min && value <= max, field, value, `expected an integer from ${min} to ${max}`);
  }

  cidr(field: string, value: string): boolean {
    try {
      parseCidr(value);
      return true;
    } catch (err) {
      this.check(false, field, value, (err as Error).message);
      return false;
    }
  }

  accountIds(field: string, ids: readonly string[]): void {
    ids.forEach((id, i) => this.check(ACCOUNT_ID.test(id), `${field}[${i}]`, id, 'expected a 12-digit AWS account id'));
  }
}

function validateEnvironment(p: Problems, key: string, env: EnvironmentConfig, config: PlatformConfig, today: Date): void {
  const { project, charts } = config;
  const at = `environments.${key}`;
  p.check(env.name === key, `${at}.name`, env.name, `expected "${key}" (the key it is listed under)`);
  p.region(`${at}.region`, env.region);
  p.check(
    env.region === config.shared.region || !REGION.test(env.region),
    `${at}.region`,
    env.region,
    `differs from shared.region (${config.shared.region}), where the image registry is: the app stack reads the image from ECR in the environment's region, and nodes would pull across regions`,
    `use ${config.shared.region}, or move shared.region (the registry) with it`,
  );
  p.accountIds(`${at}.allowedAccountIds`, env.allowedAccountIds);
  p.check(
    env.planRecipient === '' || AGE_RECIPIENT.test(env.planRecipient),
    `${at}.planRecipient`,
    env.planRecipient,
    'is not an age public key (age1 and 58 more characters)',
    `print it with \`age-keygen -y ${key}-plan.key\``,
  );
  const sameKey = Object.values(config.environments).filter((other) => other.name !== key && other.planRecipient !== '' && other.planRecipient === env.planRecipient);
  p.check(
    sameKey.length === 0,
    `${at}.planRecipient`,
    env.planRecipient,
    `is also ${sameKey.map((o) => o.name).join(', ')}'s: whoever may approve one of them could open the other's sealed plans (which embed its state)`,
    `generate one key pair per environment: \`age-keygen -o ${key}-plan.key\``,
  );
  // One account for every environment is the model built and proved here (README: Environment
  // isolation): the CI roles, the state bucket and the registry are in the shared account, and an
  // environment pinned elsewhere could be neither planned nor deployed by them.
  const sharedAccounts = config.shared.allowedAccountIds;
  const elsewhere = env.allowedAccountIds.filter((id) => sharedAccounts.length > 0 && !sharedAccounts.includes(id));
  p.check(
    elsewhere.length === 0,
    `${at}.allowedAccountIds`,
    env.allowedAccountIds,
    `names ${elsewhere.join(', ')}, outside shared.allowedAccountIds (${sharedAccounts.join(', ')}): the CI roles, the state and the registry are in the shared account, and ${key}'s deploy role cannot reach another (one account per environment is not built; README: Environment isolation)`,
    `list the shared account (${sharedAccounts[0] ?? ''})`,
  );

  const net = env.network;
  if (p.cidr(`${at}.network.vpcCidr`, net.vpcCidr)) {
    const prefix = parseCidr(net.vpcCidr).prefix;
    p.check(prefix >= 16 && prefix <= 20, `${at}.network.vpcCidr`, net.vpcCidr, 'expected a /16 to /20 (every pod takes a VPC address)');
    p.check(
      !overlaps(parseCidr(net.vpcCidr), parseCidr(KUBERNETES_SERVICE_CIDR)),
      `${at}.network.vpcCidr`,
      net.vpcCidr,
      `overlaps the clusters' Kubernetes Service range ${KUBERNETES_SERVICE_CIDR} (stacks/constructs/eks-cluster.ts): a pod could not tell a Service address from a VPC address`,
      'choose a VPC range outside it, e.g. one in 10.0.0.0/8',
    );
  }
  p.intRange(`${at}.network.azCount`, net.azCount, 2, 3);
  p.check(['single', 'per-az'].includes(net.natMode), `${at}.network.natMode`, net.natMode, 'expected "single" or "per-az"');
  p.check(LOG_RETENTION_DAYS.includes(net.flowLogRetentionDays), `${at}.network.flowLogRetentionDays`, net.flowLogRetentionDays, `expected one of ${LOG_RETENTION_DAYS.join(', ')}`);

  const cluster = env.cluster;
  validateKubernetesVersion(p, at, env, charts, today);
  p.check(LOG_RETENTION_DAYS.includes(cluster.logRetentionDays), `${at}.cluster.logRetentionDays`, cluster.logRetentionDays, `expected one of ${LOG_RETENTION_DAYS.join(', ')}`);
  const logTypes: readonly string[] = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];
  cluster.logTypes.forEach((t, i) => p.check(logTypes.includes(t), `${at}.cluster.logTypes[${i}]`, t, `expected one of ${logTypes.join(', ')}`));
  p.check(cluster.logTypes.includes('audit'), `${at}.cluster.logTypes`, cluster.logTypes, 'must include "audit": who changed what in the cluster is the first question of every incident and review', 'add "audit"');
  p.check([60, 600].includes(env.network.flowLogAggregationSeconds), `${at}.network.flowLogAggregationSeconds`, env.network.flowLogAggregationSeconds, 'expected 60 or 600');
  cluster.publicAccessCidrs.forEach((c, i) => {
    const field = `${at}.cluster.publicAccessCidrs[${i}]`;
    if (!p.cidr(field, c)) return;
    // The public endpoint sees the public address a request comes from (a NAT's or a runner's):
    // an entry that can never be such an address locks everyone out, CI included.
    const why = nonPublicRange(parseCidr(c));
    p.check(why === undefined, field, c, `is ${why}, which is never the source address of a request to the public endpoint`, 'list the public egress addresses of your runners and offices (`curl https://checkip.amazonaws.com` from each), or keep ["0.0.0.0/0"]');
  });
  if (cluster.publicEndpoint && env.name === 'prod')
    p.check(
      !cluster.publicAccessCidrs.some((c) => /\/0$/.test(c)),
      `${at}.cluster.publicAccessCidrs`,
      cluster.publicAccessCidrs,
      'opens prod\'s public API endpoint to the whole internet',
      'list the fixed public egress ranges of the runners that deploy prod and of your offices, or set cluster.publicEndpoint to false and deploy prod from runners inside the VPC (README: "Who can reach the cluster API")',
    );
  if (cluster.publicEndpoint)
    p.check(cluster.publicAccessCidrs.length > 0, `${at}.cluster.publicAccessCidrs`, cluster.publicAccessCidrs, 'must not be empty while the public endpoint is on (EKS would silently open it to the whole internet)', 'list the public addresses allowed, ["0.0.0.0/0"] to say "anywhere" explicitly, or set cluster.publicEndpoint to false');
  const seen = new Set<string>();
  cluster.adminPrincipalArns.forEach((arn, i) => {
    const field = `${at}.cluster.adminPrincipalArns[${i}]`;
    p.check(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(arn), field, arn, 'expected an IAM role ARN, with its path if it has one (`aws iam get-role --role-name NAME --query Role.Arn`)');
    // EKS takes one access entry per principal; a second for the same ARN fails the apply.
    p.check(!seen.has(arn), field, arn, 'is listed twice (EKS allows one access entry per principal)', 'remove the duplicate');
    p.check(!(['plan', deployRole(env.name)] as const).some((r) => arn.endsWith(`:role/${ciRoleName(project, r)}`)), field, arn, 'is a CI role, which already has its own access entry (EKS allows one per principal)', 'remove it');
    seen.add(arn);
  });
  for (const [name, version] of Object.entries(cluster.addons))
    if (name !== 'kubernetesVersion') p.check(ADDON_VERSION.test(version), `${at}.cluster.addons.${name}`, version, 'expected an EKS add-on version such as v1.19.5-eksbuild.3');

  const nodes = cluster.nodes;
  p.check(nodes.instanceTypes.length > 0, `${at}.cluster.nodes.instanceTypes`, nodes.instanceTypes, 'expected at least one instance type');
  nodes.instanceTypes.forEach((t, i) => p.check(INSTANCE_TYPE.test(t), `${at}.cluster.nodes.instanceTypes[${i}]`, t, 'expected an EC2 instance type such as m7i.large'));
  p.check(['ON_DEMAND', 'SPOT'].includes(nodes.capacityType), `${at}.cluster.nodes.capacityType`, nodes.capacityType, 'expected "ON_DEMAND" or "SPOT"');
  p.check(!(env.name === 'prod' && nodes.capacityType === 'SPOT'), `${at}.cluster.nodes.capacityType`, nodes.capacityType, 'spot capacity is not allowed in prod', 'use ON_DEMAND');
  p.intRange(`${at}.cluster.nodes.minSize`, nodes.minSize, 1, 100);
  p.intRange(`${at}.cluster.nodes.maxSize`, nodes.maxSize, 1, 100);
  p.check(nodes.minSize <= nodes.maxSize, `${at}.cluster.nodes.minSize`, nodes.minSize, `must not exceed maxSize (${nodes.maxSize})`, 'lower minSize or raise maxSize');
  p.check(nodes.desiredSize >= nodes.minSize && nodes.desiredSize <= nodes.maxSize, `${at}.cluster.nodes.desiredSize`, nodes.desiredSize, `must lie between minSize (${nodes.minSize}) and maxSize (${nodes.maxSize})`);
  p.intRange(`${at}.cluster.nodes.diskSizeGiB`, nodes.diskSizeGiB, 20, 1000);

  const app = env.app;
  p.check(app.releaseName.length <= 53 && DNS_LABEL.test(app.releaseName), `${at}.app.releaseName`, app.releaseName, 'expected a DNS label of at most 53 characters (Helm adds suffixes up to the 63-character limit)');
  p.check(app.namespace.length <= 63 && DNS_LABEL.test(app.namespace), `${at}.app.namespace`, app.namespace, 'expected a DNS label of at most 63 characters');
  p.intRange(`${at}.app.replicas`, app.replicas, 1, 50);
  p.check(IMAGE_TAG.test(app.imageTag) && app.imageTag !== 'latest', `${at}.app.imageTag`, app.imageTag, 'expected an immutable image tag (a version, never "latest")');
  if (app.host !== undefined) p.check(HOSTNAME.test(app.host), `${at}.app.host`, app.host, 'expected a DNS name such as api.example.com');
  for (const field of ['rootMessage', 'apiMessage'] as const) {
    p.check(app[field].length > 0 && app[field].length <= 256, `${at}.app.${field}`, app[field], 'expected 1 to 256 characters');
    // Strings reach cdk.tf.json as they are, where "${" and "%{" start Terraform expressions.
    p.check(!/[$%]\{/.test(app[field]), `${at}.app.${field}`, app[field], 'must not contain "${" or "%{" (Terraform would read them as an expression)', 'rephrase the message');
  }

  validatePlatformAddons(p, at, env);

  for (const [k, v] of Object.entries(env.tags))
    p.check(k.length <= 128 && v.length <= 256 && !k.startsWith('aws:'), `${at}.tags.${k}`, v, 'tag keys are at most 128 characters and may not start with "aws:", values at most 256');
}

/** Which chart each platform toggle installs; the chart's supported Kubernetes range applies while it is on. */
const CHART_OF_ADDON: Readonly<Record<AddonChart, (platform: EnvironmentConfig['platform']) => boolean>> = {
  awsLoadBalancerController: (platform) => platform.loadBalancerController.enabled,
  externalDns: (platform) => platform.externalDns.enabled,
  certManager: (platform) => platform.tls.mode === 'acme',
  externalSecrets: (platform) => platform.externalSecrets.enabled,
  kubePrometheusStack: (platform) => platform.observability.enabled,
};

/**
 * The cluster's Kubernetes minor against the support calendar (support-calendar.ts) on `today`: it
 * must be a minor EKS offers, still in standard support (the cluster's upgradePolicy is STANDARD, so
 * past that EKS upgrades it underneath the pinned version), within every enabled chart's supported
 * range, with EKS add-on versions published for it; and no pinned chart may be past its end of support.
 */
function validateKubernetesVersion(p: Problems, at: string, env: EnvironmentConfig, charts: PlatformConfig['charts'], today: Date): void {
  const { version, addons } = env.cluster;
  const field = `${at}.cluster.version`;
  const newest = newestStandardMinor(today);
  const upgrade = newest ? `set "${newest}", the newest minor in standard support, with add-on versions published for it (\`aws eks describe-addon-versions --kubernetes-version ${newest}\`)` : 'add the current minors to stacks/config/support-calendar.ts';
  const row = KUBERNETES_ON_EKS[version];
  if (!row) {
    p.check(false, field, version, `is not a Kubernetes minor in the support calendar (${Object.keys(KUBERNETES_ON_EKS).join(', ')})`, `${upgrade}, or add the minor with its EKS dates to stacks/config/support-calendar.ts`);
    return;
  }
  p.check(hasBegun(row.released, today), field, version, `is not offered by EKS before ${row.released}`, upgrade);
  p.check(
    !hasBegun(row.endOfStandardSupport, today),
    field,
    version,
    `left EKS standard support on ${row.endOfStandardSupport} (a new cluster is billed extended support, an existing one is upgraded by EKS underneath the pin)`,
    upgrade,
  );
  for (const [name, enabled] of Object.entries(CHART_OF_ADDON) as [AddonChart, (typeof CHART_OF_ADDON)[AddonChart]][]) {
    const pin = charts[name];
    if (!enabled(env.platform)) continue;
    p.check(
      supportsMinor(pin.support, version),
      field,
      version,
      `is outside what ${pin.chart} ${pin.version} supports (Kubernetes ${describeRange(pin.support)}; ${pin.source})`,
      `choose a minor in that range, or move charts.${name} to a release that supports ${version}`,
    );
  }
  p.check(
    addons.kubernetesVersion === version,
    `${at}.cluster.addons.kubernetesVersion`,
    addons.kubernetesVersion,
    `the EKS add-on versions were published for Kubernetes ${addons.kubernetesVersion}, but the cluster runs ${version}`,
    `use the versions of \`aws eks describe-addon-versions --kubernetes-version ${version}\` (EKS_ADDONS in stacks/config/environments.ts)`,
  );
  // kube-proxy is built per minor: its version names the minor it belongs to.
  const proxyMinor = /^v(\d+\.\d+)\./.exec(addons.kubeProxy)?.[1];
  if (proxyMinor)
    p.check(proxyMinor === version, `${at}.cluster.addons.kubeProxy`, addons.kubeProxy, `is kube-proxy for Kubernetes ${proxyMinor}, but the cluster runs ${version}`, `take the kube-proxy version for ${version} from \`aws eks describe-addon-versions --kubernetes-version ${version} --addon-name kube-proxy\``);
}

/** The platform-<env> add-ons, the DNS they publish to and what each needs from the rest. */
function validatePlatformAddons(p: Problems, at: string, env: EnvironmentConfig): void {
  const { dns, platform } = env;
  const needsDns = (field: string, value: unknown, what: string) =>
    p.check(dns !== undefined, field, value, `needs ${at}.dns (${what})`, `set ${at}.dns to a public hosted zone, or turn this off`);

  if (dns) {
    p.check(HOSTNAME.test(dns.domain), `${at}.dns.domain`, dns.domain, 'expected a DNS domain such as dev.example.com (lowercase, no trailing dot)');
    p.check(
      HOSTED_ZONE_ID.test(dns.hostedZoneId),
      `${at}.dns.hostedZoneId`,
      dns.hostedZoneId,
      'expected a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ',
      dns.hostedZoneId.startsWith('/hostedzone/') ? 'drop the "/hostedzone/" prefix' : 'copy the Id from `aws route53 list-hosted-zones-by-name --dns-name <domain>`',
    );
    const host = env.app.host;
    if (host !== undefined && HOSTNAME.test(dns.domain))
      p.check(
        host === dns.domain || host.endsWith(`.${dns.domain}`),
        `${at}.app.host`,
        host,
        `must be inside ${at}.dns.domain (${dns.domain}): ExternalDNS and the certificate only cover that zone`,
        `use a name such as api.${dns.domain}, or unset it for that default`,
      );
  }

  const { externalDns, tls, observability } = platform;
  p.check(['upsert-only', 'sync'].includes(externalDns.policy), `${at}.platform.externalDns.policy`, externalDns.policy, 'expected "upsert-only" or "sync"');
  if (externalDns.enabled) needsDns(`${at}.platform.externalDns.enabled`, externalDns.enabled, 'the zone ExternalDNS writes to');

  p.check(['none', 'acm', 'acme'].includes(tls.mode), `${at}.platform.tls.mode`, tls.mode, 'expected "acm", "acme" or "none"');
  if (tls.mode !== 'none') needsDns(`${at}.platform.tls.mode`, tls.mode, 'a host name and the zone the certificate is validated in');
  if (tls.mode === 'acm' && tls.certificateArn !== undefined)
    p.check(ACM_CERTIFICATE_ARN.test(tls.certificateArn), `${at}.platform.tls.certificateArn`, tls.certificateArn, 'expected an ACM certificate ARN', 'unset it to let the platform stack request one');
  if (tls.mode === 'acm' && tls.certificateArn !== undefined && ACM_CERTIFICATE_ARN.test(tls.certificateArn))
    p.check(tls.certificateArn.split(':')[3] === env.region, `${at}.platform.tls.certificateArn`, tls.certificateArn, `must be in ${env.region}: an ALB only uses certificates of its own region`);
  if (tls.mode === 'acme') {
    // The app's Ingress is always the AWS Load Balancer Controller's; an ALB takes certificates from
    // ACM only and ignores a Secret, so cert-manager's certificate would never be served.
    p.check(
      false,
      `${at}.platform.tls.mode`,
      tls.mode,
      'the app\'s Ingress is an ALB (helm/hono-api ingress.className "alb", the AWS Load Balancer Controller), which serves only ACM certificates and ignores a cert-manager Secret, so its HTTPS listener would fail',
      `set ${at}.platform.tls.mode to "acm" (the platform stack requests a DNS-validated ACM certificate)`,
    );
    p.check(EMAIL.test(tls.email), `${at}.platform.tls.email`, tls.email, 'expected the e-mail address Let\'s Encrypt sends expiry notices to');
    p.check(['production', 'staging'].includes(tls.server), `${at}.platform.tls.server`, tls.server, 'expected "production" or "staging" (Let\'s Encrypt\'s test CA, for trying things out)');
  }

  p.check(PROMETHEUS_DURATION.test(observability.retention), `${at}.platform.observability.retention`, observability.retention, 'expected a duration such as 12h, 15d or 4w');
  p.intRange(`${at}.platform.observability.retentionSizeGiB`, observability.retentionSizeGiB, 1, 500);
  p.check(['persistent', 'ephemeral'].includes(observability.storage), `${at}.platform.observability.storage`, observability.storage, 'expected "persistent" or "ephemeral"');
  observability.alertEmails.forEach((email, i) =>
    p.check(/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email), `${at}.platform.observability.alertEmails[${i}]`, email, 'expected an email address (SNS sends it a confirmation link)'),
  );
  const lb = platform.loadBalancerController;
  p.intRange(`${at}.platform.loadBalancerController.accessLogDays`, lb.accessLogDays, 1, 3650);
  if (env.name === 'prod')
    p.check(
      observability.storage === 'persistent',
      `${at}.platform.observability.storage`,
      observability.storage,
      'must be "persistent" in prod: on the node\'s disk, metrics, silences and Grafana\'s state are lost whenever a pod moves',
      'set it to "persistent" (EBS volumes of the gp3 StorageClass)',
    );
  if (OBSERVABILITY_REQUIRED.includes(env.name))
    p.check(observability.enabled, `${at}.platform.observability.enabled`, observability.enabled, `is required in ${OBSERVABILITY_REQUIRED.join(' and ')} (the service's alerts and dashboard live there)`, 'turn it on; only dev may run without it');
}

/**
 * Throws ConfigValidationError listing every problem; returns the config unchanged when valid.
 * `today` dates the support calendar's checks (tests freeze it).
 */
export function validatePlatformConfig(config: PlatformConfig, { today = new Date() }: { today?: Date } = {}): PlatformConfig {
  const p = new Problems();
  p.check(/^[a-z][a-z0-9-]{1,19}$/.test(config.project), 'project', config.project, 'expected 2 to 20 lowercase letters, digits or hyphens');
  p.check(BUCKET_NAME.test(config.state.bucketName), 'state.bucketName', config.state.bucketName, 'expected an S3 bucket name: 3 to 63 lowercase letters, digits or hyphens');
  p.region('state.region', config.state.region);
  p.intRange('state.noncurrentVersionExpirationDays', config.state.noncurrentVersionExpirationDays, 1, 3650);
  p.region('shared.region', config.shared.region);
  p.accountIds('shared.allowedAccountIds', config.shared.allowedAccountIds);
  p.check(/^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(config.shared.registry.repositoryName), 'shared.registry.repositoryName', config.shared.registry.repositoryName, 'expected an ECR repository name (lowercase)');
  p.intRange('shared.registry.keepReleaseImages', config.shared.registry.keepReleaseImages, 1, 1000);
  p.intRange('shared.registry.untaggedExpiryDays', config.shared.registry.untaggedExpiryDays, 1, 365);
  p.check(['create', 'existing'].includes(config.shared.github.oidcProvider), 'shared.github.oidcProvider', config.shared.github.oidcProvider, 'expected "create" (ci-identity creates the GitHub OIDC provider) or "existing" (the account has one: see `aws iam list-open-id-connect-providers`)');
  const { github } = config.shared;
  p.check(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(github.repository), 'shared.github.repository', github.repository, 'expected owner/name of a GitHub repository, as in its URL (the numeric ids go in shared.github.ids)');
  for (const key of ['owner', 'repository'] as const)
    p.check(
      Number.isSafeInteger(github.ids[key]) && github.ids[key] >= 0,
      `shared.github.ids.${key}`,
      github.ids[key],
      'expected GitHub\'s numeric id (0 while not filled in)',
      `read it with \`gh api repos/${github.repository} --jq '{owner: .owner.id, repository: .id}'\``,
    );
  p.check(typeof github.nameOnlySubject === 'boolean', 'shared.github.nameOnlySubject', github.nameOnlySubject, 'expected true or false');
  for (const [name, pin] of Object.entries(config.charts)) {
    p.check(
      EXACT_CHART_VERSION.test(pin.version),
      `charts.${name}.version`,
      pin.version,
      'expected an exact chart version such as 1.11.0 or v1.18.0 (never a range, a wildcard or "latest": a plan must install what was reviewed)',
    );
    if (pin.support.endOfSupport !== undefined)
      p.check(
        !hasBegun(pin.support.endOfSupport, today),
        `charts.${name}.version`,
        pin.version,
        `reached its upstream end of support on ${pin.support.endOfSupport} (${pin.source})`,
        `move to a supported release in stacks/config/charts.ts and update its support row`,
      );
    p.check(/^https:\/\/[^\s]+$/.test(pin.repository), `charts.${name}.repository`, pin.repository, 'expected an https chart repository URL');
    p.check(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(pin.chart), `charts.${name}.chart`, pin.chart, 'expected a chart name');
  }

  const entries = Object.entries(config.environments) as [string, EnvironmentConfig][];
  for (const [key, env] of entries) {
    // The prod-only rules (allowed CIDRs, no spot) key on the name, so a "production" would escape them.
    p.check((ENVIRONMENT_NAMES as readonly string[]).includes(key), `environments.${key}`, key, `unknown environment; expected one of ${ENVIRONMENT_NAMES.join(', ')}`);
    validateEnvironment(p, key, env, config, today);
  }

  // VPCs that may one day be peered or joined by a transit gateway must not overlap.
  for (let i = 0; i < entries.length; i++)
    for (let j = i + 1; j < entries.length; j++) {
      const [ka, a] = entries[i]!;
      const [kb, b] = entries[j]!;
      try {
        if (overlaps(parseCidr(a.network.vpcCidr), parseCidr(b.network.vpcCidr)))
          p.check(false, `environments.${kb}.network.vpcCidr`, b.network.vpcCidr, `overlaps environments.${ka}.network.vpcCidr (${a.network.vpcCidr})`, 'give every environment its own range');
      } catch {
        // already reported as an invalid CIDR
      }
    }

  if (p.list.length > 0) throw new ConfigValidationError(p.list);
  return config;
}

/**
 * Which environments to synthesise: a comma-separated list ("dev,prod"), "all" or empty for all.
 * An unknown name is an error that lists the known ones.
 */
export function selectEnvironments(selection: string | undefined, config: PlatformConfig): EnvironmentConfig[] {
  const known = Object.keys(config.environments);
  const wanted = !selection || selection.trim() === '' || selection.trim() === 'all' ? known : selection.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !known.includes(w));
  if (unknown.length > 0)
    throw new ConfigValidationError([
      `environments = ${JSON.stringify(selection)}: unknown environment ${unknown.map((u) => `"${u}"`).join(', ')} (fix: choose from ${known.join(', ')} or "all")`,
    ]);
  return wanted.map((w) => config.environments[w as EnvironmentName]);
}
