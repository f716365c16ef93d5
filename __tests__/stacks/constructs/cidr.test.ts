import { describe, expect, it } from 'vitest';
import { cidrSubnet, formatCidr, overlaps, parseCidr, planSubnets } from '../../../stacks/constructs/cidr.js';

const sizeOf = (cidr: string) => 2 ** (32 - parseCidr(cidr).prefix);

describe('parseCidr', () => {
  it('parses a network and round-trips through formatCidr', () => {
    expect(parseCidr('10.20.0.0/16')).toEqual({ network: (10 << 24) + (20 << 16), prefix: 16 });
    for (const c of ['0.0.0.0/0', '10.0.0.0/8', '172.16.0.0/12', '192.168.1.128/25', '203.0.113.7/32']) expect(formatCidr(parseCidr(c))).toBe(c);
    expect(parseCidr('255.255.255.255/32').network).toBe(0xffffffff);
  });

  it.each(['10.0.0.0', '10.0.0/16', '10.0.0.0/33', '256.0.0.0/8', '10.0.0.0/-1', ' 10.0.0.0/16', '10.0.0.0/16 ', 'a.b.c.d/8', '::/0'])('rejects %j', (text) => {
    expect(() => parseCidr(text)).toThrow(`"${text}" is not an IPv4 CIDR such as 10.0.0.0/16`);
  });

  it('rejects host bits and names the network address', () => {
    expect(() => parseCidr('10.0.1.0/16')).toThrow('"10.0.1.0/16" has host bits set; the network address is 10.0.0.0/16');
    expect(() => parseCidr('192.168.1.1/24')).toThrow('the network address is 192.168.1.0/24');
  });
});

describe('cidrSubnet', () => {
  // Expected values from Terraform itself: `echo 'cidrsubnet("10.0.0.0/16", 4, 15)' | terraform console`.
  it.each([
    ['10.0.0.0/16', 4, 0, '10.0.0.0/20'],
    ['10.0.0.0/16', 4, 15, '10.0.240.0/20'],
    ['10.0.0.0/16', 8, 48, '10.0.48.0/24'],
    ['10.10.0.0/16', 8, 54, '10.10.54.0/24'],
    ['172.16.0.0/12', 4, 2, '172.18.0.0/16'],
    ['10.1.2.0/24', 4, 15, '10.1.2.240/28'],
    ['192.168.0.0/16', 8, 255, '192.168.255.0/24'],
    ['10.0.0.0/20', 7, 24, '10.0.3.0/27'],
    ['10.0.0.0/20', 8, 56, '10.0.3.128/28'],
    ['0.0.0.0/0', 1, 1, '128.0.0.0/1'],
    ['10.0.0.0/8', 16, 65535, '10.255.255.0/24'],
  ] as const)('cidrsubnet("%s", %i, %i) = %s, as in Terraform', (base, newbits, netnum, expected) => {
    expect(formatCidr(cidrSubnet(parseCidr(base), newbits, netnum))).toBe(expected);
  });

  it('rejects a netnum that does not fit and a prefix past /32', () => {
    expect(() => cidrSubnet(parseCidr('10.0.0.0/16'), 4, 16)).toThrow('netnum 16 does not fit in 4 bits');
    expect(() => cidrSubnet(parseCidr('10.0.0.0/16'), 4, -1)).toThrow('netnum -1');
    expect(() => cidrSubnet(parseCidr('10.0.0.0/30'), 3, 0)).toThrow('cannot add 3 bits to a /30');
  });
});

describe('overlaps', () => {
  it.each([
    ['10.0.0.0/16', '10.0.0.0/16', true],
    ['10.0.0.0/16', '10.0.128.0/17', true],
    ['10.0.128.0/17', '10.0.0.0/16', true],
    ['10.0.0.0/8', '10.255.255.0/24', true],
    ['0.0.0.0/0', '192.168.0.0/16', true],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['10.0.0.0/17', '10.0.128.0/17', false],
    ['10.10.0.0/16', '10.20.0.0/16', false],
    ['192.168.0.0/24', '192.168.1.0/24', false],
  ] as const)('%s and %s: %s', (a, b, expected) => {
    expect(overlaps(parseCidr(a), parseCidr(b))).toBe(expected);
  });
});

describe('planSubnets', () => {
  it('lays out a /16: three /20 private, /24 public and /24 intra subnets', () => {
    expect(planSubnets('10.30.0.0/16', 3)).toEqual({
      private: ['10.30.0.0/20', '10.30.16.0/20', '10.30.32.0/20'],
      public: ['10.30.48.0/24', '10.30.49.0/24', '10.30.50.0/24'],
      intra: ['10.30.52.0/24', '10.30.53.0/24', '10.30.54.0/24'],
    });
  });

  it('lays out a /20 with public subnets still large enough for a load balancer (/27)', () => {
    expect(planSubnets('10.0.0.0/20', 3)).toEqual({
      private: ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'],
      public: ['10.0.3.0/27', '10.0.3.32/27', '10.0.3.64/27'],
      intra: ['10.0.3.128/28', '10.0.3.144/28', '10.0.3.160/28'],
    });
  });

  it('plans 2 AZs as the first two of 3', () => {
    const three = planSubnets('10.20.0.0/16', 3);
    const two = planSubnets('10.20.0.0/16', 2);
    expect(two).toEqual({ private: three.private.slice(0, 2), public: three.public.slice(0, 2), intra: three.intra.slice(0, 2) });
  });

  it.each(['10.0.0.0/16', '10.0.0.0/17', '10.0.0.0/18', '10.0.0.0/19', '10.0.0.0/20'])(
    '%s: subnets lie inside the VPC, never overlap, and are big enough for what they hold',
    (vpc) => {
      const plan = planSubnets(vpc, 3);
      const all = [...plan.private, ...plan.public, ...plan.intra];
      for (const s of all) {
        expect(overlaps(parseCidr(s), parseCidr(vpc)) && parseCidr(s).prefix > parseCidr(vpc).prefix, s).toBe(true);
      }
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlaps(parseCidr(all[i]!), parseCidr(all[j]!)), `${all[i]} / ${all[j]}`).toBe(false);
      // An Application Load Balancer needs a /27 or larger in each public subnet; EKS wants at least
      // a /28 for its control-plane interfaces; pods take private addresses, so those are the biggest.
      for (const s of plan.public) expect(sizeOf(s), s).toBeGreaterThanOrEqual(32);
      for (const s of plan.intra) expect(sizeOf(s), s).toBeGreaterThanOrEqual(16);
      for (const s of plan.private) expect(sizeOf(s), s).toBeGreaterThan(sizeOf(plan.public[0]!));
    },
  );

  it('refuses a VPC smaller than a /20', () => {
    expect(() => planSubnets('10.0.0.0/21', 3)).toThrow('VPC CIDR 10.0.0.0/21 is smaller than a /20');
  });
});
