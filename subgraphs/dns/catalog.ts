import type { ChangeFeed } from '../../lib/changes';
import { quoted } from '../../lib/config/spec';
import type { RuntimeSettings } from '../../lib/config/runtime';
import { badInput, conflict, notFound } from '../../lib/errors';
import { pageArguments, toPage, type Page } from '../../lib/graphql/connection';
import type { Logger } from '../../lib/log';
import { DuplicateKeyError, type Filter, type Store } from '../../lib/store';
import type {
  CreateRecordInput,
  CreateZoneInput,
  SoaInput,
  UpdateRecordInput,
} from './graphql/inputs';
import { RecordModel, ZoneModel, type RecordDocument, type ZoneDocument } from './models';
import { isHostName, normalizeName, ownerName } from './names';
import { nextSerial } from './serial';
import { networksValue, ownerValue, recordValues, ttlValue, type RecordFields } from './validate';
import type { RecordData, RecordType, SoaData, ZoneData } from './zone-data';

/** Topic of the change feed that DNS writes publish, with the zone name as key. */
export const ZONES_TOPIC = 'dns.zones';

/** Runtime defaults of new zones and records. */
export interface DnsDefaults {
  nameservers: string[];
  hostmaster: string;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
  soaTtl: number;
  defaultTtl: number;
}

/** Name servers per zone; 13 is what fits a classic 512-byte answer, as for the root zone. */
const MAX_NAMESERVERS = 13;

/** Largest estimated wire size of one record set, so that it still fits a TCP answer. */
const MAX_RRSET_BYTES = 60_000;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Estimates the wire size of one record: owner (compressed), fixed fields and RDATA. */
function wireSize(record: Omit<RecordData, 'id'>): number {
  const name = (target?: string) => (target ? target.length + 2 : 1);
  switch (record.type) {
    case 'A':
      return 16;
    case 'AAAA':
      return 28;
    case 'TXT':
      return 12 + (record.text ?? []).reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0);
    case 'CAA':
      return 14 + (record.tag?.length ?? 0) + Buffer.byteLength(record.value ?? '');
    case 'MX':
      return 14 + name(record.target);
    case 'SRV':
      return 18 + name(record.target);
    default:
      return 12 + name(record.target);
  }
}

const DATA_FIELDS = [
  'address',
  'target',
  'preference',
  'priority',
  'weight',
  'port',
  'flags',
  'tag',
  'value',
  'text',
] as const;

function hostNameValue(value: string, field: string): string {
  const name = normalizeName(value);
  if (!isHostName(name)) throw badInput(field, `${quoted(value)} is not a valid host name`);
  return name;
}

/** Accepts a hostmaster as `hostmaster.example.test` or as the mailbox `hostmaster@example.test`. */
export function hostmasterValue(value: string, field: string): string {
  const at = value.indexOf('@');
  if (at === -1) return hostNameValue(value, field);
  const local = value.slice(0, at);
  if (local.includes('.') || local === '') {
    throw badInput(
      field,
      `${quoted(value)}: write the mailbox as a host name, with no dots before the @`,
    );
  }
  return hostNameValue(`${local}.${value.slice(at + 1)}`, field);
}

function sameRecordData(a: Omit<RecordData, 'id'>, b: Omit<RecordData, 'id'>): boolean {
  return DATA_FIELDS.every((f) => JSON.stringify(a[f] ?? null) === JSON.stringify(b[f] ?? null));
}

function sameNetworks(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/**
 * Converts a stored record to the shared zone-data shape. The store keeps the root target of a
 * null MX or "no service" SRV as ".", and zone data writes names without the trailing dot, so
 * the root becomes "".
 */
export function toRecordData(document: RecordDocument): RecordData {
  const data: RecordData = {
    id: document.id,
    zone: document.zone,
    name: document.name,
    type: document.type,
    ttl: document.ttl,
    networks: document.networks ?? [],
    ...Object.fromEntries(
      DATA_FIELDS.filter((f) => document[f] !== undefined && document[f] !== null).map((f) => [
        f,
        document[f],
      ]),
    ),
  };
  if (data.target === '.') data.target = '';
  return data;
}

/**
 * Zones and records: every validation rule and consistency check of the DNS data, and the
 * serial bump and change notification that follow each write.
 */
export class DnsCatalog {
  private readonly zones;
  private readonly records;

  constructor(
    store: Store,
    private readonly changes: ChangeFeed,
    readonly defaults: RuntimeSettings<DnsDefaults>,
    private readonly logger: Logger,
  ) {
    this.zones = store.collection(ZoneModel);
    this.records = store.collection(RecordModel);
  }

  async zone(name: string): Promise<ZoneDocument | null> {
    return this.zones.findOne({ name: normalizeName(name) });
  }

  private async requireZone(name: string, field: string): Promise<ZoneDocument> {
    const zone = await this.zone(name);
    if (!zone) throw notFoundField(name, field);
    return zone;
  }

  async listZones(first: number, after?: string | null): Promise<Page<ZoneDocument>> {
    const page = pageArguments(first, after);
    const filter: Filter = page.after ? { name: { $gt: page.after } } : {};
    const [items, total] = await Promise.all([
      this.zones.find(filter, { sort: { name: 1 }, limit: page.first + 1 }),
      this.zones.count({}),
    ]);
    return toPage(items, page.first, total, (zone) => zone.name);
  }

  private soaValues(
    input: SoaInput | null | undefined,
    base: Omit<SoaData, 'serial'>,
  ): Omit<SoaData, 'serial'> {
    const soa = { ...base };
    if (input?.primary != null) soa.primary = hostNameValue(input.primary, 'input.soa.primary');
    if (input?.hostmaster != null)
      soa.hostmaster = hostmasterValue(input.hostmaster, 'input.soa.hostmaster');
    for (const key of ['refresh', 'retry', 'expire', 'minimum', 'ttl'] as const) {
      const value = input?.[key];
      if (value !== null && value !== undefined) soa[key] = ttlValue(value, `input.soa.${key}`);
    }
    return soa;
  }

  async createZone(input: CreateZoneInput): Promise<ZoneDocument> {
    const name = normalizeName(input.name);
    if (!isHostName(name)) {
      throw badInput(
        'input.name',
        `${quoted(input.name)} is not a valid domain name (RFC 1123 labels, 253 bytes max)`,
      );
    }
    const defaults = await this.defaults.get();
    const nameservers = (input.nameservers ?? defaults.nameservers).map((ns, i) =>
      hostNameValue(ns, `input.nameservers[${i}]`),
    );
    if (nameservers.length === 0)
      throw badInput('input.nameservers', 'a zone needs at least one name server');
    if (nameservers.length > MAX_NAMESERVERS) {
      throw badInput(
        'input.nameservers',
        `at most ${MAX_NAMESERVERS} name servers, so that the NS set fits a UDP answer`,
      );
    }
    await this.checkNoHiddenRecords(name);
    const soa = this.soaValues(input.soa, {
      primary: nameservers[0],
      hostmaster: defaults.hostmaster,
      refresh: defaults.refresh,
      retry: defaults.retry,
      expire: defaults.expire,
      minimum: defaults.minimum,
      ttl: defaults.soaTtl,
    });

    let zone: ZoneDocument;
    try {
      zone = await this.zones.insertOne({
        name,
        soa: { ...soa, serial: nextSerial(0) },
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    } catch (err) {
      if (err instanceof DuplicateKeyError)
        throw conflict(`zone ${name} already exists`, 'input.name');
      throw err;
    }
    await this.records.insertMany(
      [...new Set(nameservers)].map((target) => ({
        zone: name,
        name,
        type: 'NS' as const,
        ttl: soa.ttl,
        networks: [],
        target,
        createdAt: new Date(),
        updatedAt: new Date(),
      })),
    );
    this.logger.info({ zone: name }, 'zone created');
    await this.changes.publish(ZONES_TOPIC, name);
    return zone;
  }

  async updateZone(name: string, input: SoaInput): Promise<ZoneDocument> {
    const zone = await this.requireZone(name, 'input.name');
    const soa = this.soaValues(input, zone.soa);
    const set = Object.fromEntries(
      Object.entries(soa).map(([key, value]) => [`soa.${key}`, value]),
    );
    await this.zones.updateOne({ name: zone.name }, { $set: { ...set, updatedAt: new Date() } });
    const updated = await this.bumpSerial(zone.name);
    this.logger.info({ zone: zone.name }, 'zone updated');
    return updated;
  }

  async deleteZone(name: string): Promise<{ name: string; deletedRecords: number }> {
    const zone = await this.requireZone(name, 'input.name');
    const deletedRecords = await this.records.deleteMany({ zone: zone.name });
    await this.zones.deleteOne({ name: zone.name });
    this.logger.info({ zone: zone.name, deletedRecords }, 'zone deleted');
    await this.changes.publish(ZONES_TOPIC, zone.name);
    return { name: zone.name, deletedRecords };
  }

  /**
   * Rejects a new zone that would take over names a parent zone already has records for: the
   * nameserver answers from the closest zone, so those records would silently stop resolving.
   */
  private async checkNoHiddenRecords(apex: string): Promise<void> {
    const parent = await this.owningZone(apex);
    if (!parent) return;
    const below = await this.records.count({
      zone: parent,
      $or: [{ name: apex }, { name: { $regex: `\\.${escapeRegex(apex)}$` } }],
    });
    if (below > 0) {
      throw conflict(
        `zone ${parent} has ${below} records at or below ${apex}; delete them, or create them again in the new zone after deleting them from ${parent}`,
        'input.name',
      );
    }
  }

  /** Increases the zone's serial with compare-and-set, so concurrent writers never reuse one. */
  private async bumpSerial(zoneName: string): Promise<ZoneDocument> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const zone = await this.zones.findOne({ name: zoneName });
      if (!zone) throw notFound('zone', zoneName);
      const updated = await this.zones.updateOne(
        { name: zoneName, 'soa.serial': zone.soa.serial },
        { $set: { 'soa.serial': nextSerial(zone.soa.serial), updatedAt: new Date() } },
      );
      if (updated) {
        await this.changes.publish(ZONES_TOPIC, zoneName);
        return updated;
      }
    }
    throw new Error(
      `serial of zone ${zoneName} kept changing under concurrent writes; retry the request`,
    );
  }

  /** Finds the zone a name belongs to: the served zone with the longest matching apex. */
  private async owningZone(name: string): Promise<string | null> {
    const labels = name.split('.');
    const candidates = labels.map((_, i) => labels.slice(i).join('.'));
    const zones = await this.zones.find({ name: { $in: candidates } });
    return zones.map((z) => z.name).sort((a, b) => b.length - a.length)[0] ?? null;
  }

  // NOTE: this reads the existing records before the caller writes, so two concurrent
  // mutations on one name can both pass. The store has no transactions to close that gap.
  private async checkConsistency(
    candidate: Omit<RecordData, 'id'>,
    apex: string,
    excludeId?: string,
  ): Promise<void> {
    const owner = await this.owningZone(candidate.name);
    if (owner !== apex) {
      throw badInput(
        'input.name',
        `${candidate.name} belongs to zone ${owner ?? '(none)'}, not ${apex}`,
      );
    }
    const siblings = (await this.records.find({ zone: apex, name: candidate.name })).filter(
      (r) => r.id !== excludeId,
    );

    if (candidate.type === 'CNAME') {
      if (candidate.name === apex) {
        throw badInput(
          'input.type',
          'a CNAME cannot be at the zone apex, where SOA and NS records must be',
        );
      }
      const other = siblings.find((r) => r.type !== 'CNAME');
      if (other) {
        throw conflict(
          `${candidate.name} already has ${other.type} records; a CNAME must be the only data at its name (RFC 1034)`,
          'input.type',
        );
      }
      if (siblings.some((r) => sameNetworks(r.networks ?? [], candidate.networks))) {
        throw conflict(
          `${candidate.name} already has a CNAME for the same client networks`,
          'input.type',
        );
      }
      return;
    }
    if (siblings.some((r) => r.type === 'CNAME')) {
      throw conflict(
        `${candidate.name} has a CNAME, so it cannot hold ${candidate.type} records (RFC 1034)`,
        'input.type',
      );
    }
    const duplicate = siblings.find(
      (r) =>
        r.type === candidate.type &&
        sameNetworks(r.networks ?? [], candidate.networks) &&
        sameRecordData(r, candidate),
    );
    const rrset = siblings.filter(
      (r) => r.type === candidate.type && sameNetworks(r.networks ?? [], candidate.networks),
    );
    const size = rrset.reduce((sum, r) => sum + wireSize(r), wireSize(candidate));
    if (size > MAX_RRSET_BYTES) {
      throw conflict(
        `the ${candidate.type} records at ${candidate.name} would take about ${size} bytes, more than the ${MAX_RRSET_BYTES} that fit one answer`,
        'input',
      );
    }
    if (duplicate)
      throw conflict(
        `the same ${candidate.type} record already exists (id ${duplicate.id})`,
        'input',
      );
  }

  private async recordCandidate(
    zone: ZoneDocument,
    nameInput: string,
    type: RecordType,
    fields: RecordFields,
    defaults: { ttl: number; networks: string[] },
  ): Promise<Omit<RecordData, 'id'>> {
    const name = ownerValue(ownerName(nameInput, zone.name), type);
    if (name.length > 253) throw badInput('input.name', 'longer than 253 bytes');
    const ttl = ttlValue(fields.ttl ?? defaults.ttl);
    const networks = networksValue(fields.networks ?? defaults.networks);
    return { zone: zone.name, name, type, ttl, networks, ...recordValues(type, fields) };
  }

  async createRecord(input: CreateRecordInput): Promise<RecordDocument> {
    const zone = await this.requireZone(input.zone, 'input.zone');
    const { defaultTtl } = await this.defaults.get();
    const { zone: _zone, name, type, ...fields } = input;
    void _zone;
    const candidate = await this.recordCandidate(zone, name, type, fields, {
      ttl: defaultTtl,
      networks: [],
    });
    await this.checkConsistency(candidate, zone.name);

    const record = await this.records.insertOne({
      ...candidate,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    this.logger.info({ zone: zone.name, name: record.name, type, id: record.id }, 'record created');
    await this.bumpSerial(zone.name);
    return record;
  }

  async updateRecord(input: UpdateRecordInput): Promise<RecordDocument> {
    const current = await this.records.findOne({ id: input.id });
    if (!current) throw notFoundField(input.id, 'input.id', 'record');
    const zone = await this.requireZone(current.zone, 'input.id');
    const { id, name, ...fields } = input;
    const replacesData = DATA_FIELDS.some((f) => fields[f] !== null && fields[f] !== undefined);
    const merged: RecordFields = replacesData
      ? fields
      : { ...current, ...pick(fields, ['ttl', 'networks']) };
    const candidate = await this.recordCandidate(
      zone,
      name ?? current.name,
      current.type,
      stripKeys(merged),
      {
        ttl: current.ttl,
        networks: current.networks ?? [],
      },
    );
    await this.checkConsistency(candidate, zone.name, id);

    const unset = Object.fromEntries(
      DATA_FIELDS.filter((f) => candidate[f] === undefined).map((f) => [f, '']),
    );
    const updated = await this.records.updateOne(
      { id },
      {
        $set: { ...candidate, updatedAt: new Date() },
        ...(Object.keys(unset).length ? { $unset: unset } : {}),
      },
    );
    if (!updated) throw notFoundField(id, 'input.id', 'record');
    this.logger.info(
      { zone: zone.name, name: updated.name, type: updated.type, id },
      'record updated',
    );
    await this.bumpSerial(zone.name);
    return updated;
  }

  async deleteRecord(id: string): Promise<{ id: string }> {
    const record = await this.records.findOne({ id });
    if (!record) throw notFoundField(id, 'input.id', 'record');
    if (record.type === 'NS' && record.name === record.zone) {
      const apexNs = await this.records.count({ zone: record.zone, name: record.zone, type: 'NS' });
      if (apexNs <= 1) {
        throw conflict(
          `${record.target} is the last name server of zone ${record.zone}; a zone needs at least one`,
          'input.id',
        );
      }
    }
    await this.records.deleteOne({ id });
    this.logger.info(
      { zone: record.zone, name: record.name, type: record.type, id },
      'record deleted',
    );
    await this.bumpSerial(record.zone);
    return { id };
  }

  async listRecords(
    zoneName: string,
    filter: { name?: string | null; type?: RecordType | null },
    first: number,
    after?: string | null,
  ): Promise<Page<RecordDocument>> {
    const zone = await this.requireZone(zoneName, 'zone');
    const page = pageArguments(first, after);
    const query: Filter = { zone: zone.name };
    if (filter.name) query.name = ownerName(filter.name, zone.name, 'name');
    if (filter.type) query.type = filter.type;
    const [items, total] = await Promise.all([
      this.records.find(page.after ? { ...query, id: { $gt: page.after } } : query, {
        sort: { id: 1 },
        limit: page.first + 1,
      }),
      this.records.count(query),
    ]);
    return toPage(items, page.first, total, (record) => record.id);
  }

  async recordsByName(name: string): Promise<RecordDocument[]> {
    return this.records.find({ name: normalizeName(name) }, { sort: { id: 1 }, limit: 1000 });
  }

  /** Loads one zone with all its records, as the nameserver's index needs it. */
  async zoneData(name: string): Promise<ZoneData | null> {
    const zone = await this.zone(name);
    if (!zone) return null;
    const records = await this.records.find({ zone: zone.name });
    return { name: zone.name, soa: zone.soa, records: records.map(toRecordData) };
  }

  async allZoneData(): Promise<ZoneData[]> {
    const [zones, records] = await Promise.all([this.zones.find({}), this.records.find({})]);
    const byZone = new Map<string, RecordData[]>(zones.map((z) => [z.name, []]));
    for (const record of records) byZone.get(record.zone)?.push(toRecordData(record));
    return zones.map((zone) => ({
      name: zone.name,
      soa: zone.soa,
      records: byZone.get(zone.name) ?? [],
    }));
  }
}

function notFoundField(key: string, field: string, what = 'zone') {
  const error = notFound(what, normalizeName(key));
  (error.extensions as Record<string, unknown>).field = field;
  return error;
}

function pick<T extends object, K extends keyof T>(object: T, keys: K[]): Partial<T> {
  return Object.fromEntries(
    keys.filter((k) => object[k] !== null && object[k] !== undefined).map((k) => [k, object[k]]),
  ) as unknown as Partial<T>;
}

/** Keeps only RecordFields keys, so record metadata never reaches validation. */
function stripKeys(fields: RecordFields): RecordFields {
  return pick(fields, ['ttl', 'networks', ...DATA_FIELDS]);
}
