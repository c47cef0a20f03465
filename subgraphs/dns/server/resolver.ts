import type { RecordData, SoaData } from '../zone-data';
import type { CompiledZone } from './compiled-zone';
import { RCODES, asciiLower } from './dns-constants';
import { parseIpAddress } from './ip-prefix';
import type { ZoneIndex } from './zone-index';
import { lookupInZone } from './zone-lookup';

/** Question as received; `name` keeps the client's letter case and has no trailing dot. */
export interface Question {
  name: string;
  type: number;
  class: number;
}

/** Resource record ready for encoding; `owner` is written exactly as given. */
export type ResponseRecord =
  | { owner: string; ttl: number; type: 'SOA'; soa: SoaData }
  | { owner: string; ttl: number; type: RecordData['type']; record: RecordData };

export interface Resolution {
  rcode: number;
  authoritative: boolean;
  answer: ResponseRecord[];
  authority: ResponseRecord[];
  additional: ResponseRecord[];
  /** Set for referrals: glue that does not fit must set TC instead of being dropped (RFC 9471). */
  additionalRequired: boolean;
}

/** Maximum CNAME records followed in one answer, which also stops CNAME loops. */
export const MAX_CNAME_HOPS = 8;

/**
 * Resolves one question against the index for a client address (used for split horizon).
 * Names outside every zone get REFUSED. CNAME chains are followed through every zone served
 * here, and the rcode and negative answer come from the last name of the chain (RFC 6604). A CNAME
 * loop or a chain longer than MAX_CNAME_HOPS ends with the CNAMEs found so far and NOERROR.
 */
export function resolveQuestion(
  index: ZoneIndex,
  question: Question,
  clientAddress: string,
): Resolution {
  const resolution: Resolution = {
    rcode: RCODES.NOERROR,
    authoritative: true,
    answer: [],
    authority: [],
    additional: [],
    additionalRequired: false,
  };
  let name = asciiLower(question.name);
  let zone = index.findZone(name);
  if (zone === undefined) {
    resolution.rcode = RCODES.REFUSED;
    resolution.authoritative = false;
    return resolution;
  }
  const client = parseIpAddress(clientAddress);
  let owner = question.name;
  const visited = new Set<string>();

  for (let hop = 0; ; hop++) {
    const step = lookupInZone(zone, name, question.type, client);
    switch (step.kind) {
      case 'records':
        resolution.answer.push(...step.records.map((record) => toResponse(owner, record)));
        addTargetAddresses(index, step.records, client, resolution);
        return resolution;
      case 'soa':
        resolution.answer.push({ owner, ttl: zone.soa.ttl, type: 'SOA', soa: zone.soa });
        return resolution;
      case 'nodata':
        resolution.authority.push(negativeSoa(zone));
        return resolution;
      case 'nxdomain':
        resolution.rcode = RCODES.NXDOMAIN;
        resolution.authority.push(negativeSoa(zone));
        return resolution;
      case 'referral': {
        // A referral reached through an authoritative CNAME keeps AA for that CNAME.
        resolution.authoritative = hop > 0;
        const cutOwner = step.cut === name ? owner : step.cut;
        resolution.authority.push(...step.nameServers.map((ns) => toResponse(cutOwner, ns)));
        addGlue(zone, step.nameServers, client, resolution);
        resolution.additionalRequired = true;
        return resolution;
      }
      case 'cname': {
        resolution.answer.push(toResponse(owner, step.record));
        visited.add(name);
        const target = step.record.target as string;
        const nextZone = index.findZone(target);
        if (hop + 1 >= MAX_CNAME_HOPS || visited.has(target) || nextZone === undefined) {
          return resolution;
        }
        zone = nextZone;
        name = target;
        owner = target;
        break;
      }
    }
  }
}

function toResponse(owner: string, record: RecordData): ResponseRecord {
  return { owner, ttl: record.ttl, type: record.type, record };
}

/** Builds the SOA of a negative answer with TTL min(SOA TTL, SOA MINIMUM) (RFC 2308). */
function negativeSoa(zone: CompiledZone): ResponseRecord {
  const ttl = Math.min(zone.soa.ttl, zone.soa.minimum);
  return { owner: zone.name, ttl, type: 'SOA', soa: zone.soa };
}

/** Adds in-zone A/AAAA records of MX, SRV and NS targets to the additional section. */
function addTargetAddresses(
  index: ZoneIndex,
  records: readonly RecordData[],
  client: Uint8Array | undefined,
  resolution: Resolution,
): void {
  const seen = new Set<string>();
  for (const record of records) {
    if (record.type !== 'MX' && record.type !== 'SRV' && record.type !== 'NS') {
      continue;
    }
    const target = record.target as string;
    if (target === '' || seen.has(target)) {
      continue;
    }
    seen.add(target);
    const zone = index.findZone(target);
    // Data below a delegation is not authoritative, so it is not offered as additional data.
    if (zone === undefined || zone.findCut(target) !== undefined) {
      continue;
    }
    pushAddresses(zone, target, client, resolution);
  }
}

/** Adds glue for name servers whose names lie inside the zone, including below the cut. */
function addGlue(
  zone: CompiledZone,
  nameServers: readonly RecordData[],
  client: Uint8Array | undefined,
  resolution: Resolution,
): void {
  const seen = new Set<string>();
  for (const ns of nameServers) {
    const target = ns.target as string;
    if (!seen.has(target) && (target === zone.name || target.endsWith(`.${zone.name}`))) {
      seen.add(target);
      pushAddresses(zone, target, client, resolution);
    }
  }
}

function pushAddresses(
  zone: CompiledZone,
  target: string,
  client: Uint8Array | undefined,
  resolution: Resolution,
): void {
  const node = zone.nodes.get(target);
  if (node === undefined) {
    return;
  }
  for (const type of ['A', 'AAAA'] as const) {
    const records = node.rrsets.get(type)?.select(client) ?? [];
    resolution.additional.push(...records.map((record) => toResponse(target, record)));
  }
}
