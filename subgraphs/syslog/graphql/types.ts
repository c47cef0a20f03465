import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../../lib/graphql/connection';
import { FACILITY_NAMES, SEVERITY_NAMES } from '../codes';
import type { MessageFormat, SdElement, Transport } from '../models';

/** Severity names as GraphQL enum values mapped to their codes: `ERR` is 3. */
export const Severity = Object.fromEntries(
  SEVERITY_NAMES.map((name, code) => [name.toUpperCase(), code]),
) as Record<string, number>;
registerEnumType(Severity, {
  name: 'Severity',
  description: 'Syslog severity (RFC 5424), most severe first: EMERG is 0, DEBUG is 7.',
});

export const Facility = Object.fromEntries(
  FACILITY_NAMES.map((name, code) => [name.toUpperCase(), code]),
) as Record<string, number>;
registerEnumType(Facility, {
  name: 'Facility',
  description: 'Syslog facility (RFC 5424), named as rsyslog names them: 0 is KERN, 23 LOCAL7.',
});

export const SyslogTransport = { UDP: 'udp', TCP: 'tcp' } as const;
registerEnumType(SyslogTransport, { name: 'SyslogTransport' });

export const LogFormat = { RFC5424: 'rfc5424', RFC3164: 'rfc3164', UNKNOWN: 'unknown' } as const;
registerEnumType(LogFormat, {
  name: 'LogFormat',
  description: 'How a message was parsed; UNKNOWN is a line without a valid syslog header.',
});

@ObjectType({ description: 'One PARAM-NAME="PARAM-VALUE" pair of an SD element, unescaped.' })
export class SdParamType {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@ObjectType('SdElement', { description: 'One element of RFC 5424 structured data.' })
export class SdElementType {
  @Field({ description: 'SD-ID, such as timeQuality or exampleSDID@32473.' })
  id!: string;

  @Field(() => [SdParamType])
  params!: SdParamType[];
}

@ObjectType({ description: 'A received syslog message.' })
export class LogMessage {
  @Field(() => ID)
  id!: string;

  @Field(() => GraphQLDateTime, { description: 'When the receiver read the message.' })
  receivedAt!: Date;

  @Field(() => GraphQLDateTime, {
    nullable: true,
    description: 'Time in the message header, to the millisecond; null when it has none.',
  })
  timestamp?: Date | null;

  @Field({
    description: 'Host name from the header, lower-case; the sender address when there is none.',
  })
  host!: string;

  @Field(() => String, { nullable: true, description: 'APP-NAME, or the RFC 3164 tag.' })
  appName?: string | null;

  @Field(() => String, { nullable: true, description: 'PROCID, or the RFC 3164 tag [pid].' })
  procId?: string | null;

  @Field(() => String, { nullable: true, description: 'MSGID (RFC 5424 only).' })
  msgId?: string | null;

  @Field(() => Facility)
  facility!: number;

  @Field(() => Severity)
  severity!: number;

  @Field(() => [SdElementType])
  structuredData!: SdElement[];

  @Field({ description: 'MSG: the free-form text, without a UTF-8 byte order mark.' })
  message!: string;

  @Field({ description: 'The message as received, UTF-8 decoded, without its frame delimiter.' })
  raw!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The received bytes in base64, set only when they are not valid UTF-8.',
  })
  rawBase64?: string | null;

  @Field({ description: 'IP address the message came from.' })
  sender!: string;

  @Field(() => SyslogTransport)
  transport!: Transport;

  @Field(() => LogFormat)
  format!: MessageFormat;

  @Field({ description: 'True when the message was longer than the maximum size and cut.' })
  truncated!: boolean;
}

@ObjectType()
export class LogMessageConnection extends Connection(LogMessage) {}

@ObjectType({ description: 'Number of stored messages of one severity.' })
export class SeverityCount {
  @Field(() => Severity)
  severity!: number;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Stored messages of one host and app name.' })
export class LogSource {
  @Field()
  host!: string;

  @Field(() => String, { nullable: true, description: 'Null for messages without an app name.' })
  appName!: string | null;

  @Field(() => Int, { description: 'Messages stored now, after retention.' })
  total!: number;

  @Field(() => [SeverityCount], { description: 'Stored messages by severity, zeros left out.' })
  severityCounts!: SeverityCount[];

  @Field(() => GraphQLDateTime, {
    description: 'Receive time of the first message since the source had none stored.',
  })
  firstSeen!: Date;

  @Field(() => GraphQLDateTime, { description: 'Receive time of the latest message.' })
  lastSeen!: Date;
}

@ObjectType({ description: 'Stored messages of one host, all app names together.' })
export class LogHostSummary {
  @Field()
  host!: string;

  @Field(() => Int)
  total!: number;

  @Field(() => [SeverityCount])
  severityCounts!: SeverityCount[];

  @Field(() => GraphQLDateTime)
  firstSeen!: Date;

  @Field(() => GraphQLDateTime)
  lastSeen!: Date;

  @Field(() => [LogSource], { description: 'The host’s messages by app name.' })
  sources!: LogSource[];
}

@ObjectType()
export class LogSourceConnection extends Connection(LogSource) {}

@ObjectType()
export class LogHostSummaryConnection extends Connection(LogHostSummary) {}

@ObjectType({ description: 'Message counts of one transport since the process started.' })
export class SyslogTransportStats {
  @Field(() => SyslogTransport)
  transport!: Transport;

  @Field(() => Int, { description: 'Messages read, malformed and truncated ones included.' })
  received!: number;

  @Field(() => Int)
  stored!: number;

  @Field(() => Int, { description: 'Messages received but never stored (see drops).' })
  dropped!: number;

  @Field(() => Int, {
    description: 'Messages without a syslog header, and TCP connections with broken framing.',
  })
  malformed!: number;

  @Field(() => Int, { description: 'Messages cut at the maximum message size.' })
  truncated!: number;
}

@ObjectType({ description: 'One named counter.' })
export class SyslogCounter {
  @Field()
  name!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Receiver counters of this process since it started.' })
export class SyslogStats {
  @Field(() => [SyslogTransportStats])
  transports!: SyslogTransportStats[];

  @Field(() => [SyslogCounter], {
    description: 'Dropped messages and closed or rejected connections, by reason.',
  })
  drops!: SyslogCounter[];

  @Field(() => Int)
  tcpConnectionsAccepted!: number;

  @Field(() => Int)
  tcpConnectionsOpen!: number;

  @Field(() => Int, { description: 'Times a TCP connection stopped reading for the store.' })
  tcpReadsPaused!: number;

  @Field(() => Int, { description: 'Failed store writes; each is retried.' })
  storeErrors!: number;

  @Field(() => Int, { description: 'Messages waiting to be stored.' })
  queuedMessages!: number;

  @Field(() => Int, { description: 'Raw bytes of the messages waiting to be stored.' })
  queuedBytes!: number;
}

@ObjectType({ description: 'Retention limits; changeable at run time.' })
export class SyslogSettings {
  @Field(() => GraphQLSafeInt, {
    description: 'Seconds a message is kept; 0 keeps it regardless of age.',
  })
  retentionMaxAge!: number;

  @Field(() => Number, {
    description: 'Messages kept at most, the oldest deleted first; 0 sets no limit.',
  })
  retentionMaxCount!: number;
}

@ObjectType({ description: 'Result of runLogRetention.' })
export class LogRetentionResult {
  @Field({ description: 'False when a run was already going on in this or another replica.' })
  ran!: boolean;

  @Field(() => Int)
  deletedByAge!: number;

  @Field(() => Int)
  deletedByCount!: number;
}

@Directive('@key(fields: "name")')
@ObjectType({ description: 'A host name, joined across services.' })
export class Host {
  @Field()
  name!: string;
}
