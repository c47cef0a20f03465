import { BlockList, isIP } from 'node:net';

/** A parsed CIDR list, kept as text for logs and as a BlockList for matching. */
export interface CidrList {
  cidrs: string[];
  list: BlockList;
}

/** Parses `10.0.0.0/8,::1/128,192.0.2.7` (a bare address means one host). */
export function parseCidrList(raw: string): CidrList {
  const list = new BlockList();
  const cidrs: string[] = [];
  for (const item of raw.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const [address, bits, extra] = item.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) {
      throw new Error(`${JSON.stringify(item)} is not a CIDR such as 10.0.0.0/8 or ::1/128`);
    }
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!/^\d+$/.test(bits ?? String(max)) || prefix > max) {
      throw new Error(`${JSON.stringify(item)} has a prefix length outside 0..${max}`);
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    cidrs.push(`${address}/${prefix}`);
  }
  return { cidrs, list };
}

/** Checks a peer address; IPv4-mapped IPv6 peers (::ffff:a.b.c.d) are checked as IPv4. */
export function isTrusted(trusted: CidrList, address: string | undefined): boolean {
  if (!address || trusted.cidrs.length === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return trusted.list.check(mapped[1], 'ipv4');
  return trusted.list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
