import { isIP } from 'node:net';
import { isHostName } from '../../../lib/config/spec';

/** Routing host and forwarded URL of a request whose request-target and Host header are valid. */
export interface RequestTarget {
  /** Host name for routing: lower case, without port or trailing dot, IPv6 in brackets; '' when absent. */
  host: string;
  /** Normalised path and the raw query (with its '?'); this is what the target receives. */
  url: string;
  /** The authority of an absolute-form request-target, which replaces the Host header. */
  authority?: string;
}

/**
 * Parses a Host header value or an authority (RFC 9110 section 7.2): a host name, an IPv4
 * address or a bracketed IPv6 address, and an optional port up to 65535. Returns the host in
 * lower case without port or trailing dot, '' for a missing header, and null for an invalid one.
 */
export function parseHost(value: string | undefined): string | null {
  if (value === undefined || value === '') return '';
  const match = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{0,5}))?$/.exec(value.toLowerCase());
  if (!match) return null;
  const [, name, port] = match;
  if (port && Number(port) > 65535) return null;
  if (name.startsWith('[')) return isIP(name.slice(1, -1)) === 6 ? name : null;
  const host = name.endsWith('.') ? name.slice(0, -1) : name;
  return isIP(host) === 4 || isHostName(host) ? host : null;
}

/**
 * Normalises a request path so that the path the routing table matches is the path the target
 * receives. Runs of '/' are merged, `%2e` is decoded to '.', and the dot segments are removed as
 * RFC 3986 section 5.2.4 describes. Returns null for a path a target could read differently from
 * the proxy: one with a backslash, an encoded slash or backslash (%2f, %5c), or an encoded NUL.
 */
export function normalizePath(path: string): string | null {
  if (!path.startsWith('/') || path.includes('\\') || /%(2f|5c|00)/i.test(path)) return null;
  const segments = path
    .replace(/%2e/gi, '.')
    .replace(/\/{2,}/g, '/')
    .split('/')
    .slice(1);
  const output: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') output.pop();
      // A trailing dot segment leaves the directory it names: /a/b/.. becomes /a/.
      if (last) output.push('');
      return;
    }
    output.push(segment);
  });
  return `/${output.join('/')}`;
}

/**
 * Checks the request-target (RFC 9112 section 3.2) and the Host header. An origin-form target
 * (/path?query) is routed by Host. An absolute-form target (http://host/path) is routed by its
 * own authority, which replaces Host. Returns null for anything invalid: another form, an
 * invalid Host or authority, credentials in the authority, or a path that `normalizePath` rejects.
 */
export function parseRequestTarget(
  url: string,
  hostHeader: string | undefined,
): RequestTarget | null {
  let authority: string | undefined;
  let pathAndQuery = url;
  const absolute = /^https?:\/\/([^/?#]*)(.*)$/i.exec(url);
  if (absolute) {
    authority = absolute[1];
    if (authority === '' || authority.includes('@')) return null;
    pathAndQuery =
      absolute[2] === '' || absolute[2].startsWith('?') ? `/${absolute[2]}` : absolute[2];
  }
  const host = parseHost(authority ?? hostHeader);
  if (host === null) return null;
  const queryStart = pathAndQuery.indexOf('?');
  const path = queryStart === -1 ? pathAndQuery : pathAndQuery.slice(0, queryStart);
  const query = queryStart === -1 ? '' : pathAndQuery.slice(queryStart);
  if (path.includes('#')) return null;
  const normalized = normalizePath(path);
  if (normalized === null) return null;
  return { host, url: normalized + query, authority };
}
