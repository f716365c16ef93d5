/**
 * IPv4 CIDR arithmetic for subnet planning at synth time. Subnets are computed here rather than
 * with Terraform's cidrsubnet() so that overlaps are caught by config validation, before any
 * construct exists, and the plan shows literal CIDRs.
 */
export interface Cidr {
  readonly network: number; // unsigned 32-bit
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export function parseCidr(text: string): Cidr {
  const m = CIDR_PATTERN.exec(text);
  if (!m) throw new Error(`"${text}" is not an IPv4 CIDR such as 10.0.0.0/16`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`"${text}" is not an IPv4 CIDR such as 10.0.0.0/16`);
  const address = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const network = (address & mask(prefix)) >>> 0;
  if (network !== address) throw new Error(`"${text}" has host bits set; the network address is ${formatCidr({ network, prefix })}`);
  return { network, prefix };
}

const mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

export function formatCidr({ network, prefix }: Cidr): string {
  return `${network >>> 24}.${(network >>> 16) & 255}.${(network >>> 8) & 255}.${network & 255}/${prefix}`;
}

/** Terraform's cidrsubnet(): the netnum-th block of `newbits` more prefix bits inside base. */
export function cidrSubnet(base: Cidr, newbits: number, netnum: number): Cidr {
  const prefix = base.prefix + newbits;
  if (prefix > 32) throw new Error(`cannot add ${newbits} bits to a /${base.prefix}`);
  if (netnum < 0 || netnum >= 2 ** newbits) throw new Error(`netnum ${netnum} does not fit in ${newbits} bits`);
  return { network: (base.network + netnum * 2 ** (32 - prefix)) >>> 0, prefix };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return ((a.network & mask(prefix)) >>> 0) === ((b.network & mask(prefix)) >>> 0);
}

export interface SubnetPlan {
  readonly public: string[];
  readonly private: string[];
  readonly intra: string[];
}

/** An Application Load Balancer needs a /27 or larger in every subnet it uses. */
const LOAD_BALANCER_MAX_PREFIX = 27;

/**
 * The subnet layout for a VPC, one subnet of each tier per AZ (the terraform-aws-modules/eks
 * convention): private subnets are large (/20 of a /16) because every pod takes a VPC address;
 * public subnets only hold load balancers and NAT gateways; intra subnets (no internet route) hold
 * the EKS control-plane network interfaces.
 *
 * Public and intra subnets are 1/256 of the VPC (/24 of a /16, /27 of a /19), except that public
 * ones never shrink below the /27 a load balancer accepts: in a /20 they are /27 (1/128) and the
 * intra /28s move past them. Layouts of a /16 to a /19 are unaffected by that rule.
 */
export function planSubnets(vpcCidr: string, azCount: number): SubnetPlan {
  const base = parseCidr(vpcCidr);
  if (base.prefix > 20) throw new Error(`VPC CIDR ${vpcCidr} is smaller than a /20; use a /16 to /20`);
  const indexes = [...Array(azCount).keys()];
  const publicBits = Math.min(8, LOAD_BALANCER_MAX_PREFIX - base.prefix);
  // Private subnets take the first 3/16 of the VPC; public ones start right after, intra ones
  // after a block of four public slots (48 and 52 in /24 units of a /16).
  const publicStart = 3 * 2 ** (publicBits - 4);
  const intraStart = (publicStart + 4) * 2 ** (8 - publicBits);
  return {
    private: indexes.map((i) => formatCidr(cidrSubnet(base, 4, i))),
    public: indexes.map((i) => formatCidr(cidrSubnet(base, publicBits, publicStart + i))),
    intra: indexes.map((i) => formatCidr(cidrSubnet(base, 8, intraStart + i))),
  };
}

/**
 * Address ranges that can never be the source of a request to a public endpoint: private-use,
 * shared (carrier-grade NAT), loopback and link-local space, and the documentation ranges whose
 * only use is examples (RFC 5737). Each with the reason an allowlist entry inside it is wrong.
 */
export const NON_PUBLIC_RANGES: readonly { readonly cidr: string; readonly why: string }[] = [
  { cidr: '10.0.0.0/8', why: 'private-use space (RFC 1918)' },
  { cidr: '172.16.0.0/12', why: 'private-use space (RFC 1918)' },
  { cidr: '192.168.0.0/16', why: 'private-use space (RFC 1918)' },
  { cidr: '100.64.0.0/10', why: 'shared carrier-grade NAT space (RFC 6598)' },
  { cidr: '127.0.0.0/8', why: 'loopback' },
  { cidr: '169.254.0.0/16', why: 'link-local space' },
  { cidr: '192.0.2.0/24', why: 'a documentation range (RFC 5737 TEST-NET-1)' },
  { cidr: '198.51.100.0/24', why: 'a documentation range (RFC 5737 TEST-NET-2)' },
  { cidr: '203.0.113.0/24', why: 'a documentation range (RFC 5737 TEST-NET-3)' },
];

/** Why `cidr` can never match a request from the internet, or undefined when it can. */
export function nonPublicRange(cidr: Cidr): string | undefined {
  return NON_PUBLIC_RANGES.find((r) => {
    const range = parseCidr(r.cidr);
    // Inside the range (an overlap no wider than it): a /0 overlaps everything and is public.
    return cidr.prefix >= range.prefix && overlaps(cidr, range);
  })?.why;
}
