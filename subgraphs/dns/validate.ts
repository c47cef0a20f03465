import { isIP, isIPv4, isIPv6, SocketAddress } from 'node:net';
import { badInput } from '../../lib/errors';
import { quoted } from '../../lib/config/spec';
import { isHostName, isOwnerName, normalizeName } from './names';
import type { RecordData, RecordType } from './zone-data';

/** Largest total TXT data, in bytes: what fits one record's RDATA on the wire. */
export const MAX_TXT_BYTES = 65_000;
export const MAX_TTL = 2_147_483_647;
export const MAX_NETWORKS = 32;

/** Record fields as a mutation gives them, before validation. */
export interface RecordFields {
  ttl?: number | null;
  networks?: string[] | null;
  address?: string | null;
  target?: string | null;
  preference?: number | null;
  priority?: number | null;
  weight?: number | null;
  port?: number | null;
  flags?: number | null;
  tag?: string | null;
  value?: string | null;
  text?: string[] | null;
}

type RecordValues = Omit<RecordData, 'id' | 'zone' | 'name' | 'type' | 'ttl' | 'networks'>;

const FIELDS_BY_TYPE: Record<RecordType, (keyof RecordValues)[]> = {
  A: ['address'],
  AAAA: ['address'],
  CNAME: ['target'],
  NS: ['target'],
  PTR: ['target'],
  MX: ['preference', 'target'],
  SRV: ['priority', 'weight', 'port', 'target'],
  CAA: ['flags', 'tag', 'value'],
  TXT: ['text'],
};

function required<T>(value: T | null | undefined, field: string, type: string): T {
  if (value === null || value === undefined) throw badInput(field, `required for ${type} records`);
  return value;
}

function integerIn(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badInput(field, `${value} is outside ${min}..${max}`);
  }
  return value;
}

/** Validates a target host name; `allowRoot` admits "." (null MX, RFC 7505; no SRV service). */
function targetName(value: string, field: string, allowRoot: boolean): string {
  if (allowRoot && value.trim() === '.') return '.';
  const name = normalizeName(value);
  if (!isHostName(name)) {
    throw badInput(
      field,
      `${quoted(value)} is not a valid host name (RFC 1123: letters, digits, inner hyphens, labels up to 63 bytes)`,
    );
  }
  // Targets are absolute, unlike owner names: a single label is almost always a forgotten zone.
  if (!name.includes('.')) {
    throw badInput(
      field,
      `${quoted(value)} is a single label; give the full name, such as ${name}.example.test`,
    );
  }
  return name;
}

function address(value: string, field: string, type: 'A' | 'AAAA'): string {
  if (type === 'A' && !isIPv4(value))
    throw badInput(field, `${quoted(value)} is not an IPv4 address`);
  if (type === 'AAAA' && (!isIPv6(value) || value.includes('%')))
    throw badInput(
      field,
      `${quoted(value)} is not an IPv6 address (zone indexes such as %eth0 are not allowed)`,
    );
  return type === 'AAAA' ? new SocketAddress({ address: value, family: 'ipv6' }).address : value;
}

/** Splits each string into character-strings of at most 255 UTF-8 bytes, at character bounds. */
export function splitCharacterStrings(strings: string[]): string[] {
  const result: string[] = [];
  for (const text of strings) {
    let chunk = '';
    let size = 0;
    for (const char of text) {
      const bytes = Buffer.byteLength(char);
      if (size + bytes > 255) {
        result.push(chunk);
        chunk = '';
        size = 0;
      }
      chunk += char;
      size += bytes;
    }
    result.push(chunk);
  }
  return result;
}

function txt(strings: string[], field: string): string[] {
  if (strings.length === 0) throw badInput(field, 'needs at least one string');
  const total = strings.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (total > MAX_TXT_BYTES)
    throw badInput(field, `${total} bytes exceed the limit of ${MAX_TXT_BYTES}`);
  return splitCharacterStrings(strings);
}

function caa(fields: RecordFields): Pick<RecordValues, 'flags' | 'tag' | 'value'> {
  const flags = integerIn(required(fields.flags, 'input.flags', 'CAA'), 'input.flags', 0, 255);
  const tag = required(fields.tag, 'input.tag', 'CAA').toLowerCase();
  if (!/^[a-z0-9]{1,15}$/.test(tag))
    throw badInput('input.tag', `${quoted(tag)} must be 1 to 15 letters or digits (RFC 8659)`);
  const value = required(fields.value, 'input.value', 'CAA');
  if (Buffer.byteLength(value) > 1024) throw badInput('input.value', 'longer than 1024 bytes');
  if ((tag === 'issue' || tag === 'issuewild') && value !== ';') {
    const issuer = value.split(';')[0].trim();
    if (issuer !== '' && !isHostName(issuer)) {
      throw badInput('input.value', `issuer ${quoted(issuer)} is not a valid domain name`);
    }
  }
  if (tag === 'iodef' && !/^(mailto:|https?:\/\/)\S+$/.test(value)) {
    throw badInput('input.value', 'iodef needs a mailto:, http:// or https:// URL');
  }
  return { flags, tag, value };
}

/** Validates a CIDR and returns it in canonical form; host bits must be zero. */
export function network(cidr: string, field: string): string {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const family = match ? isIP(match[1]) : 0;
  const bits = family === 4 ? 32 : 128;
  if (!match || family === 0 || Number(match[2]) > bits) {
    throw badInput(field, `${quoted(cidr)} is not a CIDR such as 192.0.2.0/24 or 2001:db8::/32`);
  }
  const prefix = Number(match[2]);
  const canonical = addressBits(match[1], family);
  const hostBits = bits - prefix;
  if (hostBits > 0 && canonical & ((1n << BigInt(hostBits)) - 1n)) {
    throw badInput(field, `${cidr} has host bits set; use the network address`);
  }
  const text =
    family === 4 ? match[1] : new SocketAddress({ address: match[1], family: 'ipv6' }).address;
  return `${text}/${prefix}`;
}

function addressBits(address: string, family: number): bigint {
  if (family === 4)
    return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  let full = new SocketAddress({ address, family: 'ipv6' }).address;
  // An embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two 16-bit groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(full);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    full = `${full.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail = ''] = full.includes('::') ? full.split('::') : [full, ''];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const zeros = Array(8 - headParts.length - tailParts.length).fill('0');
  return [...headParts, ...zeros, ...tailParts].reduce(
    (acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)),
    0n,
  );
}

/**
 * Validates the data of one record of `type` and returns the fields to store. Fields that
 * belong to other types are rejected, so a mistyped mutation does not store silent junk.
 */
export function recordValues(type: RecordType, fields: RecordFields): RecordValues {
  for (const key of Object.keys(fields) as (keyof RecordFields)[]) {
    if (key === 'ttl' || key === 'networks' || fields[key] === null || fields[key] === undefined)
      continue;
    if (!FIELDS_BY_TYPE[type].includes(key as keyof RecordValues)) {
      throw badInput(
        `input.${key}`,
        `not a field of ${type} records (expected ${FIELDS_BY_TYPE[type].join(', ')})`,
      );
    }
  }
  switch (type) {
    case 'A':
    case 'AAAA':
      return {
        address: address(required(fields.address, 'input.address', type), 'input.address', type),
      };
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return {
        target: targetName(required(fields.target, 'input.target', type), 'input.target', false),
      };
    case 'MX':
      return {
        preference: integerIn(
          required(fields.preference, 'input.preference', type),
          'input.preference',
          0,
          65535,
        ),
        target: targetName(required(fields.target, 'input.target', type), 'input.target', true),
      };
    case 'SRV':
      return {
        priority: integerIn(
          required(fields.priority, 'input.priority', type),
          'input.priority',
          0,
          65535,
        ),
        weight: integerIn(required(fields.weight, 'input.weight', type), 'input.weight', 0, 65535),
        port: integerIn(required(fields.port, 'input.port', type), 'input.port', 0, 65535),
        target: targetName(required(fields.target, 'input.target', type), 'input.target', true),
      };
    case 'CAA':
      return caa(fields);
    case 'TXT':
      return { text: txt(required(fields.text, 'input.text', type), 'input.text') };
  }
}

export function ttlValue(ttl: number, field = 'input.ttl'): number {
  return integerIn(ttl, field, 0, MAX_TTL);
}

export function networksValue(networks: string[]): string[] {
  if (networks.length > MAX_NETWORKS)
    throw badInput('input.networks', `at most ${MAX_NETWORKS} networks`);
  return [...new Set(networks.map((cidr, i) => network(cidr, `input.networks[${i}]`)))];
}

/** Checks an owner name for a record type: SRV owners need `_service._proto` labels. */
export function ownerValue(name: string, type: RecordType): string {
  if (!isOwnerName(name)) {
    throw badInput(
      'input.name',
      `${quoted(name)} is not a valid owner name (labels of letters, digits, - and _, a leading * for wildcards)`,
    );
  }
  if (type === 'SRV' && !/^(\*\.)?_[a-z0-9-]+\._[a-z0-9-]+\./.test(name)) {
    throw badInput(
      'input.name',
      `SRV owner ${quoted(name)} must start with _service._proto (RFC 2782), e.g. _sip._tcp`,
    );
  }
  return name;
}
