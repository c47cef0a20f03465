import { hostKey } from '../../../lib/graphql/host';
import { Arg, Directive, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { quoted } from '../../../lib/config/spec';
import { badInput } from '../../../lib/errors';
import { hostmasterValue, toRecordData, type DnsCatalog, type DnsDefaults } from '../catalog';
import { presentation } from '../content';
import type { RecordDocument, ZoneDocument } from '../models';
import { isHostName, normalizeName } from '../names';
import type { NameserverCounters } from '../server/nameserver';
import { ttlValue } from '../validate';
import {
  CreateRecordInput,
  CreateZoneInput,
  DeleteRecordInput,
  DeleteZoneInput,
  UpdateDnsSettingsInput,
  UpdateRecordInput,
  UpdateZoneInput,
} from './inputs';
import {
  DeleteRecordPayload,
  DeleteZonePayload,
  DnsCounter,
  DnsRecord,
  DnsRecordConnection,
  DnsSettings,
  DnsStats,
  Host,
  RecordType,
  Zone,
  ZoneConnection,
} from './types';
import type { RecordType as RecordTypeName } from '../zone-data';

function counterList(counts: Record<string, number>): DnsCounter[] {
  return Object.entries(counts)
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

@Resolver(() => Zone)
export class ZoneResolver {
  constructor(private readonly catalog: DnsCatalog) {}

  @Query(() => ZoneConnection, { description: 'Zones ordered by name.' })
  zones(
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return this.catalog.listZones(first, after);
  }

  @Query(() => Zone, { nullable: true })
  zone(@Arg('name') name: string): Promise<ZoneDocument | null> {
    return this.catalog.zone(name);
  }

  @FieldResolver(() => DnsRecordConnection, {
    description: 'Records of the zone, filtered by owner name and type.',
  })
  records(
    @Root() zone: ZoneDocument,
    @Arg('name', () => String, { nullable: true }) name?: string | null,
    @Arg('type', () => RecordType, { nullable: true }) type?: RecordTypeName | null,
    @Arg('first', () => Int, { defaultValue: 100 }) first = 100,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return this.catalog.listRecords(zone.name, { name, type }, first, after);
  }

  @Mutation(() => Zone, {
    nullable: true,
    description: 'Creates a zone with its SOA and apex NS records.',
  })
  createZone(@Arg('input') input: CreateZoneInput): Promise<ZoneDocument> {
    return this.catalog.createZone(input);
  }

  @Mutation(() => Zone, {
    nullable: true,
    description: 'Changes SOA values; the serial is increased.',
  })
  updateZone(@Arg('input') input: UpdateZoneInput): Promise<ZoneDocument> {
    return this.catalog.updateZone(input.name, input.soa);
  }

  @Mutation(() => DeleteZonePayload, {
    nullable: true,
    description: 'Deletes a zone and all its records.',
  })
  deleteZone(@Arg('input') input: DeleteZoneInput) {
    return this.catalog.deleteZone(input.name);
  }
}

@Resolver(() => DnsRecord)
export class RecordResolver {
  constructor(private readonly catalog: DnsCatalog) {}

  @Query(() => DnsRecordConnection, {
    description: 'Records of a zone, filtered by owner name and type.',
  })
  records(
    @Arg('zone') zone: string,
    @Arg('name', () => String, { nullable: true }) name?: string | null,
    @Arg('type', () => RecordType, { nullable: true }) type?: RecordTypeName | null,
    @Arg('first', () => Int, { defaultValue: 100 }) first = 100,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return this.catalog.listRecords(zone, { name, type }, first, after);
  }

  @FieldResolver(() => String)
  content(@Root() record: RecordDocument): string {
    return presentation(toRecordData(record));
  }

  @FieldResolver(() => [String])
  networks(@Root() record: RecordDocument): string[] {
    return record.networks ?? [];
  }

  @Mutation(() => DnsRecord, { nullable: true })
  createRecord(@Arg('input') input: CreateRecordInput): Promise<RecordDocument> {
    return this.catalog.createRecord(input);
  }

  @Mutation(() => DnsRecord, { nullable: true })
  updateRecord(@Arg('input') input: UpdateRecordInput): Promise<RecordDocument> {
    return this.catalog.updateRecord(input);
  }

  @Mutation(() => DeleteRecordPayload, { nullable: true })
  deleteRecord(@Arg('input') input: DeleteRecordInput) {
    return this.catalog.deleteRecord(input.id);
  }
}

@Resolver(() => DnsSettings)
export class DnsSettingsResolver {
  constructor(
    private readonly catalog: DnsCatalog,
    private readonly counters: () => NameserverCounters,
  ) {}

  @Query(() => DnsSettings, { description: 'Runtime defaults of new zones and records.' })
  dnsSettings(): Promise<DnsDefaults> {
    return this.catalog.defaults.get();
  }

  @Mutation(() => DnsSettings, { nullable: true })
  updateDnsSettings(@Arg('input') input: UpdateDnsSettingsInput): Promise<DnsDefaults> {
    const patch: Partial<DnsDefaults> = {};
    if (input.nameservers != null) {
      patch.nameservers = input.nameservers.map((ns, i) => {
        const name = normalizeName(ns);
        if (!isHostName(name))
          throw badInput(`input.nameservers[${i}]`, `${quoted(ns)} is not a valid host name`);
        return name;
      });
      if (patch.nameservers.length > 13)
        throw badInput('input.nameservers', 'at most 13 name servers');
      if (patch.nameservers.length === 0)
        throw badInput('input.nameservers', 'needs at least one name server');
    }
    if (input.hostmaster != null)
      patch.hostmaster = hostmasterValue(input.hostmaster, 'input.hostmaster');
    for (const key of ['refresh', 'retry', 'expire', 'minimum', 'soaTtl', 'defaultTtl'] as const) {
      const value = input[key];
      if (value !== null && value !== undefined) patch[key] = ttlValue(value, `input.${key}`);
    }
    return this.catalog.defaults.update(patch);
  }

  @Query(() => DnsStats, { description: 'Nameserver counters of this process since it started.' })
  dnsStats(): DnsStats {
    const counters = this.counters();
    return {
      queriesByType: counterList(counters.queries),
      responsesByRcode: counterList(counters.responses),
      drops: counterList(counters.drops),
      queriesByTransport: counterList(counters.transports),
      handlerErrors: counters.handlerErrors,
      tcpConnectionsAccepted: counters.tcpConnectionsAccepted,
      tcpConnectionsOpen: counters.tcpConnectionsOpen,
    };
  }
}

@Resolver(() => Host)
export class HostResolver {
  constructor(private readonly catalog: DnsCatalog) {}

  @Directive('@shareable')
  @Query(() => Host, {
    description: 'A host by name, for joining what every service knows about it.',
  })
  host(@Arg('name') name: string): Host {
    return { name: hostKey(name) };
  }

  @FieldResolver(() => [DnsRecord], {
    description: 'DNS records whose owner is this host name, in any zone.',
  })
  records(@Root() host: Host): Promise<RecordDocument[]> {
    return this.catalog.recordsByName(host.name);
  }
}
