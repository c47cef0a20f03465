/** Load-balancing strategies a route can use to pick one of its targets. */
export const STRATEGIES = [
  'ROUND_ROBIN',
  'WEIGHTED',
  'RANDOM',
  'IP_HASH',
  'LEAST_CONNECTIONS',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface TargetData {
  /** http:, https:, ws: or wss: URL, with an optional base path. */
  url: string;
  /** Share of traffic under WEIGHTED; 1..1000. */
  weight: number;
  enabled: boolean;
}

export interface HeaderValue {
  name: string;
  value: string;
}

/** Headers set (replacing any value) and removed, by lower-case name. */
export interface HeaderRules {
  set: HeaderValue[];
  remove: string[];
}

export interface BasicAuthUser {
  username: string;
  /** bcrypt hash; the password itself is never stored. */
  passwordHash: string;
}

export interface BasicAuthData {
  realm: string;
  users: BasicAuthUser[];
}

/** Active health check of every enabled target; times in milliseconds. */
export interface HealthCheckData {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  expectedStatus: number;
  /** Consecutive passes that bring an unhealthy target back. */
  healthyThreshold: number;
  /** Consecutive failures that take a healthy target out. */
  unhealthyThreshold: number;
}

/** A route as the data plane uses it; the store document adds timestamps. */
export interface RouteData {
  id: string;
  /** Lower-case host name, or `*.` followed by one (matches one or more labels). */
  host: string;
  /** '' or a path starting with / and without a trailing /; matched on segment boundaries. */
  pathPrefix: string;
  stripPrefix: boolean;
  /** Forward the client's Host header (true) or the target's host and port (false). */
  preserveHost: boolean;
  strategy: Strategy;
  targets: TargetData[];
  requestHeaders: HeaderRules;
  responseHeaders: HeaderRules;
  basicAuth: BasicAuthData | null;
  /** null takes the service default. */
  connectTimeoutMs: number | null;
  responseTimeoutMs: number | null;
  /** Further attempts on other targets for idempotent requests without a body. */
  retries: number;
  healthCheck: HealthCheckData | null;
  /** Consecutive transport failures that eject a target; 0 turns passive ejection off. */
  maxFails: number;
  /** Without an active check, an ejected target is tried again after this long. */
  failTimeoutMs: number;
}
