/**
 * Plain zone and record shapes shared by the store models, the GraphQL layer and the
 * nameserver's in-memory index. Names are absolute, lower-case and carry no trailing dot.
 */

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV', 'CAA', 'PTR'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Start of authority values of a zone; times are in seconds. */
export interface SoaData {
  primary: string;
  hostmaster: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
  ttl: number;
}

/**
 * One resource record. Only the fields of its type are set:
 * A/AAAA `address`; CNAME/NS/PTR `target`; MX `preference` + `target`;
 * SRV `priority` + `weight` + `port` + `target`; CAA `flags` + `tag` + `value`;
 * TXT `text` (character-strings of at most 255 bytes each). The root name, a null MX or SRV
 * target, is the empty string.
 */
export interface RecordData {
  id: string;
  zone: string;
  name: string;
  type: RecordType;
  ttl: number;
  /** Client networks (CIDR) this record is limited to; empty means every client. */
  networks: string[];
  address?: string;
  target?: string;
  preference?: number;
  priority?: number;
  weight?: number;
  port?: number;
  flags?: number;
  tag?: string;
  value?: string;
  text?: string[];
}

export interface ZoneData {
  name: string;
  soa: SoaData;
  records: RecordData[];
}
