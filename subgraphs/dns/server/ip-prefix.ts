import { isIPv4, isIPv6 } from 'node:net';

/** Network prefix (CIDR) with the address bytes masked to the prefix length. */
export interface IpPrefix {
  /** 4 bytes for IPv4, 16 for IPv6, in network byte order. */
  bytes: Uint8Array;
  length: number;
  /** Canonical text, usable as a map key: `192.0.2.0/24`, `2001:db8:0:0:0:0:0:0/32`. */
  text: string;
}

/**
 * Parses an IPv4 or IPv6 address into network-order bytes, or returns undefined when the text is
 * not an address. An IPv6 zone suffix (`%eth0`) is ignored. IPv4-mapped IPv6 addresses
 * (`::ffff:192.0.2.1`) become 4-byte IPv4 addresses, because clients of a dual-stack socket show
 * up in that form and must match IPv4 networks.
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  const percent = text.indexOf('%');
  const address = percent >= 0 ? text.slice(0, percent) : text;
  if (isIPv4(address)) {
    return parseIPv4(address);
  }
  if (!isIPv6(address)) {
    return undefined;
  }
  const bytes = parseIPv6(address);
  return isIPv4Mapped(bytes) ? bytes.slice(12) : bytes;
}

/**
 * Parses `address/length` (or a bare address, meaning a host prefix). Host bits are cleared.
 * Returns undefined for invalid text. A mapped prefix such as `::ffff:192.0.2.0/120` becomes the
 * IPv4 prefix `192.0.2.0/24`.
 */
export function parseIpPrefix(text: string): IpPrefix | undefined {
  const slash = text.indexOf('/');
  const addressText = slash >= 0 ? text.slice(0, slash) : text;
  if (addressText.includes('%')) {
    return undefined;
  }
  let bytes: Uint8Array;
  if (isIPv4(addressText)) {
    bytes = parseIPv4(addressText);
  } else if (isIPv6(addressText)) {
    bytes = parseIPv6(addressText);
  } else {
    return undefined;
  }
  const maxLength = bytes.length * 8;
  let length = maxLength;
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lengthText)) {
      return undefined;
    }
    length = Number(lengthText);
    if (length > maxLength) {
      return undefined;
    }
  }
  if (bytes.length === 16 && length >= 96 && isIPv4Mapped(bytes)) {
    bytes = bytes.slice(12);
    length -= 96;
  }
  maskBytes(bytes, length);
  return { bytes, length, text: `${formatBytes(bytes)}/${length}` };
}

/** Tests whether `address` (from parseIpAddress) lies inside `prefix`. */
export function prefixContains(prefix: IpPrefix, address: Uint8Array): boolean {
  if (address.length !== prefix.bytes.length) {
    return false;
  }
  const fullBytes = prefix.length >> 3;
  for (let i = 0; i < fullBytes; i++) {
    if (address[i] !== prefix.bytes[i]) {
      return false;
    }
  }
  const remainingBits = prefix.length & 7;
  if (remainingBits === 0) {
    return true;
  }
  const mask = (0xff << (8 - remainingBits)) & 0xff;
  return (address[fullBytes] & mask) === prefix.bytes[fullBytes];
}

/** Parses dotted-quad text that `net.isIPv4` has accepted. */
export function parseIPv4(text: string): Uint8Array {
  const bytes = new Uint8Array(4);
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) {
    bytes[i] = Number(parts[i]);
  }
  return bytes;
}

/** Parses IPv6 text that `net.isIPv6` has accepted, including `::` and a dotted IPv4 tail. */
export function parseIPv6(text: string): Uint8Array {
  const gap = text.indexOf('::');
  const head = toGroups(gap >= 0 ? text.slice(0, gap) : text);
  const tail = gap >= 0 ? toGroups(text.slice(gap + 2)) : [];
  const groups = new Array<number>(8).fill(0);
  head.forEach((group, i) => (groups[i] = group));
  tail.forEach((group, i) => (groups[8 - tail.length + i] = group));
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

function toGroups(part: string): number[] {
  if (part === '') {
    return [];
  }
  const groups: number[] = [];
  for (const piece of part.split(':')) {
    if (piece.includes('.')) {
      const v4 = parseIPv4(piece);
      groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else {
      groups.push(parseInt(piece, 16));
    }
  }
  return groups;
}

function isIPv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) {
    if (bytes[i] !== 0) {
      return false;
    }
  }
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function maskBytes(bytes: Uint8Array, length: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const bitsBefore = i * 8;
    if (bitsBefore >= length) {
      bytes[i] = 0;
    } else if (length - bitsBefore < 8) {
      bytes[i] &= (0xff << (8 - (length - bitsBefore))) & 0xff;
    }
  }
}

function formatBytes(bytes: Uint8Array): string {
  if (bytes.length === 4) {
    return Array.from(bytes).join('.');
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  }
  return groups.join(':');
}
