import { describe, expect, it } from 'vitest';
import { platformConfig, withMessages } from '../../../stacks/config/environments.js';
import type { EnvironmentConfig, PlatformConfig } from '../../../stacks/config/types.js';
import { ConfigValidationError, ENVIRONMENT_NAMES, validatePlatformConfig } from '../../../stacks/config/validate.js';
import { type DeepMutable, configWith } from '../support/platform.js';

/** The problems validatePlatformConfig reports for a config; fails if it accepts it. */
function problemsOf(config: PlatformConfig): readonly string[] {
  try {
    validatePlatformConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigValidationError);
    const problems = (err as ConfigValidationError).problems;
    // The message carries every problem, so main.ts prints them all.
    for (const p of problems) expect((err as Error).message).toContain(p);
    return problems;
  }
  throw new Error('expected the config to be rejected');
}

/** The one problem a change causes: it names the field path and shows the bad value. */
function expectProblem(mutate: (c: DeepMutable<PlatformConfig>) => void, field: string, value: unknown, detail?: RegExp): string {
  const problems = problemsOf(configWith(mutate));
  const matching = problems.filter((p) => p.startsWith(`${field} = `));
  expect(matching, `problems: ${problems.join(' | ')}`).toHaveLength(1);
  const problem = matching[0]!;
  expect(problem).toContain(`${field} = ${JSON.stringify(value)}`);
  if (detail) expect(problem).toMatch(detail);
  return problem;
}

describe('validatePlatformConfig', () => {
  it('accepts the real configuration and returns it unchanged', () => {
    expect(validatePlatformConfig(platformConfig)).toBe(platformConfig);
  });

  it('overlapping VPC CIDRs name both fields and both values', () => {
    const problem = expectProblem((c) => (c.environments.staging.network.vpcCidr = '10.10.0.0/16'), 'environments.staging.network.vpcCidr', '10.10.0.0/16');
    expect(problem).toContain('overlaps environments.dev.network.vpcCidr (10.10.0.0/16)');
  });

  it('a VPC inside another environment\'s VPC overlaps too', () => {
    expectProblem((c) => (c.environments.prod.network.vpcCidr = '10.20.16.0/20'), 'environments.prod.network.vpcCidr', '10.20.16.0/20', /overlaps environments\.staging\.network\.vpcCidr/);
  });

  it('minSize above maxSize', () => {
    expectProblem(
      (c) => Object.assign(c.environments.dev.cluster.nodes, { minSize: 5, desiredSize: 5, maxSize: 4 }),
      'environments.dev.cluster.nodes.minSize',
      5,
      /must not exceed maxSize \(4\)/,
    );
  });

  it('desiredSize outside [minSize, maxSize]', () => {
    expectProblem((c) => (c.environments.staging.cluster.nodes.desiredSize = 10), 'environments.staging.cluster.nodes.desiredSize', 10, /between minSize \(2\) and maxSize \(6\)/);
    expectProblem((c) => (c.environments.prod.cluster.nodes.desiredSize = 1), 'environments.prod.cluster.nodes.desiredSize', 1);
  });

  it('an environment that is not dev, staging or prod', () => {
    const problem = expectProblem(
      (c) => {
        const envs = c.environments as unknown as Record<string, DeepMutable<EnvironmentConfig>>;
        envs.qa = { ...structuredClone(envs.dev!), name: 'qa' as EnvironmentConfig['name'] };
        envs.qa.network.vpcCidr = '10.40.0.0/16';
      },
      'environments.qa',
      'qa',
    );
    for (const name of ENVIRONMENT_NAMES) expect(problem).toContain(name);
  });

  it('an environment whose name differs from its key', () => {
    expectProblem((c) => (c.environments.staging.name = 'prod'), 'environments.staging.name', 'prod', /expected "staging"/);
  });

  it('a public endpoint with no allowed CIDRs, in any environment (EKS would open it silently)', () => {
    for (const env of ['dev', 'prod'] as const)
      expectProblem(
        (c) => {
          c.environments[env].cluster.publicEndpoint = true;
          c.environments[env].cluster.publicAccessCidrs = [];
        },
        `environments.${env}.cluster.publicAccessCidrs`,
        [],
        /must not be empty while the public endpoint is on/,
      );
  });

  it('prod\'s public endpoint open to the whole internet (the default is no public endpoint in prod)', () => {
    expect(platformConfig.environments.prod.cluster.publicEndpoint).toBe(false);
    for (const open of [['0.0.0.0/0'], ['52.10.0.0/16', '0.0.0.0/0']])
      expectProblem(
        (c) => {
          c.environments.prod.cluster.publicEndpoint = true;
          c.environments.prod.cluster.publicAccessCidrs = open;
        },
        'environments.prod.cluster.publicAccessCidrs',
        open,
        /opens prod's public API endpoint to the whole internet \(fix: list the fixed public egress ranges .* or set cluster\.publicEndpoint to false/,
      );
    // dev and staging keep 0.0.0.0/0, explicitly, for GitHub-hosted runners.
    expect(platformConfig.environments.dev.cluster.publicAccessCidrs).toEqual(['0.0.0.0/0']);
  });

  it('prod with no allowed CIDRs is fine once the public endpoint is off', () => {
    expect(() =>
      validatePlatformConfig(
        configWith((c) => {
          c.environments.prod.cluster.publicAccessCidrs = [];
          c.environments.prod.cluster.publicEndpoint = false;
        }),
      ),
    ).not.toThrow();
  });

  // The endpoint sees the public address a request comes from: these entries would lock CI out.
  it.each([
    ['203.0.113.0/24', /documentation range \(RFC 5737/],
    ['198.51.100.7/32', /documentation range/],
    ['192.0.2.0/24', /documentation range/],
    ['10.0.0.0/8', /private-use space \(RFC 1918\)/],
    ['172.20.0.0/16', /private-use space/],
    ['192.168.1.0/24', /private-use space/],
    ['100.64.0.0/10', /carrier-grade NAT/],
    ['127.0.0.1/32', /loopback/],
  ])('an API allowlist entry that can never be a request\'s public source: %s', (cidr, why) => {
    expectProblem((c) => (c.environments.dev.cluster.publicAccessCidrs = ['0.0.0.0/0', cidr]), 'environments.dev.cluster.publicAccessCidrs[1]', cidr, why);
  });

  it('public ranges, 0.0.0.0/0 included, are accepted in the allowlist of dev and staging', () => {
    expect(() => validatePlatformConfig(configWith((c) => (c.environments.dev.cluster.publicAccessCidrs = ['0.0.0.0/0', '8.8.8.0/24', '52.0.0.0/8'])))).not.toThrow();
  });

  it('an admin principal twice, or one that is a CI role (EKS takes one access entry per principal)', () => {
    const admin = 'arn:aws:iam::123456789012:role/admin';
    expectProblem((c) => (c.environments.dev.cluster.adminPrincipalArns = [admin, admin]), 'environments.dev.cluster.adminPrincipalArns[1]', admin, /listed twice/);
    const ci = 'arn:aws:iam::123456789012:role/hono-api-ci-deploy-dev';
    expectProblem((c) => (c.environments.dev.cluster.adminPrincipalArns = [ci]), 'environments.dev.cluster.adminPrincipalArns[0]', ci, /is a CI role/);
  });

  it('prod observability on the node\'s disk (lost whenever a pod moves)', () => {
    expectProblem((c) => (c.environments.prod.platform.observability.storage = 'ephemeral'), 'environments.prod.platform.observability.storage', 'ephemeral', /must be "persistent" in prod.*fix: set it to "persistent"/);
    expect(() => validatePlatformConfig(configWith((c) => (c.environments.dev.platform.observability.storage = 'ephemeral')))).not.toThrow();
  });

  it('spot capacity in prod', () => {
    expectProblem((c) => (c.environments.prod.cluster.nodes.capacityType = 'SPOT'), 'environments.prod.cluster.nodes.capacityType', 'SPOT', /not allowed in prod.*fix: use ON_DEMAND/);
  });

  it('a Helm release name longer than 53 characters', () => {
    const name = 'a'.repeat(54);
    expectProblem((c) => (c.environments.dev.app.releaseName = name), 'environments.dev.app.releaseName', name, /53 characters/);
    expect(() => validatePlatformConfig(configWith((c) => (c.environments.dev.app.releaseName = 'a'.repeat(53))))).not.toThrow();
  });

  it('the "latest" image tag', () => {
    expectProblem((c) => (c.environments.prod.app.imageTag = 'latest'), 'environments.prod.app.imageTag', 'latest', /never "latest"/);
  });

  it.each([
    ['10.0.0.0', /not an IPv4 CIDR/],
    ['10.0.0.0/33', /not an IPv4 CIDR/],
    ['256.0.0.0/16', /not an IPv4 CIDR/],
    ['10.0.1.0/16', /host bits set; the network address is 10\.0\.0\.0\/16/],
  ])('a bad CIDR: %s', (cidr, detail) => {
    expectProblem((c) => (c.environments.dev.network.vpcCidr = cidr), 'environments.dev.network.vpcCidr', cidr, detail);
    expectProblem((c) => (c.environments.prod.cluster.publicAccessCidrs = [cidr]), 'environments.prod.cluster.publicAccessCidrs[0]', cidr, detail);
  });

  it('a VPC too large or too small for the subnet plan', () => {
    expectProblem((c) => (c.environments.dev.network.vpcCidr = '10.0.0.0/12'), 'environments.dev.network.vpcCidr', '10.0.0.0/12', /\/16 to \/20/);
    expectProblem((c) => (c.environments.dev.network.vpcCidr = '10.10.0.0/21'), 'environments.dev.network.vpcCidr', '10.10.0.0/21', /\/16 to \/20/);
  });

  it('a bad region', () => {
    expectProblem((c) => (c.environments.dev.region = 'eu-west'), 'environments.dev.region', 'eu-west', /AWS region/);
    expectProblem((c) => (c.shared.region = 'Europe'), 'shared.region', 'Europe');
    expectProblem((c) => (c.state.region = 'eu_west_1'), 'state.region', 'eu_west_1');
  });

  it('a bad account id', () => {
    expectProblem((c) => (c.shared.allowedAccountIds = ['123456789012', '12345']), 'shared.allowedAccountIds[1]', '12345', /12-digit/);
    expectProblem((c) => (c.environments.prod.allowedAccountIds = ['12345678901a']), 'environments.prod.allowedAccountIds[0]', '12345678901a');
    // One account per environment is not built: the CI roles live in the shared account.
    expectProblem(
      (c) => {
        c.shared.allowedAccountIds = ['111111111111'];
        c.environments.prod.allowedAccountIds = ['222222222222'];
      },
      'environments.prod.allowedAccountIds',
      ['222222222222'],
      /outside shared.allowedAccountIds \(111111111111\)[\s\S]*fix: list the shared account \(111111111111\)/,
    );
  });

  it('a plan recipient that is not an age public key, or one shared by two environments', () => {
    expectProblem((c) => (c.environments.dev.planRecipient = 'ssh-ed25519 AAAA'), 'environments.dev.planRecipient', 'ssh-ed25519 AAAA', /not an age public key[\s\S]*age-keygen -y dev-plan.key/);
    const key = 'age1tcjugg25sz3m36q25uk9lzz9erm9pfjf2meqw8spqpsg28nseauq2lwg8j';
    const problems = problemsOf(
      configWith((c) => {
        c.environments.dev.planRecipient = key;
        c.environments.prod.planRecipient = key;
      }),
    );
    expect(problems.filter((p) => p.includes('planRecipient'))).toEqual([
      expect.stringMatching(/^environments\.dev\.planRecipient = .* is also prod's: whoever may approve one of them could open the other's sealed plans/),
      expect.stringMatching(/^environments\.prod\.planRecipient = .* is also dev's/),
    ]);
    expect(() => validatePlatformConfig(configWith((c) => (c.environments.dev.planRecipient = key)))).not.toThrow();
  });

  it('a log retention CloudWatch does not offer', () => {
    expectProblem((c) => (c.environments.dev.network.flowLogRetentionDays = 15), 'environments.dev.network.flowLogRetentionDays', 15, /one of 1, 3, 5, 7, 14/);
    expectProblem((c) => (c.environments.prod.cluster.logRetentionDays = 0), 'environments.prod.cluster.logRetentionDays', 0);
  });

  it('a bad add-on version', () => {
    expectProblem((c) => (c.environments.dev.cluster.addons.coredns = 'latest'), 'environments.dev.cluster.addons.coredns', 'latest', /eksbuild/);
    expectProblem((c) => (c.environments.prod.cluster.addons.vpcCni = '1.19.5'), 'environments.prod.cluster.addons.vpcCni', '1.19.5');
  });

  it('AWS facts: the Service range, one region for registry and environments, the commercial partition only', () => {
    // 172.20.0.0/16 is the clusters' Service range (set explicitly; EKS's own pick is undocumented).
    expectProblem((c) => (c.environments.dev.network.vpcCidr = '172.20.0.0/16'), 'environments.dev.network.vpcCidr', '172.20.0.0/16', /Kubernetes Service range 172\.20\.0\.0\/16.*\(fix: choose a VPC range outside it/);
    expect(() => validatePlatformConfig(configWith((c) => (c.environments.dev.network.vpcCidr = '172.21.0.0/16')))).not.toThrow();
    expectProblem((c) => (c.environments.prod.region = 'us-east-1'), 'environments.prod.region', 'us-east-1', /differs from shared\.region \(eu-west-1\).*\(fix: use eu-west-1, or move shared\.region/);
    for (const region of ['us-gov-west-1', 'cn-north-1'])
      expectProblem(
        (c) => {
          c.shared.region = region;
          c.state.region = region;
          for (const env of Object.values(c.environments)) env.region = region;
        },
        'shared.region',
        region,
        /another AWS partition/,
      );
  });

  it('other fields: bucket name, project, repository, admin ARNs, instance types, tags', () => {
    expectProblem((c) => (c.state.bucketName = 'Bad_Bucket'), 'state.bucketName', 'Bad_Bucket');
    expectProblem((c) => (c.project = 'Hono API'), 'project', 'Hono API');
    expectProblem((c) => (c.shared.github.repository = 'no-owner'), 'shared.github.repository', 'no-owner');
    // The immutable subject's form goes in ids, never into the name.
    expectProblem((c) => (c.shared.github.repository = 'acme@11/platform@22'), 'shared.github.repository', 'acme@11/platform@22', /shared\.github\.ids/);
    expectProblem((c) => (c.shared.github.ids = { owner: -1, repository: 22 }), 'shared.github.ids.owner', -1, /gh api repos\/example\/hono-eks-platform --jq/);
    expectProblem((c) => (c.shared.github.ids = { owner: 11, repository: 2.5 }), 'shared.github.ids.repository', 2.5);
    expectProblem((c) => (c.environments.dev.cluster.adminPrincipalArns = ['arn:aws:iam::123456789012:user/alice']), 'environments.dev.cluster.adminPrincipalArns[0]', 'arn:aws:iam::123456789012:user/alice');
    expectProblem((c) => (c.environments.dev.cluster.nodes.instanceTypes = ['m7i large']), 'environments.dev.cluster.nodes.instanceTypes[0]', 'm7i large');
    expectProblem((c) => (c.environments.dev.tags = { 'aws:owner': 'me' }), 'environments.dev.tags.aws:owner', 'me');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(
      configWith((c) => {
        c.environments.prod.cluster.nodes.capacityType = 'SPOT';
        c.environments.prod.app.imageTag = 'latest';
        c.environments.dev.region = 'nowhere';
      }),
    );
    expect(problems).toHaveLength(3);
  });
});

describe('validatePlatformConfig: platform add-ons, DNS and chart versions', () => {
  it('a domain that is not a DNS name', () => {
    expectProblem((c) => (c.environments.dev.dns!.domain = 'Dev.Example.com'), 'environments.dev.dns.domain', 'Dev.Example.com', /DNS domain/);
    expectProblem((c) => (c.environments.staging.dns!.domain = 'staging.example.com.'), 'environments.staging.dns.domain', 'staging.example.com.', /no trailing dot/);
    expectProblem((c) => (c.environments.prod.dns!.domain = 'localhost'), 'environments.prod.dns.domain', 'localhost');
  });

  it('a hosted zone id that is not one, with the fix for the common /hostedzone/ prefix', () => {
    expectProblem((c) => (c.environments.dev.dns!.hostedZoneId = '/hostedzone/Z0123456789EXAMPLEDEV'), 'environments.dev.dns.hostedZoneId', '/hostedzone/Z0123456789EXAMPLEDEV', /fix: drop the "\/hostedzone\/" prefix/);
    expectProblem((c) => (c.environments.prod.dns!.hostedZoneId = 'z123abc'), 'environments.prod.dns.hostedZoneId', 'z123abc', /Route53 hosted zone id/);
    expectProblem((c) => (c.environments.staging.dns!.hostedZoneId = ''), 'environments.staging.dns.hostedZoneId', '');
  });

  it('an app host outside the environment\'s domain', () => {
    expectProblem((c) => (c.environments.dev.app.host = 'api.example.org'), 'environments.dev.app.host', 'api.example.org', /must be inside environments\.dev\.dns\.domain \(dev\.example\.com\)/);
    // A sibling sharing a suffix is not inside the zone either.
    expectProblem((c) => (c.environments.prod.app.host = 'api.notexample.com'), 'environments.prod.app.host', 'api.notexample.com');
    expect(() => validatePlatformConfig(configWith((c) => (c.environments.dev.app.host = 'hello.dev.example.com')))).not.toThrow();
  });

  it('ExternalDNS or TLS without a domain names the missing dns field', () => {
    const problems = problemsOf(configWith((c) => delete c.environments.dev.dns));
    expect(problems).toEqual([
      'environments.dev.platform.externalDns.enabled = true: needs environments.dev.dns (the zone ExternalDNS writes to) (fix: set environments.dev.dns to a public hosted zone, or turn this off)',
      'environments.dev.platform.tls.mode = "acm": needs environments.dev.dns (a host name and the zone the certificate is validated in) (fix: set environments.dev.dns to a public hosted zone, or turn this off)',
    ]);
    expect(() =>
      validatePlatformConfig(
        configWith((c) => {
          delete c.environments.dev.dns;
          c.environments.dev.platform.externalDns.enabled = false;
          c.environments.dev.platform.tls = { mode: 'none' };
        }),
      ),
    ).not.toThrow();
  });

  it('ExternalDNS policy and TLS mode must be known', () => {
    expectProblem((c) => ((c.environments.dev.platform.externalDns as { policy: string }).policy = 'create-only'), 'environments.dev.platform.externalDns.policy', 'create-only', /"upsert-only" or "sync"/);
    expectProblem((c) => ((c.shared.github as { oidcProvider: string }).oidcProvider = 'lookup'), 'shared.github.oidcProvider', 'lookup', /"create".*"existing".*list-open-id-connect-providers/);
    expectProblem((c) => ((c.environments.dev.platform.tls as { mode: string }).mode = 'letsencrypt'), 'environments.dev.platform.tls.mode', 'letsencrypt', /"acm", "acme" or "none"/);
  });

  it('ACME is refused while the app is served by an ALB, naming both settings and the fix', () => {
    expectProblem(
      (c) => (c.environments.dev.platform.tls = { mode: 'acme', email: 'ops@example.com', server: 'production' }),
      'environments.dev.platform.tls.mode',
      'acme',
      /ingress\.className "alb".*only ACM certificates.*set environments\.dev\.platform\.tls\.mode to "acm"/,
    );
  });

  it('ACME needs an e-mail address and a known server', () => {
    expectProblem((c) => (c.environments.dev.platform.tls = { mode: 'acme', email: 'nobody', server: 'production' }), 'environments.dev.platform.tls.email', 'nobody', /e-mail/);
    expectProblem(
      (c) => (c.environments.dev.platform.tls = { mode: 'acme', email: 'ops@example.com', server: 'prod' as 'production' }),
      'environments.dev.platform.tls.server',
      'prod',
      /"production" or "staging"/,
    );
  });

  it('an ACM certificate ARN must be one, in the environment\'s region', () => {
    expectProblem((c) => (c.environments.prod.platform.tls = { mode: 'acm', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:cert/x' }), 'environments.prod.platform.tls.certificateArn', 'arn:aws:acm:eu-west-1:123456789012:cert/x', /ACM certificate ARN/);
    const usEast = 'arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100';
    expectProblem((c) => (c.environments.prod.platform.tls = { mode: 'acm', certificateArn: usEast }), 'environments.prod.platform.tls.certificateArn', usEast, /must be in eu-west-1/);
  });

  it('observability: a Prometheus retention, a size, and on in staging and prod', () => {
    expectProblem((c) => (c.environments.dev.platform.observability.retention = '15 days'), 'environments.dev.platform.observability.retention', '15 days', /12h, 15d or 4w/);
    expectProblem((c) => (c.environments.dev.platform.observability.retentionSizeGiB = 0), 'environments.dev.platform.observability.retentionSizeGiB', 0, /from 1 to 500/);
    expectProblem((c) => (c.environments.dev.platform.observability.alertEmails = ['oncall@example.com', 'oncall']), 'environments.dev.platform.observability.alertEmails[1]', 'oncall', /an email address/);
    expectProblem((c) => (c.environments.staging.cluster.logTypes = ['api']), 'environments.staging.cluster.logTypes', ['api'], /must include "audit"/);
    expectProblem((c) => (c.environments.dev.network.flowLogAggregationSeconds = 300 as 600), 'environments.dev.network.flowLogAggregationSeconds', 300, /60 or 600/);
    expectProblem((c) => (c.environments.prod.platform.loadBalancerController.accessLogDays = 0), 'environments.prod.platform.loadBalancerController.accessLogDays', 0, /from 1 to 3650/);
    expectProblem((c) => (c.environments.prod.platform.observability.enabled = false), 'environments.prod.platform.observability.enabled', false, /required in staging and prod.*only dev may run without it/);
    expectProblem((c) => (c.environments.staging.platform.observability.enabled = false), 'environments.staging.platform.observability.enabled', false);
    expect(() => validatePlatformConfig(configWith((c) => (c.environments.dev.platform.observability.enabled = false)))).not.toThrow();
  });

  it.each(['^1.19.0', '~1.19', '1.x', '*', 'latest', '>=1.0.0', '1.19', ''])('a chart version that is not exact: %j', (version) => {
    expectProblem((c) => (c.charts.externalDns.version = version), 'charts.externalDns.version', version, /exact chart version/);
  });

  it('accepts exact chart versions with or without the v prefix, and pre-releases', () => {
    for (const version of ['1.19.0', 'v1.18.0', '0.19.2', '2.0.0-rc.1'])
      expect(() => validatePlatformConfig(configWith((c) => (c.charts.certManager.version = version))), version).not.toThrow();
  });

  it('a chart repository must be https, a chart name a name', () => {
    expectProblem((c) => (c.charts.kubePrometheusStack.repository = 'http://prometheus-community.github.io/helm-charts'), 'charts.kubePrometheusStack.repository', 'http://prometheus-community.github.io/helm-charts', /https/);
    expectProblem((c) => (c.charts.externalSecrets.chart = 'External Secrets'), 'charts.externalSecrets.chart', 'External Secrets');
  });
});

describe('app message overrides', () => {
  it('withMessages sets the messages in every environment; empty values keep the configured ones', () => {
    const changed = withMessages(platformConfig, { rootMessage: 'Hi from ops', apiMessage: '' });
    for (const env of Object.values(changed.environments)) {
      expect(env.app.rootMessage).toBe('Hi from ops');
      expect(env.app.apiMessage).toBe(platformConfig.environments[env.name].app.apiMessage);
    }
    expect(withMessages(platformConfig, {})).toBe(platformConfig);
  });

  it('rejects a message that Terraform would read as an expression', () => {
    expect(() => validatePlatformConfig(withMessages(platformConfig, { rootMessage: 'costs ${var.x}' }))).toThrow(
      /environments\.dev\.app\.rootMessage = "costs \$\{var\.x\}": must not contain "\$\{"/,
    );
  });
});
