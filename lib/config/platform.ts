import { integer, ipAddress, oneOf, port, text, url, type SettingSpec } from './spec';

/** Settings every process reads, whichever services it runs. */
export const platformSettings = {
  dataDir: {
    env: 'PAAS_DATA_DIR',
    default: './data',
    unit: 'path',
    description: 'Folder of the embedded store (SQLite file paas-shack.db).',
    parse: text,
  },
  mongodbUrl: {
    env: 'PAAS_MONGODB_URL',
    default: '',
    unit: 'mongodb:// URL',
    description: 'MongoDB connection URL. Empty selects the embedded store in PAAS_DATA_DIR.',
    parse: url(['mongodb:', 'mongodb+srv:']),
  },
  logLevel: {
    env: 'PAAS_LOG_LEVEL',
    default: 'info',
    unit: 'level',
    description: 'Lowest level logged: fatal, error, warn, info, debug, trace or silent.',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
  logFormat: {
    env: 'PAAS_LOG_FORMAT',
    default: 'json',
    unit: 'json or pretty',
    description: 'Log line format: one JSON object per line, or coloured text for a terminal.',
    parse: oneOf('json', 'pretty'),
  },
  revisionPollInterval: {
    env: 'PAAS_REVISION_POLL_INTERVAL',
    default: '1000',
    unit: 'ms',
    description:
      'How often listeners check the store for changes made by other processes; 0 turns polling off (one process).',
    parse: integer(0, 3_600_000),
  },
  graphqlHost: {
    env: 'PAAS_GRAPHQL_HOST',
    default: '127.0.0.1',
    unit: 'IP address',
    description: 'Address the gateway and the subgraph HTTP servers bind to.',
    parse: ipAddress,
  },
  gatewayPort: {
    env: 'PAAS_GATEWAY_PORT',
    default: '4000',
    unit: 'port',
    description: 'Port of the GraphQL gateway (/graphql, /health/live, /health/ready).',
    parse: port,
  },
  graphqlBodyLimit: {
    env: 'PAAS_GRAPHQL_BODY_LIMIT',
    default: '1048576',
    unit: 'bytes',
    description: 'Largest GraphQL request body accepted by the gateway and subgraphs.',
    parse: integer(1024, 64 * 1024 * 1024),
  },
  graphqlMaxDepth: {
    env: 'PAAS_GRAPHQL_MAX_DEPTH',
    default: '15',
    unit: 'fields',
    description:
      'Deepest nesting of fields an operation may have; deeper ones are rejected before they run.',
    parse: integer(2, 1000),
  },
  graphqlMaxCost: {
    env: 'PAAS_GRAPHQL_MAX_COST',
    default: '200000',
    unit: 'values',
    description:
      'Most field values an operation may return, estimated from its fields, aliases and page sizes (first); costlier ones are rejected before they run.',
    parse: integer(100, 100_000_000),
  },
} satisfies Record<string, SettingSpec>;
