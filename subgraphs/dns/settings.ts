import { hostNameList, integer, ipAddress, port, type SettingSpec } from '../../lib/config/spec';

/** Boot settings of the dns service. */
export const dnsSettings = {
  graphqlPort: {
    env: 'PAAS_DNS_GRAPHQL_PORT',
    default: '4001',
    unit: 'port',
    description: 'Port of the dns subgraph HTTP server (/graphql, /health).',
    parse: port,
  },
  host: {
    env: 'PAAS_DNS_HOST',
    default: '0.0.0.0',
    unit: 'IP address',
    description: 'Address the nameserver binds to for UDP and TCP; :: listens on IPv6 and IPv4.',
    parse: ipAddress,
  },
  port: {
    env: 'PAAS_DNS_PORT',
    default: '53',
    unit: 'port',
    description:
      'Nameserver port for UDP and TCP; 0 picks a free port. Ports below 1024 need root or CAP_NET_BIND_SERVICE.',
    parse: port,
  },
  udpPayloadMax: {
    env: 'PAAS_DNS_UDP_PAYLOAD_MAX',
    default: '1232',
    unit: 'bytes',
    description:
      'Largest UDP answer, whatever size the client advertises in EDNS; larger answers are truncated (TC).',
    parse: integer(512, 4096),
  },
  tcpIdleTimeout: {
    env: 'PAAS_DNS_TCP_IDLE_TIMEOUT',
    default: '10000',
    unit: 'ms',
    description: 'Idle TCP connections are closed after this long.',
    parse: integer(100, 600_000),
  },
  tcpMaxConnections: {
    env: 'PAAS_DNS_TCP_MAX_CONNECTIONS',
    default: '1000',
    unit: 'connections',
    description:
      'Open TCP connections allowed at once; further connections are closed and counted.',
    parse: integer(1, 1_000_000),
  },
  nameservers: {
    env: 'PAAS_DNS_NAMESERVERS',
    default: 'ns1.paas-shack.test,ns2.paas-shack.test',
    unit: 'host names',
    description:
      'Initial name servers of new zones (SOA primary and NS records); changeable at run time through GraphQL.',
    parse: hostNameList,
  },
  hostmaster: {
    env: 'PAAS_DNS_HOSTMASTER',
    default: 'hostmaster.paas-shack.test',
    unit: 'mailbox as host name',
    description:
      'Initial SOA RNAME of new zones (hostmaster@paas-shack.test written with a dot); changeable at run time.',
    parse: (raw: string) => {
      const [name] = hostNameList(raw);
      if (!name) throw new Error('expected a host name such as hostmaster.example.test');
      return name;
    },
  },
} satisfies Record<string, SettingSpec>;
