import { describe, expect, it } from 'vitest';
import type { EnvironmentName } from '../../stacks/config/types.js';
import { ENVIRONMENTS, configWith, envConfig, synthPlatform } from './support/platform.js';
import { CLUSTER_KEY_ACTIONS } from '../../stacks/constructs/eks-cluster.js';
import { decodeEncoded } from './support/hcl.js';
import { ACCOUNT, type PolicyDocument, REGION, decide, managedPolicy } from './support/iam-evaluate.js';
import { type Found, type TfJson, at, deref, list, only, ref, resources } from './support/tfjson.js';

const platform = synthPlatform();

const addon = (json: TfJson, name: string): Found => {
  const found = resources(json, 'aws_eks_addon').filter((a) => a.attrs.addon_name === name);
  expect(found, `add-on ${name}`).toHaveLength(1);
  return found[0]!;
};

/** The aws_subnets data source a `${data.aws_subnets.x.ids}` reference reads, and the tier it filters on. */
function subnetLookup(json: TfJson, reference: unknown) {
  const lookup = deref(json, reference);
  expect(lookup.address).toMatch(/^data\.aws_subnets\./);
  expect(lookup.attr).toBe('ids');
  const filters = list(lookup.attrs.filter) as { name: string; values: string[] }[];
  return { lookup, tier: filters.find((f) => f.name === 'tag:tier')?.values, vpc: filters.find((f) => f.name === 'vpc-id')?.values };
}

function ingressRule(json: TfJson, port: number, protocol: string, to: Found, from: Found): Found[] {
  return resources(json, 'aws_vpc_security_group_ingress_rule').filter(
    (r) =>
      r.attrs.from_port === port &&
      r.attrs.to_port === port &&
      r.attrs.ip_protocol === protocol &&
      r.attrs.security_group_id === ref(to, 'id') &&
      r.attrs.referenced_security_group_id === ref(from, 'id'),
  );
}

describe.each(ENVIRONMENTS as EnvironmentName[])('cluster-%s', (env) => {
  const json = platform.json(`cluster-${env}`);
  const cfg = envConfig(env).cluster;
  const cluster = only(json, 'aws_eks_cluster');
  const nodeGroup = only(json, 'aws_eks_node_group');
  const vpcConfig = at(cluster.attrs, 'vpc_config', 0);

  it('is named and versioned from the config', () => {
    expect(cluster.attrs).toMatchObject({ name: `hono-api-${env}`, version: cfg.version });
  });

  it('envelope-encrypts Kubernetes secrets with a rotating KMS key', () => {
    const encryption = list(cluster.attrs.encryption_config);
    expect(encryption).toHaveLength(1);
    expect(at(encryption[0], 'resources')).toEqual(['secrets']);
    const key = deref(json, at(encryption[0], 'provider', 0, 'key_arn'));
    expect(key.type).toBe('aws_kms_key');
    expect(key.attrs.enable_key_rotation).toBe(true);
  });

  it('lets the cluster role use its secrets key, as EKS\'s periodic key check needs, and no other key (judged by the IAM evaluator)', async () => {
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/secrets-key`;
    const keyRef = String(at(list(cluster.attrs.encryption_config)[0], 'provider', 0, 'key_arn'));
    const role = deref(json, cluster.attrs.role_arn);
    // The role's policies as synthesised, with the key's ARN where Terraform would put it.
    const inline = resources(json, 'aws_iam_role_policy')
      .filter((p) => p.attrs.role === ref(role, 'id'))
      .map((p) => JSON.parse(JSON.stringify(decodeEncoded(p.attrs.policy)).split(keyRef).join(keyArn)) as PolicyDocument);
    const principal = { name: String(role.attrs.name), identity: [...inline, managedPolicy('AmazonEKSClusterPolicy')] };
    // KMS asks the key policy too: this key's delegates to IAM; another key's is the same.
    const keyPolicy = JSON.parse(
      JSON.stringify(decodeEncoded(deref(json, keyRef).attrs.policy))
        .replace(/\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}/g, ACCOUNT)
        .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, 'aws')
        .replace(/\$\{data\.aws_region\.[\w-]+\.name\}/g, REGION),
    ) as PolicyDocument;
    for (const action of CLUSTER_KEY_ACTIONS) expect(await decide(principal, { action, resource: keyArn, resourcePolicy: keyPolicy }), action).toBe('Allowed');
    // (AmazonEKSClusterPolicy itself allows kms:DescribeKey on every key; the rest only on this one.)
    for (const action of CLUSTER_KEY_ACTIONS.filter((a) => a !== 'kms:DescribeKey'))
      expect(await decide(principal, { action, resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/another-key`, resourcePolicy: keyPolicy }), action).toBe('ImplicitlyDenied');
    expect(cluster.attrs.depends_on).toContain(resources(json, 'aws_iam_role_policy').find((p) => p.attrs.role === ref(role, 'id'))!.address);
  });

  it('sends the configured control-plane logs (audit always) to a KMS-encrypted log group with retention, created first', () => {
    expect(cluster.attrs.enabled_cluster_log_types).toEqual([...envConfig(env).cluster.logTypes]);
    expect(cluster.attrs.enabled_cluster_log_types).toContain('audit');
    const group = only(json, 'aws_cloudwatch_log_group');
    expect(group.attrs.name).toBe(`/aws/eks/hono-api-${env}/cluster`);
    expect(group.attrs.retention_in_days).toBe(cfg.logRetentionDays);
    expect(deref(json, group.attrs.kms_key_id).attrs.enable_key_rotation).toBe(true);
    expect(cluster.attrs.depends_on).toContain(group.address);
  });

  it('has the private endpoint on and the public one, where on, limited to the configured CIDRs (prod: off)', () => {
    expect(at(vpcConfig, 'endpoint_private_access')).toBe(true);
    expect(at(vpcConfig, 'endpoint_public_access')).toBe(cfg.publicEndpoint);
    expect(cfg.publicEndpoint).toBe(env !== 'prod');
    if (!cfg.publicEndpoint) return expect(at(vpcConfig, 'public_access_cidrs')).toBeUndefined();
    expect(at(vpcConfig, 'public_access_cidrs')).toEqual(cfg.publicAccessCidrs);
    // Never empty: EKS would read that as the whole internet without anyone having written it.
    expect(cfg.publicAccessCidrs.length).toBeGreaterThan(0);
  });

  it('uses access entries only: authentication mode API, no implicit admin for the creator', () => {
    expect(at(cluster.attrs, 'access_config', 0)).toEqual({ authentication_mode: 'API', bootstrap_cluster_creator_admin_permissions: false });
  });

  it('gives this environment\'s CI deploy role cluster admin and the main-branch plan role admin view, through access entries; the pull-request plan role none', () => {
    const entries = resources(json, 'aws_eks_access_entry');
    const policyOf = (role: string) => {
      const entry = entries.filter((e) => String(e.attrs.principal_arn).endsWith(`:role/${role}`));
      expect(entry, role).toHaveLength(1);
      expect(entry[0]!.attrs).toMatchObject({ cluster_name: ref(cluster, 'name'), type: 'STANDARD' });
      const assoc = resources(json, 'aws_eks_access_policy_association').filter((a) => a.attrs.principal_arn === ref(entry[0]!, 'principal_arn'));
      expect(assoc).toHaveLength(1);
      expect(at(assoc[0]!.attrs, 'access_scope', 0, 'type')).toBe('cluster');
      return String(assoc[0]!.attrs.policy_arn).split('/').pop();
    };
    expect(policyOf(`hono-api-ci-deploy-${env}`)).toBe('AmazonEKSClusterAdminPolicy');
    expect(policyOf('hono-api-ci-plan')).toBe('AmazonEKSAdminViewPolicy');
    expect(entries.filter((e) => new RegExp(`:role/hono-api-ci-(pr-plan|deploy-(?!${env}$))`).test(String(e.attrs.principal_arn)))).toEqual([]);
    expect(entries).toHaveLength(2 + cfg.adminPrincipalArns.length);
  });

  it('creates no IAM OIDC provider for IRSA: every add-on role uses Pod Identity, so one would be dead weight', () => {
    expect(resources(json, 'aws_iam_openid_connect_provider')).toEqual([]);
    expect(JSON.stringify(platform.json(`platform-${env}`))).not.toMatch(/eks\.amazonaws\.com\/role-arn/);
  });

  it('tags exactly one security group of the node ENIs kubernetes.io/cluster/<name> (the AWS Load Balancer Controller refuses two)', () => {
    // EKS tags the cluster security group it creates (`…clusterSecurityGroupId`) with
    // kubernetes.io/cluster/<name>=owned; any other group on the same ENI must not carry the key.
    const template = deref(json, at(nodeGroup.attrs, 'launch_template', 0, 'id'));
    const groups = list(template.attrs.vpc_security_group_ids) as string[];
    const tagged = groups.filter((g) => {
      if (g === ref(cluster, 'vpc_config[0].cluster_security_group_id')) return true;
      const group = deref(json, g);
      return Object.keys((group.attrs.tags ?? {}) as Record<string, string>).some((k) => k.startsWith('kubernetes.io/cluster/'));
    });
    expect(groups.length).toBeGreaterThan(1);
    expect(tagged).toHaveLength(1);
  });

  it('installs the six managed add-ons at the configured versions, in dependency order', () => {
    const versions = {
      'vpc-cni': cfg.addons.vpcCni,
      'kube-proxy': cfg.addons.kubeProxy,
      'eks-pod-identity-agent': cfg.addons.podIdentityAgent,
      coredns: cfg.addons.coredns,
      'metrics-server': cfg.addons.metricsServer,
      'aws-ebs-csi-driver': cfg.addons.ebsCsiDriver,
    };
    expect(resources(json, 'aws_eks_addon').map((a) => a.attrs.addon_name).sort()).toEqual(Object.keys(versions).sort());
    for (const [name, version] of Object.entries(versions)) {
      expect(addon(json, name).attrs).toMatchObject({ addon_version: version, cluster_name: ref(cluster, 'name') });
    }
    // Pods need nodes; nodes need networking before they turn Ready.
    for (const name of ['coredns', 'metrics-server', 'aws-ebs-csi-driver']) expect(addon(json, name).attrs.depends_on, name).toContain(nodeGroup.address);
    for (const name of ['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent']) expect(nodeGroup.attrs.depends_on, name).toContain(addon(json, name).address);
    expect(addon(json, 'vpc-cni').attrs.depends_on ?? []).not.toContain(nodeGroup.address);
  });

  it('gives the EBS CSI controller AWS\'s EBS CSI policy through Pod Identity, bound to its service account and the workload boundary, before the add-on starts', () => {
    const association = resources(json, 'aws_eks_pod_identity_association').find((a) => a.attrs.service_account === 'ebs-csi-controller-sa');
    expect(association?.attrs).toMatchObject({ namespace: 'kube-system', cluster_name: ref(cluster, 'name') });
    const role = deref(json, association!.attrs.role_arn);
    expect(role.attrs.name).toBe(`hono-api-${env}-ebs-csi-driver`);
    expect(role.attrs.permissions_boundary).toBeDefined();
    const attachments = resources(json, 'aws_iam_role_policy_attachment').filter((a) => a.attrs.role === ref(role, 'name'));
    expect(attachments.map((a) => String(a.attrs.policy_arn).replace(/^arn:\$\{[^}]+\}/, 'arn:PARTITION'))).toEqual(['arn:PARTITION:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy']);
    const dependsOn = addon(json, 'aws-ebs-csi-driver').attrs.depends_on as string[];
    expect(dependsOn).toContain(association!.address);
    for (const a of attachments) expect(dependsOn).toContain(a.address);
  });

  it('has the VPC CNI enforce NetworkPolicies (off by default on EKS, which would leave the chart\'s default-deny inert)', () => {
    const config = JSON.parse(String(addon(json, 'vpc-cni').attrs.configuration_values ?? '{}')) as Record<string, unknown>;
    expect(config.enableNetworkPolicy).toBe('true');
  });

  it('launches nodes from a template requiring IMDSv2 with hop limit 1 and an encrypted root volume', () => {
    const template = deref(json, at(nodeGroup.attrs, 'launch_template', 0, 'id'));
    expect(template.type).toBe('aws_launch_template');
    expect(at(template.attrs, 'metadata_options', 0)).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1, http_endpoint: 'enabled' });
    const volumes = list(template.attrs.block_device_mappings);
    expect(volumes.length).toBeGreaterThan(0);
    for (const v of volumes) expect(at(v, 'ebs', 0)).toMatchObject({ encrypted: 'true', volume_type: 'gp3', volume_size: cfg.nodes.diskSizeGiB });
  });

  it('leaves EC2 detailed monitoring off (billed per instance; node-exporter samples the nodes), as configured', () => {
    const template = deref(json, at(nodeGroup.attrs, 'launch_template', 0, 'id'));
    expect(at(template.attrs, 'monitoring', 0, 'enabled')).toBe(false);
    expect(cfg.nodes.detailedMonitoring).toBe(false);
  });

  it('runs Amazon Linux 2023 nodes with the configured capacity type, instance types and sizes', () => {
    expect(nodeGroup.attrs.ami_type).toBe('AL2023_x86_64_STANDARD');
    expect(nodeGroup.attrs.capacity_type).toBe(env === 'dev' ? 'SPOT' : 'ON_DEMAND');
    expect(nodeGroup.attrs.capacity_type).toBe(cfg.nodes.capacityType);
    expect(nodeGroup.attrs.instance_types).toEqual(cfg.nodes.instanceTypes);
    expect(at(nodeGroup.attrs, 'scaling_config', 0)).toEqual({ min_size: cfg.nodes.minSize, desired_size: cfg.nodes.desiredSize, max_size: cfg.nodes.maxSize });
    // Nothing else moves the desired size, so Terraform must not ignore it (a hand change is drift).
    expect(at(nodeGroup.attrs, 'lifecycle', 'ignore_changes')).toBeUndefined();
  });

  it('puts nodes in the private subnets and the control plane in the intra subnets, found by tags in the named VPC', () => {
    const nodes = subnetLookup(json, nodeGroup.attrs.subnet_ids);
    expect(nodes.tier).toEqual(['private']);
    const controlPlane = subnetLookup(json, at(vpcConfig, 'subnet_ids'));
    expect(controlPlane.tier).toEqual(['intra']);
    const vpc = only(json, 'aws_vpc', 'data');
    expect(list(vpc.attrs.filter)).toEqual([{ name: 'tag:Name', values: [`hono-api-${env}`] }]);
    for (const lookup of [nodes, controlPlane]) expect(lookup.vpc).toEqual([ref(vpc, 'id')]);
  });

  it('opens exactly the node/control-plane paths EKS needs', () => {
    const clusterSg = deref(json, list(at(vpcConfig, 'security_group_ids'))[0]);
    const nodeSgs = resources(json, 'aws_security_group').filter((s) => s.address !== clusterSg.address);
    expect(nodeSgs).toHaveLength(1);
    const nodeSg = nodeSgs[0]!;
    expect(ingressRule(json, 443, 'tcp', clusterSg, nodeSg), 'API server from nodes').toHaveLength(1);
    expect(ingressRule(json, 10250, 'tcp', nodeSg, clusterSg), 'kubelet from the control plane').toHaveLength(1);
    expect(ingressRule(json, 53, 'tcp', nodeSg, nodeSg), 'DNS/TCP between nodes').toHaveLength(1);
    expect(ingressRule(json, 53, 'udp', nodeSg, nodeSg), 'DNS/UDP between nodes').toHaveLength(1);
    // No ingress rule is open to an address range; every one references a security group.
    for (const r of resources(json, 'aws_vpc_security_group_ingress_rule')) {
      expect(r.attrs.cidr_ipv4, r.address).toBeUndefined();
      expect(r.attrs.referenced_security_group_id, r.address).toBeDefined();
    }
  });

  it('names its IAM roles under the environment prefix the deploy role may manage', () => {
    for (const r of resources(json, 'aws_iam_role')) expect(String(r.attrs.name)).toMatch(new RegExp(`^hono-api-${env}-`));
  });
});

describe('cluster variants', () => {
  it('a prod allowlist of real public ranges reaches the cluster as configured, and dev runs spot', () => {
    const narrowed = synthPlatform({
      environments: 'prod',
      config: configWith((c) => {
        c.environments.prod.cluster.publicEndpoint = true;
        c.environments.prod.cluster.publicAccessCidrs = ['52.10.0.0/16', '3.4.5.6/32'];
      }),
    });
    expect(at(only(narrowed.json('cluster-prod'), 'aws_eks_cluster').attrs, 'vpc_config', 0, 'public_access_cidrs')).toEqual(['52.10.0.0/16', '3.4.5.6/32']);
    expect(only(platform.json('cluster-dev'), 'aws_eks_node_group').attrs.capacity_type).toBe('SPOT');
    expect(only(platform.json('cluster-prod'), 'aws_eks_node_group').attrs.capacity_type).toBe('ON_DEMAND');
  });

  it('with the public endpoint off, sets no public CIDRs', () => {
    const json = synthPlatform({
      environments: 'prod',
      config: configWith((c) => {
        c.environments.prod.cluster.publicEndpoint = false;
        c.environments.prod.cluster.publicAccessCidrs = [];
      }),
    }).json('cluster-prod');
    const vpcConfig = at(only(json, 'aws_eks_cluster').attrs, 'vpc_config', 0);
    expect(at(vpcConfig, 'endpoint_public_access')).toBe(false);
    expect(at(vpcConfig, 'endpoint_private_access')).toBe(true);
    expect(at(vpcConfig, 'public_access_cidrs')).toBeUndefined();
  });

  it('adds an admin access entry per configured admin principal', () => {
    const admin = 'arn:aws:iam::123456789012:role/sso-admin';
    const json = synthPlatform({ environments: 'dev', config: configWith((c) => (c.environments.dev.cluster.adminPrincipalArns = [admin])) }).json('cluster-dev');
    const entry = resources(json, 'aws_eks_access_entry').filter((e) => e.attrs.principal_arn === admin);
    expect(entry).toHaveLength(1);
    const assoc = resources(json, 'aws_eks_access_policy_association').filter((a) => a.attrs.principal_arn === ref(entry[0]!, 'principal_arn'));
    expect(String(assoc[0]?.attrs.policy_arn)).toMatch(/\/AmazonEKSClusterAdminPolicy$/);
  });

  it('picks the ARM AMI for Graviton-only instance types', () => {
    const json = synthPlatform({
      environments: 'dev',
      config: configWith((c) => (c.environments.dev.cluster.nodes.instanceTypes = ['m7g.large', 't4g.large'])),
    }).json('cluster-dev');
    expect(only(json, 'aws_eks_node_group').attrs.ami_type).toBe('AL2023_ARM_64_STANDARD');
  });
});
