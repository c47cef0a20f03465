import type { RecordData, RecordType, SoaData, ZoneData } from '../zone-data';
import { asciiLower } from './dns-constants';
import { parseIpPrefix, prefixContains, type IpPrefix } from './ip-prefix';
import { isValidDomainName, normalizeRecord, validateSoa } from './record-validation';

/** Record that was left out of the index, with the reason. */
export interface ZoneLoadIssue {
  zone: string;
  recordId: string;
  reason: string;
}

/** Error for a zone-level problem (invalid name or SOA), which keeps the whole zone out. */
export class ZoneDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZoneDataError';
  }
}

interface ScopedRecords {
  prefix: IpPrefix;
  records: RecordData[];
}

/**
 * Records of one name and type, split into the default set (no networks) and one set per client
 * network for split-horizon answers.
 */
export class RecordSet {
  readonly defaults: RecordData[] = [];
  /** Sorted longest prefix first, so the first match is the most specific network. */
  private scoped: ScopedRecords[] = [];

  add(record: RecordData): void {
    if (record.networks.length === 0) {
      this.defaults.push(record);
      return;
    }
    for (const network of record.networks) {
      const prefix = parseIpPrefix(network) as IpPrefix; // validated by normalizeRecord
      let entry = this.scoped.find((candidate) => candidate.prefix.text === prefix.text);
      if (entry === undefined) {
        entry = { prefix, records: [] };
        this.scoped.push(entry);
      }
      if (!entry.records.includes(record)) {
        entry.records.push(record);
      }
    }
    this.scoped.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /**
   * Returns the records a client sees: the set of the longest matching network, else the
   * default set. An empty result means the type does not exist for this client.
   */
  select(client: Uint8Array | undefined): readonly RecordData[] {
    if (client !== undefined) {
      for (const entry of this.scoped) {
        if (prefixContains(entry.prefix, client)) {
          return entry.records;
        }
      }
    }
    return this.defaults;
  }

  allRecords(): RecordData[] {
    const all = new Set(this.defaults);
    this.scoped.forEach((entry) => entry.records.forEach((record) => all.add(record)));
    return [...all];
  }
}

/** Name in a zone. A node without record sets is an empty non-terminal. */
export interface ZoneNode {
  rrsets: Map<RecordType, RecordSet>;
}

/** Immutable lookup structure of one zone, keyed by lower-case absolute names. */
export class CompiledZone {
  readonly nodes = new Map<string, ZoneNode>();
  /** Owner names of NS records below the apex, i.e. delegation points. */
  readonly cuts = new Set<string>();
  readonly issues: ZoneLoadIssue[] = [];

  private constructor(
    readonly name: string,
    readonly soa: SoaData,
  ) {}

  /** Builds the index of one zone. Throws ZoneDataError for an invalid zone name or SOA. */
  static build(zone: ZoneData): CompiledZone {
    const name = asciiLower(zone.name);
    if (!isValidDomainName(name)) {
      throw new ZoneDataError(`invalid zone name ${JSON.stringify(zone.name)}`);
    }
    const soaProblem = validateSoa(zone.soa);
    if (soaProblem !== undefined) {
      throw new ZoneDataError(`zone ${name}: ${soaProblem}`);
    }
    const soa = { ...zone.soa, primary: asciiLower(zone.soa.primary) };
    const compiled = new CompiledZone(name, { ...soa, hostmaster: asciiLower(soa.hostmaster) });
    compiled.nodes.set(name, { rrsets: new Map() });
    for (const record of zone.records) {
      compiled.addRecord(record);
    }
    compiled.removeCnameConflicts();
    return compiled;
  }

  /** Returns the highest delegation point at or above `name`, which must be inside the zone. */
  findCut(name: string): string | undefined {
    if (this.cuts.size === 0) {
      return undefined;
    }
    let highest: string | undefined;
    let suffix = name;
    while (suffix.length > this.name.length) {
      if (this.cuts.has(suffix)) {
        highest = suffix;
      }
      suffix = suffix.slice(suffix.indexOf('.') + 1);
    }
    return highest;
  }

  /** Returns the longest existing ancestor of a name that does not exist itself (RFC 4592). */
  closestEncloser(name: string): string {
    let suffix = name;
    while (suffix.length > this.name.length) {
      suffix = suffix.slice(suffix.indexOf('.') + 1);
      if (this.nodes.has(suffix)) {
        return suffix;
      }
    }
    return this.name;
  }

  private addRecord(record: RecordData): void {
    const normalized = normalizeRecord(record, this.name);
    if (typeof normalized === 'string') {
      this.issues.push({ zone: this.name, recordId: String(record.id), reason: normalized });
      return;
    }
    if (normalized.type === 'CNAME' && normalized.name === this.name) {
      this.issues.push({
        zone: this.name,
        recordId: normalized.id,
        reason: 'CNAME at the zone apex conflicts with SOA and NS',
      });
      return;
    }
    const node = this.ensureNode(normalized.name);
    let set = node.rrsets.get(normalized.type);
    if (set === undefined) {
      set = new RecordSet();
      node.rrsets.set(normalized.type, set);
    }
    set.add(normalized);
    if (normalized.type === 'NS' && normalized.name !== this.name) {
      this.cuts.add(normalized.name);
    }
  }

  /** Creates the node and every missing ancestor up to the apex as empty non-terminals. */
  private ensureNode(name: string): ZoneNode {
    const existing = this.nodes.get(name);
    if (existing !== undefined) {
      return existing;
    }
    const node: ZoneNode = { rrsets: new Map() };
    this.nodes.set(name, node);
    let suffix = name;
    while (suffix.length > this.name.length) {
      suffix = suffix.slice(suffix.indexOf('.') + 1);
      if (this.nodes.has(suffix)) {
        break;
      }
      this.nodes.set(suffix, { rrsets: new Map() });
    }
    return node;
  }

  /**
   * Drops CNAME records that share a name with other data (RFC 1034 section 3.6.2) and extra
   * CNAMEs of the same client scope, keeping the first one.
   */
  private removeCnameConflicts(): void {
    for (const [name, node] of this.nodes) {
      const cnames = node.rrsets.get('CNAME');
      if (cnames === undefined) {
        continue;
      }
      if (node.rrsets.size > 1) {
        node.rrsets.delete('CNAME');
        for (const record of cnames.allRecords()) {
          this.issues.push({
            zone: this.name,
            recordId: record.id,
            reason: `CNAME at ${name} conflicts with other records at that name`,
          });
        }
        continue;
      }
      this.trimDuplicateCnames(name, node, cnames);
    }
  }

  private trimDuplicateCnames(name: string, node: ZoneNode, cnames: RecordSet): void {
    const kept = new RecordSet();
    // Scope keys are '' for the default set and the canonical prefix text otherwise.
    const usedScopes = new Set<string>();
    for (const record of cnames.allRecords()) {
      const scopes =
        record.networks.length === 0
          ? ['']
          : record.networks.map((network) => (parseIpPrefix(network) as IpPrefix).text);
      if (scopes.some((scope) => usedScopes.has(scope))) {
        this.issues.push({
          zone: this.name,
          recordId: record.id,
          reason: `more than one CNAME at ${name} for the same clients`,
        });
        continue;
      }
      scopes.forEach((scope) => usedScopes.add(scope));
      kept.add(record);
    }
    node.rrsets.set('CNAME', kept);
  }
}
