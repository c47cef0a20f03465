import { hostKey } from '../../../lib/graphql/host';
import { Arg, Directive, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RouteCatalog } from '../catalog';
import type { RouteDocument } from '../models';
import type { ProxyListener } from '../server/proxy-server';
import type { RouteSet } from '../server/route-set';
import { LATENCY_BUCKETS_MS, TrafficStats } from '../server/traffic-stats';
import { CreateRouteInput, DeleteRouteInput, UpdateRouteInput } from './inputs';
import {
  BasicAuth,
  DeleteRoutePayload,
  Host,
  ProxyStats,
  Route,
  RouteConnection,
  RouteTarget,
  TrafficStatsType,
} from './types';

function statsView(stats: TrafficStats): TrafficStatsType {
  return {
    requests: stats.requests,
    noStatus: stats.statusClasses[0],
    status1xx: stats.statusClasses[1],
    status2xx: stats.statusClasses[2],
    status3xx: stats.statusClasses[3],
    status4xx: stats.statusClasses[4],
    status5xx: stats.statusClasses[5],
    failures: stats.failures,
    latencyAverageMs: stats.latencyCount === 0 ? 0 : stats.latencyTotalMs / stats.latencyCount,
    latencyMaxMs: stats.latencyMaxMs,
    latencyBuckets: stats.latencyBuckets.map((count, i) => ({
      leMs: LATENCY_BUCKETS_MS[i] ?? null,
      count,
    })),
  };
}

@Resolver(() => Route)
export class RouteResolver {
  constructor(
    private readonly catalog: RouteCatalog,
    private readonly routeSet: RouteSet,
  ) {}

  @Query(() => RouteConnection, { description: 'Routes ordered by host and path prefix.' })
  routes(
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('host', () => String, {
      nullable: true,
      description: 'Only routes with this exact host pattern.',
    })
    host?: string | null,
  ) {
    return this.catalog.listRoutes(first, after, host);
  }

  @Query(() => Route, { nullable: true })
  route(@Arg('id') id: string): Promise<RouteDocument | null> {
    return this.catalog.route(id);
  }

  @FieldResolver(() => [RouteTarget], { description: 'Targets with their current health.' })
  targets(@Root() route: RouteDocument): RouteTarget[] {
    const runtime = this.routeSet.runtime(route.id);
    return route.targets.map((target) => {
      const upstream = runtime?.upstreams.find((candidate) => candidate.url === target.url);
      return {
        url: target.url,
        weight: target.weight,
        enabled: target.enabled,
        health: upstream?.health() ?? (target.enabled ? 'HEALTHY' : 'DISABLED'),
        activeConnections: upstream?.active ?? 0,
        consecutiveFailures: upstream?.consecutiveFailures ?? 0,
        lastError: upstream?.lastError ?? null,
        stats: statsView(upstream?.stats ?? new TrafficStats()),
      };
    });
  }

  @FieldResolver(() => BasicAuth, { nullable: true })
  basicAuth(@Root() route: RouteDocument): BasicAuth | null {
    if (!route.basicAuth) return null;
    return {
      realm: route.basicAuth.realm,
      usernames: route.basicAuth.users.map((u) => u.username),
    };
  }

  @FieldResolver(() => TrafficStatsType, { description: 'Counters of this proxy process.' })
  stats(@Root() route: RouteDocument): TrafficStatsType {
    return statsView(this.routeSet.runtime(route.id)?.stats ?? new TrafficStats());
  }

  @Mutation(() => Route, { description: 'Creates a route; the proxy applies it within a second.' })
  createRoute(@Arg('input') input: CreateRouteInput): Promise<RouteDocument> {
    return this.catalog.createRoute(input);
  }

  @Mutation(() => Route, { description: 'Changes the given fields of a route.' })
  updateRoute(@Arg('input') input: UpdateRouteInput): Promise<RouteDocument> {
    return this.catalog.updateRoute(input);
  }

  @Mutation(() => DeleteRoutePayload)
  deleteRoute(@Arg('input') input: DeleteRouteInput) {
    return this.catalog.deleteRoute(input.id);
  }
}

@Resolver(() => ProxyStats)
export class ProxyStatsResolver {
  constructor(private readonly listener: () => ProxyListener) {}

  @Query(() => ProxyStats, { description: 'Reverse proxy listener counters of this process.' })
  proxyStats(): ProxyStats {
    const listener = this.listener();
    return {
      connectionsAccepted: listener.counters.connectionsAccepted,
      connectionsOpen: listener.openConnections,
      websocketsOpen: listener.openWebSockets,
      events: listener.counters.entries(),
    };
  }
}

@Resolver(() => Host)
export class HostResolver {
  constructor(private readonly catalog: RouteCatalog) {}

  @Directive('@shareable')
  @Query(() => Host, {
    description: 'A host by name, for joining what every service knows about it.',
  })
  host(@Arg('name') name: string): Host {
    return { name: hostKey(name) };
  }

  @FieldResolver(() => [Route], {
    description: 'Proxy routes whose host pattern matches this name, exactly or as a wildcard.',
  })
  routes(@Root() host: Host): Promise<RouteDocument[]> {
    return this.catalog.routesForHost(host.name);
  }
}
