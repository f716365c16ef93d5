/**
 * Our secure defaults, enforced at synth time: a stack that breaks one does not synthesise, and the
 * error lists every violation with the resource and the fix.
 *
 * The rules read each resource's Terraform attributes (as they will be written to JSON), so they
 * hold however the resource was built, by our constructs or by hand in a fork.
 */
import { DefaultTokenResolver, type IAspect, StringConcat, TerraformResource, TerraformStack, Tokenization } from 'cdktf';
import type { IConstruct } from 'constructs';
import { ELB_LOG_DELIVERY } from './load-balancer-log-bucket.js';

export interface PolicyContext {
  /** Environment name, or "shared" for account-wide stacks. */
  readonly environment: string;
  /** Every IAM role must carry a permissions boundary (environment stacks). */
  readonly requireRoleBoundary?: boolean;
}

interface ResourceView {
  readonly type: string;
  readonly id: string;
  readonly path: string;
  readonly attrs: Record<string, unknown>;
}

export type PolicyRule = (resource: ResourceView, all: readonly ResourceView[], ctx: PolicyContext) => string | undefined;

export class PolicyViolationError extends Error {
  constructor(readonly stackName: string, readonly violations: readonly string[]) {
    super(`stack "${stackName}" breaks the platform's security policy:\n${violations.map((v) => `  - ${v}`).join('\n')}`);
    this.name = 'PolicyViolationError';
  }
}

/** Single nested blocks synthesise as objects, repeated ones as arrays; rules see a list either way. */
const blocks = (value: unknown): Record<string, unknown>[] =>
  (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]) as Record<string, unknown>[];

const first = (value: unknown): Record<string, unknown> => blocks(value)[0] ?? {};

/** Does `value` (a resolved reference such as "${aws_s3_bucket.state.id}") point at `resource`? */
const refersTo = (value: unknown, resource: ResourceView) =>
  typeof value === 'string' && value.includes(`${resource.type}.${resource.id}.`);

const OPEN_CIDRS = ['0.0.0.0/0', '::/0'];
const OPEN_INGRESS_FIX = 'fix: allow a source security group or a known CIDR; internet traffic enters through a load balancer';

export const RULES: Readonly<Record<string, PolicyRule>> = {
  aws_iam_role: (r, _all, ctx) =>
    ctx.requireRoleBoundary && !r.attrs.permissions_boundary
      ? `IAM role ${r.path} has no permissions boundary, so the deploy role could not create it (fix: build the stack on AwsStack with boundRoles, or set permissions_boundary to the workload boundary)`
      : undefined,
  aws_s3_bucket: (r, all) => {
    const related = (type: string) => all.filter((o) => o.type === type && refersTo(o.attrs.bucket, r));
    const missing = [
      ['aws_s3_bucket_public_access_block', 'a public access block'],
      ['aws_s3_bucket_server_side_encryption_configuration', 'default encryption'],
      ['aws_s3_bucket_versioning', 'versioning'],
      ['aws_s3_bucket_ownership_controls', 'ownership controls'],
    ].filter(([type]) => related(type!).length === 0);
    return missing.length ? `S3 bucket ${r.path} is missing ${missing.map((m) => m[1]).join(', ')} (fix: use the SecureBucket construct or add them)` : undefined;
  },
  aws_s3_bucket_public_access_block: (r) => {
    const flags = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
    const off = flags.filter((f) => r.attrs[f] !== true);
    return off.length ? `public access block ${r.path} leaves ${off.join(', ')} off (fix: set all four to true)` : undefined;
  },
  aws_s3_bucket_server_side_encryption_configuration: (r, all) => {
    const algo = first(first(blocks(r.attrs.rule)[0]?.apply_server_side_encryption_by_default)).sse_algorithm;
    if (algo === 'aws:kms' || algo === 'aws:kms:dsse') return undefined;
    // ALB access logs support SSE-S3 only: allowed for a bucket whose policy grants ELB log delivery.
    const receivesAlbLogs = all.some((o) => o.type === 'aws_s3_bucket_policy' && o.attrs.bucket === r.attrs.bucket && String(o.attrs.policy).includes(ELB_LOG_DELIVERY));
    return algo === 'AES256' && receivesAlbLogs ? undefined : `bucket encryption ${r.path} uses ${String(algo)} (fix: use aws:kms with a customer-managed key)`;
  },
  helm_release: (r) => {
    // The app's Ingress becomes an ALB that no scanner sees (the controller creates it): the release
    // must ask for the hardening Security Hub checks (ELB.4 invalid headers dropped, ELB.5 access logs).
    // Documents with Terraform references are yamlencode() expressions, not JSON: judged as text.
    const documents = ((r.attrs.values as string[] | undefined) ?? []).map(String);
    const ingress = Object.assign(
      {},
      ...documents.map((v) => {
        try {
          return (JSON.parse(v) as { ingress?: object }).ingress ?? {};
        } catch {
          return {};
        }
      }),
    ) as { enabled?: boolean; className?: string };
    if (ingress.enabled !== true || (ingress.className ?? 'alb') !== 'alb') return undefined;
    const text = documents.join('\n');
    const missing = [
      ['routing.http.drop_invalid_header_fields.enabled=true', 'invalid header fields dropped'],
      ['access_logs.s3.enabled=true', 'access logs'],
      ['alb.ingress.kubernetes.io/ssl-policy', 'a TLS policy (alb.ingress.kubernetes.io/ssl-policy)'],
    ].filter(([needle]) => !text.includes(needle!));
    return missing.length
      ? `Helm release ${r.path} creates an ALB without ${missing.map((m) => m[1]).join(', ')} (fix: set ingress.annotations as chartValues does: alb.ingress.kubernetes.io/load-balancer-attributes and ssl-policy)`
      : undefined;
  },
  aws_kms_key: (r) => (r.attrs.enable_key_rotation === true ? undefined : `KMS key ${r.path} has rotation off (fix: enable_key_rotation = true)`),
  aws_cloudwatch_log_group: (r) => {
    if (!r.attrs.kms_key_id) return `log group ${r.path} is not encrypted with a KMS key (fix: set kms_key_id)`;
    if (!r.attrs.retention_in_days) return `log group ${r.path} keeps logs forever (fix: set retention_in_days)`;
    return undefined;
  },
  aws_ecr_repository: (r) => {
    const problems = [];
    if (r.attrs.image_tag_mutability !== 'IMMUTABLE') problems.push('mutable image tags (fix: image_tag_mutability = "IMMUTABLE")');
    if (first(r.attrs.encryption_configuration).encryption_type !== 'KMS') problems.push('no KMS encryption (fix: encryption_type = "KMS")');
    if (first(r.attrs.image_scanning_configuration).scan_on_push !== true) problems.push('no scan on push (fix: image_scanning_configuration.scan_on_push = true)');
    return problems.length ? `ECR repository ${r.path} has ${problems.join('; ')}` : undefined;
  },
  aws_eks_cluster: (r) => {
    if (blocks(r.attrs.encryption_config).length === 0) return `EKS cluster ${r.path} has no secrets envelope encryption (fix: set encryption_config with a KMS key)`;
    const vpc = first(r.attrs.vpc_config);
    const cidrs = (vpc.public_access_cidrs as string[] | undefined) ?? [];
    const isPublic = vpc.endpoint_public_access !== false;
    // Open to the internet is a documented choice (GitHub-hosted runners have no fixed addresses;
    // IAM authenticates every call), so it must be spelled out: an empty list opens it silently.
    if (isPublic && cidrs.length === 0)
      return `EKS cluster ${r.path} has a public API endpoint with no public_access_cidrs, which EKS reads as the whole internet (fix: list the allowed public ranges, ["0.0.0.0/0"] to mean anywhere, or turn the public endpoint off)`;
    return undefined;
  },
  aws_launch_template: (r) => {
    if (first(r.attrs.metadata_options).http_tokens !== 'required') return `launch template ${r.path} allows IMDSv1 (fix: metadata_options.http_tokens = "required")`;
    const unencrypted = blocks(r.attrs.block_device_mappings).filter((b) => String(first(b.ebs).encrypted) !== 'true');
    return unencrypted.length ? `launch template ${r.path} has unencrypted volumes (fix: ebs.encrypted = true)` : undefined;
  },
  aws_ebs_volume: (r) => (r.attrs.encrypted === true ? undefined : `EBS volume ${r.path} is not encrypted (fix: encrypted = true)`),
  aws_dynamodb_table: (r) =>
    first(r.attrs.server_side_encryption).enabled === true ? undefined : `DynamoDB table ${r.path} has no KMS encryption (fix: server_side_encryption.enabled = true)`,
  aws_security_group_rule: (r) =>
    r.attrs.type === 'ingress' && ((r.attrs.cidr_blocks as string[] | undefined) ?? []).some((c) => OPEN_CIDRS.includes(c))
      ? `security group rule ${r.path} opens ingress to the internet (${OPEN_INGRESS_FIX})`
      : undefined,
  aws_vpc_security_group_ingress_rule: (r) =>
    OPEN_CIDRS.includes(String(r.attrs.cidr_ipv4 ?? r.attrs.cidr_ipv6 ?? '')) ? `security group rule ${r.path} opens ingress to the internet (${OPEN_INGRESS_FIX})` : undefined,
  aws_security_group: (r) =>
    blocks(r.attrs.ingress).some((i) => ((i.cidr_blocks as string[] | undefined) ?? []).some((c) => OPEN_CIDRS.includes(c)))
      ? `security group ${r.path} opens ingress to the internet (${OPEN_INGRESS_FIX})`
      : undefined,
};

/**
 * Checks a stack once every aspect has visited every resource in it. Aspects visit the tree top
 * down, each node by all aspects in turn, so checking at the stack node would see resources before
 * the tagging and permissions-boundary aspects changed them; the check runs when this aspect
 * reaches the stack's last resource instead.
 */
export class PolicyAspect implements IAspect {
  private readonly lastResource = new Map<TerraformStack, TerraformResource>();

  constructor(
    private readonly ctx: PolicyContext,
    private readonly rules: Readonly<Record<string, PolicyRule>> = RULES,
  ) {}

  visit(node: IConstruct): void {
    if (node instanceof TerraformStack) {
      const resources = node.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource);
      const last = resources.at(-1);
      if (last) this.lastResource.set(node, last);
      return;
    }
    if (!(node instanceof TerraformResource)) return;
    const stack = TerraformStack.of(node);
    if (this.lastResource.get(stack) === node) this.check(stack);
  }

  private check(stack: TerraformStack): void {
    // Resolving turns references into strings such as "${aws_s3_bucket.state.id}".
    const resolver = new DefaultTokenResolver(new StringConcat());
    const resources: ResourceView[] = stack.node
      .findAll()
      .filter((c): c is TerraformResource => c instanceof TerraformResource)
      .map((res) => {
        const json = Tokenization.resolve(res.toTerraform(), { scope: stack, resolver }) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
        const [type, byId] = Object.entries(json.resource ?? {})[0] ?? [res.terraformResourceType, {}];
        const [id, attrs] = Object.entries(byId)[0] ?? [res.friendlyUniqueId, {}];
        return { type, id, path: res.node.path, attrs };
      });
    const violations = resources.flatMap((r) => {
      const rule = this.rules[r.type];
      const problem = rule?.(r, resources, this.ctx);
      return problem ? [problem] : [];
    });
    if (violations.length > 0) throw new PolicyViolationError(stack.node.id, violations);
  }
}
