import { GraphQLDateTime } from 'graphql-scalars';
import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../../lib/graphql/connection';
import { STRATEGIES, type Strategy } from '../route-data';

export const LoadBalancingStrategy = Object.fromEntries(STRATEGIES.map((s) => [s, s])) as {
  [K in Strategy]: K;
};
registerEnumType(LoadBalancingStrategy, {
  name: 'LoadBalancingStrategy',
  description: 'How a route picks one of its available targets for each request.',
});

export const TargetHealth = { HEALTHY: 'HEALTHY', UNHEALTHY: 'UNHEALTHY', DISABLED: 'DISABLED' };
registerEnumType(TargetHealth, {
  name: 'TargetHealth',
  description: 'Health of a target as this proxy process sees it.',
});

@ObjectType({ description: 'Latency histogram bucket: requests that took at most `leMs`.' })
export class LatencyBucket {
  @Field(() => Float, {
    nullable: true,
    description: 'Upper bound in ms; null for the open bucket.',
  })
  leMs!: number | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType('TrafficStats', { description: 'Request counters since this proxy process started.' })
export class TrafficStatsType {
  @Field(() => Int)
  requests!: number;

  @Field(() => Int, { description: 'Requests that ended without a status (client went away).' })
  noStatus!: number;

  @Field(() => Int)
  status1xx!: number;

  @Field(() => Int)
  status2xx!: number;

  @Field(() => Int)
  status3xx!: number;

  @Field(() => Int)
  status4xx!: number;

  @Field(() => Int)
  status5xx!: number;

  @Field(() => Int, { description: 'Attempts that got no response: refused, reset, timed out.' })
  failures!: number;

  @Field(() => Float, { description: 'Mean latency in ms; 0 before the first request.' })
  latencyAverageMs!: number;

  @Field(() => Float)
  latencyMaxMs!: number;

  @Field(() => [LatencyBucket])
  latencyBuckets!: LatencyBucket[];
}

@ObjectType('RouteTarget', { description: 'An upstream target of a route.' })
export class RouteTarget {
  @Field()
  url!: string;

  @Field(() => Int)
  weight!: number;

  @Field()
  enabled!: boolean;

  @Field(() => TargetHealth)
  health!: string;

  @Field(() => Int, { description: 'Requests and WebSockets in flight.' })
  activeConnections!: number;

  @Field(() => Int)
  consecutiveFailures!: number;

  @Field(() => String, { nullable: true, description: 'Last failure or failed check.' })
  lastError!: string | null;

  @Field(() => TrafficStatsType)
  stats!: TrafficStatsType;
}

@ObjectType()
export class HeaderValue {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@ObjectType({ description: 'Headers set (replacing any value) and removed.' })
export class HeaderRules {
  @Field(() => [HeaderValue])
  set!: HeaderValue[];

  @Field(() => [String])
  remove!: string[];
}

@ObjectType({
  description: 'Basic auth of a route; passwords are stored hashed and never returned.',
})
export class BasicAuth {
  @Field()
  realm!: string;

  @Field(() => [String])
  usernames!: string[];
}

@ObjectType({ description: 'Active health check; times in milliseconds.' })
export class HealthCheck {
  @Field()
  path!: string;

  @Field(() => Int)
  intervalMs!: number;

  @Field(() => Int)
  timeoutMs!: number;

  @Field(() => Int)
  expectedStatus!: number;

  @Field(() => Int)
  healthyThreshold!: number;

  @Field(() => Int)
  unhealthyThreshold!: number;
}

@ObjectType({ description: 'A route of the reverse proxy: which requests go to which targets.' })
export class Route {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Host name, or *.example.com for any subdomain.' })
  host!: string;

  @Field({ description: 'Path prefix matched on segment boundaries; empty for every path.' })
  pathPrefix!: string;

  @Field()
  stripPrefix!: boolean;

  @Field()
  preserveHost!: boolean;

  @Field(() => LoadBalancingStrategy)
  strategy!: Strategy;

  @Field(() => HeaderRules)
  requestHeaders!: HeaderRules;

  @Field(() => HeaderRules)
  responseHeaders!: HeaderRules;

  @Field(() => Int, { nullable: true, description: 'ms; null means the service default.' })
  connectTimeoutMs!: number | null;

  @Field(() => Int, { nullable: true, description: 'ms; null means the service default.' })
  responseTimeoutMs!: number | null;

  @Field(() => Int)
  retries!: number;

  @Field(() => HealthCheck, { nullable: true })
  healthCheck!: HealthCheck | null;

  @Field(() => Int)
  maxFails!: number;

  @Field(() => Int)
  failTimeoutMs!: number;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

@ObjectType()
export class RouteConnection extends Connection(Route) {}

@ObjectType()
export class DeleteRoutePayload {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class ProxyCounter {
  @Field()
  name!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Listener counters of this proxy process since it started.' })
export class ProxyStats {
  @Field(() => Int)
  connectionsAccepted!: number;

  @Field(() => Int)
  connectionsOpen!: number;

  @Field(() => Int)
  websocketsOpen!: number;

  @Field(() => [ProxyCounter], {
    description:
      'Answers the proxy gave itself (noRoute, unauthorized, noTarget, badGateway, gatewayTimeout, retries, clientAborted) and input it dropped (malformed, headerTooLarge, requestTimeout, maxConnections, upgradeRejected).',
  })
  events!: ProxyCounter[];
}

@Directive('@key(fields: "name")')
@ObjectType({ description: 'A host name, joined across services.' })
export class Host {
  @Field()
  name!: string;
}
