import { integer, ipAddress, port, type SettingSpec } from '../../lib/config/spec';

const KIB = 1024;
const DAY_SECONDS = 86_400;

/**
 * Maximum retention age in seconds (100 years). It is above 2^31, so GraphQL carries the age as
 * SafeInt, not Int; boot, `updateSyslogSettings` and the schema share this limit.
 */
export const RETENTION_MAX_AGE_LIMIT = 100 * 365 * DAY_SECONDS;
/** Largest retention count; below 2^53, so it is exact in a JavaScript number. */
export const RETENTION_MAX_COUNT_LIMIT = 1_000_000_000_000;

/** Accepts a cron expression of 5 fields, or 6 with seconds first (node-schedule syntax). */
function cronExpression(raw: string): string {
  const fields = raw.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6 || fields.some((f) => !/^[\d*/,-]+$/.test(f))) {
    throw new Error('expected a cron expression of 5 or 6 fields, such as "*/10 * * * *"');
  }
  return fields.join(' ');
}

/** Boot settings of the syslog service. */
export const syslogSettings = {
  graphqlPort: {
    env: 'PAAS_SYSLOG_GRAPHQL_PORT',
    default: '4003',
    unit: 'port',
    description: 'Port of the syslog subgraph HTTP server (/graphql, /health).',
    parse: port,
  },
  host: {
    env: 'PAAS_SYSLOG_HOST',
    default: '0.0.0.0',
    unit: 'IP address',
    description: 'Address the receiver binds to for UDP and TCP; :: listens on IPv6 and IPv4.',
    parse: ipAddress,
  },
  port: {
    env: 'PAAS_SYSLOG_PORT',
    default: '514',
    unit: 'port',
    description:
      'Receiver port for UDP and TCP; 0 picks a free port. Ports below 1024 need root or CAP_NET_BIND_SERVICE.',
    parse: port,
  },
  maxMessageSize: {
    env: 'PAAS_SYSLOG_MAX_MESSAGE_SIZE',
    default: String(64 * KIB),
    unit: 'bytes',
    description:
      'Longest message kept; longer messages are truncated to this size, stored and flagged `truncated`.',
    parse: integer(480, 16 * 1024 * KIB),
  },
  tcpMaxConnections: {
    env: 'PAAS_SYSLOG_TCP_MAX_CONNECTIONS',
    default: '1000',
    unit: 'connections',
    description:
      'Open TCP connections allowed at once; further connections are closed and counted.',
    parse: integer(1, 1_000_000),
  },
  tcpIdleTimeout: {
    env: 'PAAS_SYSLOG_TCP_IDLE_TIMEOUT',
    default: '300000',
    unit: 'ms',
    description: 'TCP connections that send nothing for this long are closed and counted.',
    parse: integer(100, 86_400_000),
  },
  batchSize: {
    env: 'PAAS_SYSLOG_BATCH_SIZE',
    default: '1000',
    unit: 'messages',
    description: 'Messages written to the store in one insert at most.',
    parse: integer(1, 100_000),
  },
  batchLatency: {
    env: 'PAAS_SYSLOG_BATCH_LATENCY',
    default: '200',
    unit: 'ms',
    description: 'Maximum time a received message waits before its batch is written.',
    parse: integer(1, 60_000),
  },
  stopTimeout: {
    env: 'PAAS_SYSLOG_STOP_TIMEOUT',
    default: '3000',
    unit: 'ms',
    description:
      'Time the service spends at shutdown writing queued messages; the rest is dropped and counted as store-failed. An insert already running is not interrupted.',
    parse: integer(100, 600_000),
  },
  queueMaxMessages: {
    env: 'PAAS_SYSLOG_QUEUE_MAX_MESSAGES',
    default: '20000',
    unit: 'messages',
    description:
      'Messages waiting for the store at most; above it TCP stops reading and UDP drops (counted).',
    parse: integer(1, 10_000_000),
  },
  queueMaxBytes: {
    env: 'PAAS_SYSLOG_QUEUE_MAX_BYTES',
    default: String(32 * KIB * KIB),
    unit: 'bytes',
    description:
      'Raw bytes of messages waiting for the store at most; same effect as the message limit.',
    parse: integer(64 * KIB, 4 * KIB * KIB * KIB),
  },
  retentionMaxAge: {
    env: 'PAAS_SYSLOG_RETENTION_MAX_AGE',
    default: String(30 * DAY_SECONDS),
    unit: 's',
    description:
      'Messages received longer ago than this are deleted by the retention job; 0 keeps them regardless of age.',
    parse: integer(0, RETENTION_MAX_AGE_LIMIT),
  },
  retentionMaxCount: {
    env: 'PAAS_SYSLOG_RETENTION_MAX_COUNT',
    default: '10000000',
    unit: 'messages',
    description:
      'Messages kept at most; the retention job deletes the oldest above it. 0 sets no count limit.',
    parse: integer(0, RETENTION_MAX_COUNT_LIMIT),
  },
  retentionSchedule: {
    env: 'PAAS_SYSLOG_RETENTION_SCHEDULE',
    default: '*/10 * * * *',
    unit: 'cron expression',
    description: 'When the retention job runs (node-schedule syntax, optional seconds field).',
    parse: cronExpression,
  },
} satisfies Record<string, SettingSpec>;
