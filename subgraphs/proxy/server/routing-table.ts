/** The minimum a routing table needs of a route. */
export interface Routable {
  host: string;
  pathPrefix: string;
}

/** Checks a host name against a route's pattern: equal, or a subdomain of a `*.` pattern. */
export function hostMatches(pattern: string, name: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, '');
  if (!pattern.startsWith('*.')) return pattern === host;
  return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
}

/** Checks a request path against a prefix on segment boundaries: /api matches /api/x, not /apix. */
export function pathMatches(prefix: string, path: string): boolean {
  if (prefix === '') return true;
  if (!path.startsWith(prefix)) return false;
  const next = path.charCodeAt(prefix.length);
  // End of path, '/', or the start of the query string.
  return Number.isNaN(next) || next === 47 || next === 63;
}

/**
 * An immutable index of routes by host pattern. A request is matched against its exact host,
 * then each wildcard from the longest suffix to the shortest; within a host pattern the longest
 * matching path prefix wins, and a host pattern with no matching prefix passes to the next one.
 */
export class RoutingTable<R extends Routable> {
  private readonly byHost = new Map<string, R[]>();

  constructor(readonly routes: readonly R[]) {
    for (const route of routes) {
      const list = this.byHost.get(route.host) ?? [];
      list.push(route);
      this.byHost.set(route.host, list);
    }
    for (const list of this.byHost.values()) {
      list.sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
    }
  }

  get size(): number {
    return this.routes.length;
  }

  /** Finds the route for a host name (already normalised) and a request target (path?query). */
  match(host: string, url: string): R | undefined {
    const exact = this.matchPath(this.byHost.get(host), url);
    if (exact) return exact;
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const route = this.matchPath(this.byHost.get(`*${host.slice(dot)}`), url);
      if (route) return route;
    }
    return undefined;
  }

  private matchPath(routes: R[] | undefined, url: string): R | undefined {
    if (!routes) return undefined;
    return routes.find((route) => pathMatches(route.pathPrefix, url));
  }
}
