import type { RecordType } from '../zone-data';

/** RR type codes (RFC 1035, 3596, 2782, 6891, 8659) used by the nameserver. */
export const TYPE_CODES = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  DS: 43,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;

export type TypeName = keyof typeof TYPE_CODES;

const TYPE_NAMES = new Map<number, string>(
  Object.entries(TYPE_CODES).map(([name, code]) => [code, name]),
);

/** Returns the mnemonic of a type code, or the RFC 3597 form `TYPE123` for unknown codes. */
export function typeName(code: number): string {
  return TYPE_NAMES.get(code) ?? `TYPE${code}`;
}

/** Maps a query type code to the record type stored in zone data, if it is one. */
export function recordTypeOf(code: number): RecordType | undefined {
  const name = TYPE_NAMES.get(code);
  switch (name) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'MX':
    case 'NS':
    case 'TXT':
    case 'SRV':
    case 'CAA':
    case 'PTR':
      return name;
    default:
      return undefined;
  }
}

export const CLASS_IN = 1;

/** Response codes. BADVERS (16) needs the OPT record for its upper 8 bits (RFC 6891). */
export const RCODES = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

export type RcodeName = keyof typeof RCODES;

const RCODE_NAMES = new Map<number, string>(
  Object.entries(RCODES).map(([name, code]) => [code, name]),
);

export function rcodeName(code: number): string {
  return RCODE_NAMES.get(code) ?? `RCODE${code}`;
}

/** Maximum DNS message size over TCP, fixed by the 2-byte length prefix (RFC 1035 4.2.2). */
export const TCP_MESSAGE_MAX = 65535;

/** UDP response limit for clients that send no OPT record (RFC 1035 4.2.1). */
export const CLASSIC_UDP_MAX = 512;

/**
 * Lower-cases ASCII letters only, because DNS name comparison ignores the case of A-Z alone
 * (RFC 4343). `String.prototype.toLowerCase` would also fold Latin-1 bytes of binary labels.
 */
export function asciiLower(name: string): string {
  return /[A-Z]/.test(name) ? name.replace(/[A-Z]+/g, (run) => run.toLowerCase()) : name;
}
