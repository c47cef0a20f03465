import { isIPv4, isIPv6 } from 'node:net';
import { RECORD_TYPES, type RecordData, type SoaData } from '../zone-data';
import { asciiLower } from './dns-constants';
import { parseIpPrefix } from './ip-prefix';

const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;
/** TTLs above 2^31 - 1 are treated as 0 by resolvers (RFC 2181 section 8). */
const TTL_MAX = 0x7fffffff;
const LABEL_PATTERN = /^[\x21-\x2d\x2f-\x7e]{1,63}$/;

/**
 * Checks a domain name as stored in zone data: printable ASCII labels of 1-63 bytes without dots,
 * at most 253 characters in total (255 bytes on the wire). IDNs must be given in A-label form.
 */
export function isValidDomainName(name: string): boolean {
  if (name.length === 0 || name.length > 253) {
    return false;
  }
  return name.split('.').every((label) => LABEL_PATTERN.test(label));
}

function isUint(value: number | undefined, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/** Returns why the SOA values are unusable, or undefined when they are valid. */
export function validateSoa(soa: SoaData): string | undefined {
  if (!isValidDomainName(asciiLower(soa.primary))) {
    return `invalid SOA primary ${JSON.stringify(soa.primary)}`;
  }
  if (!isValidDomainName(asciiLower(soa.hostmaster))) {
    return `invalid SOA hostmaster ${JSON.stringify(soa.hostmaster)}`;
  }
  for (const field of ['serial', 'refresh', 'retry', 'expire', 'minimum'] as const) {
    if (!isUint(soa[field], UINT32_MAX)) {
      return `SOA ${field} must be an integer from 0 to ${UINT32_MAX}, got ${soa[field]}`;
    }
  }
  if (!isUint(soa.ttl, TTL_MAX)) {
    return `SOA ttl must be an integer from 0 to ${TTL_MAX}, got ${soa.ttl}`;
  }
  return undefined;
}

/**
 * Returns a copy of the record with lower-cased names, or the reason it cannot be served.
 * `zoneName` must already be lower-case.
 */
export function normalizeRecord(record: RecordData, zoneName: string): RecordData | string {
  const name = asciiLower(record.name);
  if (!isValidDomainName(name)) {
    return `invalid owner name ${JSON.stringify(record.name)}`;
  }
  if (name !== zoneName && !name.endsWith(`.${zoneName}`)) {
    return `owner name ${name} is outside zone ${zoneName}`;
  }
  if (!RECORD_TYPES.includes(record.type)) {
    return `unsupported type ${JSON.stringify(record.type)}`;
  }
  if (!isUint(record.ttl, TTL_MAX)) {
    return `ttl must be an integer from 0 to ${TTL_MAX}, got ${record.ttl}`;
  }
  for (const network of record.networks ?? []) {
    if (parseIpPrefix(network) === undefined) {
      return `invalid network ${JSON.stringify(network)}`;
    }
  }
  const normalized: RecordData = { ...record, name, networks: record.networks ?? [] };
  if (record.target !== undefined) {
    normalized.target = asciiLower(record.target);
  }
  const problem = validateRdata(normalized);
  return problem ?? normalized;
}

function validateTarget(target: string | undefined, allowRoot: boolean): string | undefined {
  if (target === undefined) {
    return 'target is missing';
  }
  // The root name (empty string) is the "no service" target of null MX (RFC 7505) and SRV.
  if (target === '' && allowRoot) {
    return undefined;
  }
  return isValidDomainName(target) ? undefined : `invalid target ${JSON.stringify(target)}`;
}

function validateRdata(record: RecordData): string | undefined {
  switch (record.type) {
    case 'A':
      return isIPv4(record.address ?? '') ? undefined : `invalid IPv4 address ${record.address}`;
    case 'AAAA':
      return isIPv6(record.address ?? '') ? undefined : `invalid IPv6 address ${record.address}`;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return validateTarget(record.target, false);
    case 'MX':
      if (!isUint(record.preference, UINT16_MAX)) {
        return `MX preference must be an integer from 0 to ${UINT16_MAX}`;
      }
      return validateTarget(record.target, true);
    case 'SRV':
      for (const field of ['priority', 'weight', 'port'] as const) {
        if (!isUint(record[field], UINT16_MAX)) {
          return `SRV ${field} must be an integer from 0 to ${UINT16_MAX}`;
        }
      }
      return validateTarget(record.target, true);
    case 'CAA':
      return validateCaa(record);
    case 'TXT':
      return validateTxt(record.text);
  }
}

function validateCaa(record: RecordData): string | undefined {
  if (!isUint(record.flags, 0xff)) {
    return 'CAA flags must be an integer from 0 to 255';
  }
  // RFC 8659 section 4.1: the tag is 1-15 ASCII letters and digits.
  if (record.tag === undefined || !/^[A-Za-z0-9]{1,15}$/.test(record.tag)) {
    return `invalid CAA tag ${JSON.stringify(record.tag)}`;
  }
  if (typeof record.value !== 'string') {
    return 'CAA value is missing';
  }
  return undefined;
}

function validateTxt(text: string[] | undefined): string | undefined {
  if (!Array.isArray(text)) {
    return 'TXT text is missing';
  }
  if (text.length === 0) {
    return 'TXT text needs at least one character-string';
  }
  for (const part of text) {
    if (typeof part !== 'string' || Buffer.byteLength(part, 'utf8') > 255) {
      return 'each TXT character-string must be a string of at most 255 bytes';
    }
  }
  // One RR's RDATA is limited to 65535 bytes.
  const rdataLength = text.reduce((sum, part) => sum + 1 + Buffer.byteLength(part, 'utf8'), 0);
  return rdataLength > UINT16_MAX ? 'TXT text exceeds 65535 bytes of RDATA' : undefined;
}
