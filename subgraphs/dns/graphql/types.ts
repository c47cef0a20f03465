import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../../lib/graphql/connection';
import { RECORD_TYPES, type RecordType as RecordTypeName } from '../zone-data';

export const RecordType = Object.fromEntries(RECORD_TYPES.map((t) => [t, t])) as {
  [K in RecordTypeName]: K;
};
registerEnumType(RecordType, {
  name: 'RecordType',
  description: 'Record types the DNS service stores.',
});

@ObjectType({ description: 'Start of authority of a zone; times in seconds.' })
export class Soa {
  @Field({ description: 'MNAME: the primary name server.' })
  primary!: string;

  @Field({ description: 'RNAME: the hostmaster mailbox written as a host name.' })
  hostmaster!: string;

  @Field(() => GraphQLSafeInt, {
    description:
      'Date-based serial YYYYMMDDnn, increased by every change; an unsigned 32-bit number.',
  })
  serial!: number;

  @Field(() => Int)
  refresh!: number;

  @Field(() => Int)
  retry!: number;

  @Field(() => Int)
  expire!: number;

  @Field(() => Int, { description: 'Negative-caching TTL (RFC 2308).' })
  minimum!: number;

  @Field(() => Int, { description: 'TTL of the SOA record itself.' })
  ttl!: number;
}

@ObjectType({ description: 'An authoritative zone.' })
export class Zone {
  @Field({ description: 'Apex, lower-case, without trailing dot.' })
  name!: string;

  @Field(() => Soa)
  soa!: Soa;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

@ObjectType('DnsRecord', { description: 'A resource record. Only the fields of its type are set.' })
export class DnsRecord {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Apex of the zone the record belongs to.' })
  zone!: string;

  @Field({ description: 'Owner name, absolute and lower-case.' })
  name!: string;

  @Field(() => RecordType)
  type!: RecordTypeName;

  @Field(() => Int, { description: 'Seconds.' })
  ttl!: number;

  @Field(() => [String], {
    description: 'Client networks (CIDR) this record is served to; empty for every client.',
  })
  networks!: string[];

  @Field(() => String, { nullable: true, description: 'A, AAAA: the address.' })
  address?: string;

  @Field(() => String, {
    nullable: true,
    description: 'CNAME, NS, PTR, MX, SRV: the target host name.',
  })
  target?: string;

  @Field(() => Int, { nullable: true, description: 'MX preference.' })
  preference?: number;

  @Field(() => Int, { nullable: true, description: 'SRV priority.' })
  priority?: number;

  @Field(() => Int, { nullable: true, description: 'SRV weight.' })
  weight?: number;

  @Field(() => Int, { nullable: true, description: 'SRV port.' })
  port?: number;

  @Field(() => Int, { nullable: true, description: 'CAA flags.' })
  flags?: number;

  @Field(() => String, { nullable: true, description: 'CAA tag: issue, issuewild, iodef, ...' })
  tag?: string;

  @Field(() => String, { nullable: true, description: 'CAA value.' })
  value?: string;

  @Field(() => [String], {
    nullable: true,
    description: 'TXT character-strings, each at most 255 bytes.',
  })
  text?: string[];

  @Field({ description: 'RDATA in zone-file presentation format.' })
  content!: string;
}

@ObjectType()
export class ZoneConnection extends Connection(Zone) {}

@ObjectType()
export class DnsRecordConnection extends Connection(DnsRecord) {}

@ObjectType({ description: 'Defaults applied to new zones and records; changeable at run time.' })
export class DnsSettings {
  @Field(() => [String], {
    description: 'Name servers of new zones: the first is the SOA primary.',
  })
  nameservers!: string[];

  @Field()
  hostmaster!: string;

  @Field(() => Int)
  refresh!: number;

  @Field(() => Int)
  retry!: number;

  @Field(() => Int)
  expire!: number;

  @Field(() => Int)
  minimum!: number;

  @Field(() => Int, { description: 'TTL of SOA and NS records of new zones.' })
  soaTtl!: number;

  @Field(() => Int, { description: 'TTL of records created without one.' })
  defaultTtl!: number;
}

@ObjectType({ description: 'One named counter.' })
export class DnsCounter {
  @Field()
  name!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Nameserver counters since the process started.' })
export class DnsStats {
  @Field(() => [DnsCounter], { description: 'Queries by question type.' })
  queriesByType!: DnsCounter[];

  @Field(() => [DnsCounter], { description: 'Responses by response code.' })
  responsesByRcode!: DnsCounter[];

  @Field(() => [DnsCounter], { description: 'Dropped packets and connections by reason.' })
  drops!: DnsCounter[];

  @Field(() => [DnsCounter], { description: 'Messages received by transport (udp, tcp).' })
  queriesByTransport!: DnsCounter[];

  @Field(() => Int, { description: 'Errors raised while answering, each answered with SERVFAIL.' })
  handlerErrors!: number;

  @Field(() => Int)
  tcpConnectionsAccepted!: number;

  @Field(() => Int)
  tcpConnectionsOpen!: number;
}

@ObjectType({ description: 'Result of deleteZone.' })
export class DeleteZonePayload {
  @Field()
  name!: string;

  @Field(() => Int)
  deletedRecords!: number;
}

@ObjectType({ description: 'Result of deleteRecord.' })
export class DeleteRecordPayload {
  @Field(() => ID)
  id!: string;
}

@Directive('@key(fields: "name")')
@ObjectType({ description: 'A host name, joined across services.' })
export class Host {
  @Field()
  name!: string;
}
