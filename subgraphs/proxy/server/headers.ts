import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { HeaderRules } from '../route-data';
import { isTrusted, type CidrList } from './trusted-proxies';

/** Hop-by-hop headers (RFC 9110 section 7.6.1) and the legacy Proxy-Connection. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/**
 * Headers that the Connection header cannot remove: Host names the site and Content-Length frames
 * the message, so neither is hop-by-hop. Go's net/http keeps both outside its header map for the
 * same reason. The X-Forwarded-* and Forwarded headers are set after this removal.
 */
const END_TO_END = new Set(['host', 'content-length']);

/** Removes hop-by-hop headers, including every header the Connection header names. */
export function removeHopByHop(headers: IncomingHttpHeaders | OutgoingHttpHeaders): void {
  const connection = headers.connection;
  if (typeof connection === 'string') {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (!END_TO_END.has(name)) delete headers[name];
    }
  }
  for (const name of HOP_BY_HOP) delete headers[name];
}

export function applyHeaderRules(
  headers: IncomingHttpHeaders | OutgoingHttpHeaders,
  rules: HeaderRules,
): void {
  for (const name of rules.remove) delete headers[name];
  for (const { name, value } of rules.set) headers[name] = value;
}

/** Quotes an address for the Forwarded header: IPv6 in brackets and quotes (RFC 7239). */
function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

function quotedHost(host: string): string {
  return /^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(host) ? host : `"${host.replace(/["\\]/g, '')}"`;
}

/** Strips the IPv4-mapped prefix that dual-stack sockets report (::ffff:192.0.2.1). */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Sets X-Forwarded-For/-Proto/-Host and Forwarded for the hop from the client to this proxy.
 * Values the client sent are extended only when the peer is a trusted proxy, and replaced
 * otherwise, so a client cannot choose the address a target sees.
 */
export function setForwardedHeaders(req: IncomingMessage, trusted: CidrList): void {
  const headers = req.headers;
  const peer = clientAddress(req);
  const keep = isTrusted(trusted, req.socket.remoteAddress);
  const host = headers.host ?? '';
  // NOTE: the listener speaks plain HTTP only (no TLS termination), so the hop is always http.
  const proto = 'http';

  const priorFor = keep ? headers['x-forwarded-for'] : undefined;
  headers['x-forwarded-for'] = priorFor ? `${priorFor}, ${peer}` : peer;
  if (!keep || !headers['x-forwarded-proto']) headers['x-forwarded-proto'] = proto;
  if (!keep || !headers['x-forwarded-host']) headers['x-forwarded-host'] = host;
  if (!keep) delete headers['x-forwarded-port'];

  const element = `for=${forwardedNode(peer)};host=${quotedHost(host)};proto=${proto}`;
  const priorForwarded = keep ? headers.forwarded : undefined;
  headers.forwarded = priorForwarded ? `${priorForwarded}, ${element}` : element;
}
