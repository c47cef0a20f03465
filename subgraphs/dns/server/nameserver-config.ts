import { isIP } from 'node:net';

export interface NameserverConfig {
  /** Bind address as an IP literal: '127.0.0.1', '::' (dual-stack), ... */
  host: string;
  /** UDP and TCP port; 0 picks a free port that is the same for both. */
  port: number;
  /** Cap of the EDNS UDP payload size in bytes, 512-4096; DEFAULT_UDP_PAYLOAD_MAX is usual. */
  udpPayloadMax: number;
  /** Milliseconds without traffic after which a TCP connection is closed. */
  tcpIdleTimeoutMs: number;
  /** Open TCP connections allowed at once; extra connections are closed at once. */
  tcpMaxConnections: number;
  /** Queries answered on one TCP connection before it is closed, unlimited when unset. */
  maxTcpQueriesPerConnection?: number;
  /** Setting to name when the port cannot be bound, such as PAAS_DNS_PORT. */
  portSetting?: string;
}

/** 1232 bytes is the IPv6 minimum MTU (1280) minus IPv6 and UDP headers, so no fragmentation. */
export const DEFAULT_UDP_PAYLOAD_MAX = 1232;

/** Upper bound for udpPayloadMax, the largest EDNS size in common use. */
const UDP_PAYLOAD_LIMIT = 4096;

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `invalid nameserver config: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
}

/** Checks every field and returns a copy; the error message names the invalid field. */
export function validateNameserverConfig(config: NameserverConfig): NameserverConfig {
  if (typeof config.host !== 'string' || isIP(config.host) === 0) {
    throw new Error(
      `invalid nameserver config: host must be an IPv4 or IPv6 address, got ${JSON.stringify(config.host)}`,
    );
  }
  checkInteger('port', config.port, 0, 65535);
  checkInteger('udpPayloadMax', config.udpPayloadMax, 512, UDP_PAYLOAD_LIMIT);
  checkInteger('tcpIdleTimeoutMs', config.tcpIdleTimeoutMs, 1, 2 ** 31 - 1);
  checkInteger('tcpMaxConnections', config.tcpMaxConnections, 1, 1_000_000);
  if (config.maxTcpQueriesPerConnection !== undefined) {
    checkInteger('maxTcpQueriesPerConnection', config.maxTcpQueriesPerConnection, 1, 2 ** 31 - 1);
  }
  return { ...config };
}
