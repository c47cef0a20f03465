import type { RecordData, RecordType } from '../zone-data';
import type { CompiledZone, ZoneNode } from './compiled-zone';
import { TYPE_CODES, recordTypeOf } from './dns-constants';

/** Outcome of looking up one name in one zone, before CNAME chasing. */
export type ZoneLookup =
  | { kind: 'records'; records: readonly RecordData[] }
  | { kind: 'soa' }
  | { kind: 'cname'; record: RecordData }
  | { kind: 'referral'; cut: string; nameServers: readonly RecordData[] }
  | { kind: 'nodata' }
  | { kind: 'nxdomain' };

/**
 * RRset order for ANY queries. RFC 8482 lets a server return a subset, so the first type present
 * at the name is returned alone (SOA first at the apex).
 */
const ANY_ORDER: RecordType[] = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'CAA', 'PTR', 'NS'];

/**
 * Looks up a lower-case name that lies inside `zone`, following RFC 1034 section 4.3.2 for one
 * zone: delegations first, then the exact name, then the wildcard at the closest encloser.
 */
export function lookupInZone(
  zone: CompiledZone,
  name: string,
  qtype: number,
  client: Uint8Array | undefined,
): ZoneLookup {
  const cut = zone.findCut(name);
  // The DS RRset at a cut belongs to the parent side (RFC 4035 section 3.1.4.1).
  if (cut !== undefined && !(cut === name && qtype === TYPE_CODES.DS)) {
    const nameServers = zone.nodes.get(cut)?.rrsets.get('NS')?.select(client) ?? [];
    if (nameServers.length > 0) {
      return { kind: 'referral', cut, nameServers };
    }
  }
  const node = zone.nodes.get(name);
  // NOTE: a name whose records are all scoped to other networks still exists for this client,
  // so it gets NODATA rather than NXDOMAIN and the wildcard does not apply to it.
  if (node !== undefined) {
    return lookupInNode(node, name === zone.name, qtype, client);
  }
  const wildcard = zone.nodes.get(`*.${zone.closestEncloser(name)}`);
  if (wildcard !== undefined) {
    return lookupInNode(wildcard, false, qtype, client);
  }
  return { kind: 'nxdomain' };
}

function lookupInNode(
  node: ZoneNode,
  isApex: boolean,
  qtype: number,
  client: Uint8Array | undefined,
): ZoneLookup {
  const visible = (type: RecordType): readonly RecordData[] =>
    node.rrsets.get(type)?.select(client) ?? [];

  if (qtype === TYPE_CODES.SOA) {
    return isApex ? { kind: 'soa' } : { kind: 'nodata' };
  }
  if (qtype === TYPE_CODES.ANY) {
    if (isApex) {
      return { kind: 'soa' };
    }
    for (const type of ANY_ORDER) {
      const records = visible(type);
      if (records.length > 0) {
        return { kind: 'records', records };
      }
    }
    return { kind: 'nodata' };
  }
  const cnames = visible('CNAME');
  if (cnames.length > 0 && qtype !== TYPE_CODES.CNAME) {
    return { kind: 'cname', record: cnames[0] };
  }
  const type = recordTypeOf(qtype);
  const records = type === undefined ? [] : visible(type);
  return records.length > 0 ? { kind: 'records', records } : { kind: 'nodata' };
}
