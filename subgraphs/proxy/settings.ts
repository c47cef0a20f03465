import { integer, ipAddress, oneOf, port, type SettingSpec } from '../../lib/config/spec';
import { parseCidrList } from './server/trusted-proxies';

/** Boot settings of the proxy service. */
export const proxySettings = {
  graphqlPort: {
    env: 'PAAS_PROXY_GRAPHQL_PORT',
    default: '4002',
    unit: 'port',
    description: 'Port of the proxy subgraph HTTP server (/graphql, /health).',
    parse: port,
  },
  host: {
    env: 'PAAS_PROXY_HOST',
    default: '0.0.0.0',
    unit: 'IP address',
    description: 'Address the reverse proxy binds to; :: listens on IPv6 and IPv4.',
    parse: ipAddress,
  },
  port: {
    env: 'PAAS_PROXY_PORT',
    default: '80',
    unit: 'port',
    description:
      'Reverse proxy HTTP port; 0 picks a free port. Ports below 1024 need root or CAP_NET_BIND_SERVICE.',
    parse: port,
  },
  trustedProxies: {
    env: 'PAAS_PROXY_TRUSTED_PROXIES',
    default: '',
    unit: 'CIDR list',
    description:
      'Peers whose X-Forwarded-* and Forwarded headers are kept and extended, e.g. 10.0.0.0/8,::1/128; from any other peer they are replaced.',
    parse: parseCidrList,
  },
  maxHeaderSize: {
    env: 'PAAS_PROXY_MAX_HEADER_SIZE',
    default: '16384',
    unit: 'bytes',
    description: 'Largest request line plus headers; larger requests get 431 and are counted.',
    parse: integer(1024, 1024 * 1024),
  },
  headersTimeout: {
    env: 'PAAS_PROXY_HEADERS_TIMEOUT',
    default: '30000',
    unit: 'ms',
    description: 'Time a client has to send the complete request headers; slower ones get 408.',
    parse: integer(100, 600_000),
  },
  requestTimeout: {
    env: 'PAAS_PROXY_REQUEST_TIMEOUT',
    default: '300000',
    unit: 'ms',
    description:
      'Time a client has to send the whole request, body included; 0 turns the limit off (long uploads).',
    parse: integer(0, 86_400_000),
  },
  keepAliveTimeout: {
    env: 'PAAS_PROXY_KEEP_ALIVE_TIMEOUT',
    default: '5000',
    unit: 'ms',
    description: 'Idle client keep-alive connections are closed after this long.',
    parse: integer(0, 600_000),
  },
  maxConnections: {
    env: 'PAAS_PROXY_MAX_CONNECTIONS',
    default: '10000',
    unit: 'connections',
    description: 'Client connections open at once; further ones are closed and counted.',
    parse: integer(1, 1_000_000),
  },
  connectTimeout: {
    env: 'PAAS_PROXY_CONNECT_TIMEOUT',
    default: '5000',
    unit: 'ms',
    description:
      'Default time to open a connection to a target; routes can override it. Gives 504.',
    parse: integer(1, 600_000),
  },
  responseTimeout: {
    env: 'PAAS_PROXY_RESPONSE_TIMEOUT',
    default: '60000',
    unit: 'ms',
    description:
      'Default time a target has to send its response headers; routes can override it. Gives 504.',
    parse: integer(1, 86_400_000),
  },
  upstreamIdleTimeout: {
    env: 'PAAS_PROXY_UPSTREAM_IDLE_TIMEOUT',
    default: '4000',
    unit: 'ms',
    description:
      'Idle keep-alive connections to targets are closed after this long; keep it below the keep-alive timeout of the targets.',
    parse: integer(100, 600_000),
  },
  accessLogLevel: {
    env: 'PAAS_PROXY_ACCESS_LOG_LEVEL',
    default: 'info',
    unit: 'level',
    description:
      'Level of the one-line-per-request access log: info, debug, trace or silent (off).',
    parse: oneOf('info', 'debug', 'trace', 'silent'),
  },
  shutdownGrace: {
    env: 'PAAS_PROXY_SHUTDOWN_GRACE',
    default: '10000',
    unit: 'ms',
    description:
      'On shutdown, time requests in flight have to finish before their connections are closed.',
    parse: integer(0, 600_000),
  },
} satisfies Record<string, SettingSpec>;
