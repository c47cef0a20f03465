import type { Logger } from '../../../lib/log';
import type { RouteData } from '../route-data';
import { BasicAuthGate } from './basic-auth';
import { Balancer } from './balancer';
import { HealthChecker } from './health-checker';
import { RoutingTable } from './routing-table';
import { TrafficStats } from './traffic-stats';
import { Upstream, type HealthPolicy } from './upstream';

export interface UpstreamDefaults {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  upstreamIdleTimeoutMs: number;
}

/** A route as the data plane runs it: its data, targets with state, balancer and counters. */
export class RouteRuntime {
  readonly host: string;
  readonly pathPrefix: string;
  readonly balancer: Balancer;
  readonly auth: BasicAuthGate | null;
  readonly policy: HealthPolicy;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  checker: HealthChecker | null = null;

  constructor(
    readonly data: RouteData,
    readonly upstreams: Upstream[],
    readonly stats: TrafficStats,
    defaults: UpstreamDefaults,
  ) {
    this.host = data.host;
    this.pathPrefix = data.pathPrefix;
    this.balancer = new Balancer(data.strategy);
    this.auth = data.basicAuth ? new BasicAuthGate(data.basicAuth) : null;
    this.policy = {
      maxFails: data.maxFails,
      failTimeoutMs: data.failTimeoutMs,
      activeChecks: data.healthCheck !== null,
      healthyThreshold: data.healthCheck?.healthyThreshold ?? 1,
      unhealthyThreshold: data.healthCheck?.unhealthyThreshold ?? 1,
    };
    this.connectTimeoutMs = data.connectTimeoutMs ?? defaults.connectTimeoutMs;
    this.responseTimeoutMs = data.responseTimeoutMs ?? defaults.responseTimeoutMs;
  }

  /** Picks a target for a request, preferring one not tried yet by this request. */
  pick(clientAddress: string, tried: Set<Upstream>): Upstream | undefined {
    const now = Date.now();
    const available = this.upstreams.filter((upstream) => upstream.available(this.policy, now));
    const untried = available.filter((upstream) => !tried.has(upstream));
    return this.balancer.pick(untried.length > 0 ? untried : available, clientAddress);
  }
}

/**
 * The live routing table. `apply` swaps in a new table built from the stored routes; targets
 * whose route and URL stay keep their state, connections and counters, and requests in flight
 * finish on the objects they started with.
 */
export class RouteSet {
  private table = new RoutingTable<RouteRuntime>([]);

  constructor(
    private readonly defaults: UpstreamDefaults,
    private readonly logger: Logger,
  ) {}

  match(host: string, url: string): RouteRuntime | undefined {
    return this.table.match(host, url);
  }

  get routes(): readonly RouteRuntime[] {
    return this.table.routes;
  }

  runtime(routeId: string): RouteRuntime | undefined {
    return this.table.routes.find((route) => route.data.id === routeId);
  }

  apply(routes: RouteData[]): void {
    const previous = new Map(this.table.routes.map((route) => [route.data.id, route]));
    const kept = new Set<Upstream>();
    const next = routes.map((data) => {
      const old = previous.get(data.id);
      const upstreams = data.targets.map((target) => {
        const upstream =
          old?.upstreams.find((candidate) => candidate.url === target.url) ??
          new Upstream(target.url, this.defaults.upstreamIdleTimeoutMs);
        upstream.weight = target.weight;
        upstream.enabled = target.enabled;
        kept.add(upstream);
        return upstream;
      });
      return new RouteRuntime(data, upstreams, old?.stats ?? new TrafficStats(), this.defaults);
    });

    for (const route of this.table.routes) {
      route.checker?.stop();
      for (const upstream of route.upstreams) if (!kept.has(upstream)) upstream.retire();
    }
    for (const route of next) {
      const check = route.data.healthCheck;
      if (!check) continue;
      route.checker = new HealthChecker(
        route.data.id,
        check,
        () => route.upstreams,
        route.policy,
        this.logger,
      );
      route.checker.start();
    }
    this.table = new RoutingTable(next);
  }

  /** Stops health checks and closes every agent; for shutdown, after the listener closed. */
  close(): void {
    for (const route of this.table.routes) {
      route.checker?.stop();
      for (const upstream of route.upstreams) upstream.retire();
    }
    this.table = new RoutingTable([]);
  }
}
