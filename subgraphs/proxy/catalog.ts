import bcrypt from 'bcryptjs';
import type { ChangeFeed } from '../../lib/changes';
import { badInput, conflict, notFound } from '../../lib/errors';
import { pageArguments, toPage, type Page } from '../../lib/graphql/connection';
import type { Logger } from '../../lib/log';
import { DuplicateKeyError, type Collection, type Store } from '../../lib/store';
import type { CreateRouteInput, RouteFieldsInput, UpdateRouteInput } from './graphql/inputs';
import { RouteModel, type RouteDocument } from './models';
import { hostMatches } from './server/routing-table';
import type { BasicAuthData, RouteData } from './route-data';
import {
  headerRulesValue,
  healthCheckValue,
  hostPatternValue,
  integerValue,
  passwordValue,
  pathPrefixValue,
  targetValues,
  timeoutValue,
  usernameValue,
} from './validate';

/** Topic of the change feed that route writes publish, with the route id as key. */
export const ROUTES_TOPIC = 'proxy.routes';

/** bcrypt cost of stored passwords: about 60 ms per hash with bcryptjs on one core (estimate). */
const BCRYPT_ROUNDS = 10;

/** Limit of basic-auth users per route, which bounds the bcrypt work of one mutation. */
export const MAX_BASIC_AUTH_USERS = 50;

type RouteFields = Omit<RouteData, 'id'>;

export function toRouteData(document: RouteDocument): RouteData {
  return {
    id: document.id,
    host: document.host,
    pathPrefix: document.pathPrefix ?? '',
    stripPrefix: document.stripPrefix ?? false,
    preserveHost: document.preserveHost ?? true,
    strategy: document.strategy,
    targets: document.targets.map(({ url, weight, enabled }) => ({ url, weight, enabled })),
    requestHeaders: document.requestHeaders ?? { set: [], remove: [] },
    responseHeaders: document.responseHeaders ?? { set: [], remove: [] },
    basicAuth: document.basicAuth ?? null,
    connectTimeoutMs: document.connectTimeoutMs ?? null,
    responseTimeoutMs: document.responseTimeoutMs ?? null,
    retries: document.retries ?? 0,
    healthCheck: document.healthCheck ?? null,
    maxFails: document.maxFails ?? 3,
    failTimeoutMs: document.failTimeoutMs ?? 10_000,
  };
}

/**
 * Routes: every validation rule of the routing table, password hashing, and the change
 * notification that makes the running proxy reload after each write.
 */
export class RouteCatalog {
  private readonly routes: Collection<RouteDocument>;

  /**
   * @param applied resolves once this process's routing table has taken in the last published
   *   change, so that a mutation returns only when the proxy already serves it.
   */
  constructor(
    store: Store,
    private readonly changes: ChangeFeed,
    private readonly logger: Logger,
    private readonly applied: () => Promise<void> = async () => {},
  ) {
    this.routes = store.collection(RouteModel);
  }

  route(id: string): Promise<RouteDocument | null> {
    return this.routes.findOne({ id });
  }

  async allRoutes(): Promise<RouteData[]> {
    const documents = await this.routes.find({}, { sort: { host: 1, pathPrefix: 1, id: 1 } });
    return documents.map(toRouteData);
  }

  async listRoutes(
    first: number,
    after: string | null | undefined,
    host: string | null | undefined,
  ): Promise<Page<RouteDocument>> {
    const page = pageArguments(first, after);
    // NOTE: pages are cut in memory from every route; fine for thousands of routes, not millions.
    const all = await this.routes.find({}, { sort: { host: 1, pathPrefix: 1, id: 1 } });
    const matching = host ? all.filter((route) => route.host === host.toLowerCase()) : all;
    // The cursor is host, path prefix and id joined by a space, which neither can contain.
    const key = (route: RouteDocument) => `${route.host} ${route.pathPrefix} ${route.id}`;
    const start = page.after ? matching.findIndex((route) => key(route) > page.after!) : 0;
    const rest = start === -1 ? [] : matching.slice(start);
    return toPage(rest.slice(0, page.first + 1), page.first, matching.length, key);
  }

  /** Routes whose host pattern matches a host name, exactly or as a wildcard. */
  async routesForHost(name: string): Promise<RouteDocument[]> {
    const all = await this.routes.find({}, { sort: { host: 1, pathPrefix: 1, id: 1 } });
    return all.filter((route) => hostMatches(route.host, name));
  }

  async createRoute(input: CreateRouteInput): Promise<RouteDocument> {
    const fields = await this.routeFields(input, {
      host: hostPatternValue(input.host, 'input.host'),
      targets: targetValues(input.targets, 'input.targets'),
    });
    let route: RouteDocument;
    try {
      route = await this.routes.insertOne({
        ...fields,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    } catch (err) {
      throw this.writeError(err, fields);
    }
    this.logger.info(
      { route: route.id, host: route.host, pathPrefix: route.pathPrefix },
      'route created',
    );
    await this.changes.publish(ROUTES_TOPIC, route.id);
    await this.applied();
    return route;
  }

  async updateRoute(input: UpdateRouteInput): Promise<RouteDocument> {
    const current = await this.route(input.id);
    if (!current) throw notFoundField('route', input.id, 'input.id');
    const base = toRouteData(current);
    const fields = await this.routeFields(input, {
      ...base,
      host: input.host == null ? base.host : hostPatternValue(input.host, 'input.host'),
      targets: input.targets == null ? base.targets : targetValues(input.targets, 'input.targets'),
    });
    let updated: RouteDocument | null;
    try {
      updated = await this.routes.updateOne(
        { id: current.id },
        { $set: { ...fields, updatedAt: new Date() } },
      );
    } catch (err) {
      throw this.writeError(err, fields);
    }
    if (!updated) throw notFoundField('route', input.id, 'input.id');
    this.logger.info({ route: updated.id, host: updated.host }, 'route updated');
    await this.changes.publish(ROUTES_TOPIC, updated.id);
    await this.applied();
    return updated;
  }

  async deleteRoute(id: string): Promise<{ id: string }> {
    const route = await this.route(id);
    if (!route) throw notFoundField('route', id, 'input.id');
    await this.routes.deleteOne({ id: route.id });
    this.logger.info({ route: route.id, host: route.host }, 'route deleted');
    await this.changes.publish(ROUTES_TOPIC, route.id);
    await this.applied();
    return { id: route.id };
  }

  /**
   * Validates every field of a create or update input over `base`. A field left out keeps the
   * base value; an explicit null resets the nullable ones (auth, health check, timeouts).
   */
  private async routeFields(
    input: RouteFieldsInput,
    base: Partial<RouteFields> & Pick<RouteFields, 'host' | 'targets'>,
  ): Promise<RouteFields> {
    const pick = <K extends keyof RouteFields>(key: K, fallback: RouteFields[K]) =>
      (base[key] ?? fallback) as RouteFields[K];
    const fields: RouteFields = {
      host: base.host,
      targets: base.targets,
      pathPrefix:
        input.pathPrefix === undefined
          ? pick('pathPrefix', '')
          : pathPrefixValue(input.pathPrefix, 'input.pathPrefix'),
      stripPrefix: input.stripPrefix ?? pick('stripPrefix', false),
      preserveHost: input.preserveHost ?? pick('preserveHost', true),
      strategy: input.strategy ?? pick('strategy', 'ROUND_ROBIN'),
      requestHeaders:
        input.requestHeaders == null
          ? pick('requestHeaders', { set: [], remove: [] })
          : headerRulesValue(input.requestHeaders, 'input.requestHeaders'),
      responseHeaders:
        input.responseHeaders == null
          ? pick('responseHeaders', { set: [], remove: [] })
          : headerRulesValue(input.responseHeaders, 'input.responseHeaders'),
      basicAuth: base.basicAuth ?? null,
      connectTimeoutMs:
        input.connectTimeoutMs === undefined
          ? (base.connectTimeoutMs ?? null)
          : timeoutValue(input.connectTimeoutMs, 'input.connectTimeoutMs'),
      responseTimeoutMs:
        input.responseTimeoutMs === undefined
          ? (base.responseTimeoutMs ?? null)
          : timeoutValue(input.responseTimeoutMs, 'input.responseTimeoutMs'),
      retries:
        input.retries == null
          ? pick('retries', 0)
          : integerValue(input.retries, 0, 10, 'input.retries'),
      healthCheck:
        input.healthCheck === undefined
          ? (base.healthCheck ?? null)
          : input.healthCheck === null
            ? null
            : healthCheckValue(input.healthCheck, 'input.healthCheck'),
      maxFails:
        input.maxFails == null
          ? pick('maxFails', 3)
          : integerValue(input.maxFails, 0, 1000, 'input.maxFails'),
      failTimeoutMs:
        input.failTimeoutMs == null
          ? pick('failTimeoutMs', 10_000)
          : integerValue(input.failTimeoutMs, 1, 86_400_000, 'input.failTimeoutMs'),
    };
    if (fields.stripPrefix && fields.pathPrefix === '') {
      throw badInput('input.stripPrefix', 'needs a pathPrefix to strip');
    }
    // Hashing comes last, so an input that fails any other check costs no bcrypt work.
    if (input.basicAuth !== undefined) fields.basicAuth = await this.basicAuthValue(input);
    return fields;
  }

  private async basicAuthValue(input: RouteFieldsInput): Promise<BasicAuthData | null> {
    const auth = input.basicAuth;
    if (!auth) return null;
    const realm = auth.realm ?? 'proxy';
    if (!/^[\x20-\x7e]{1,128}$/.test(realm) || realm.includes('"') || realm.includes('\\')) {
      throw badInput(
        'input.basicAuth.realm',
        'must be 1..128 printable ASCII characters without " or \\',
      );
    }
    if (auth.users.length === 0) throw badInput('input.basicAuth.users', 'needs at least one user');
    if (auth.users.length > MAX_BASIC_AUTH_USERS) {
      throw badInput(
        'input.basicAuth.users',
        `takes at most ${MAX_BASIC_AUTH_USERS} users; put larger user lists behind an identity provider`,
      );
    }
    const names = new Set<string>();
    const checked = auth.users.map((user, i) => {
      const username = usernameValue(user.username, `input.basicAuth.users[${i}].username`);
      if (names.has(username)) {
        throw badInput(`input.basicAuth.users[${i}].username`, `${username} is listed twice`);
      }
      names.add(username);
      return {
        username,
        password: passwordValue(user.password, `input.basicAuth.users[${i}].password`),
      };
    });
    // Hashes run one at a time. bcryptjs's async API yields to the event loop between slices of
    // work (setImmediate, at most 100 ms each). Hashes started together each run a slice in the
    // same loop turn, so 150 of them held up the data plane for about 10 s.
    const users: BasicAuthData['users'] = [];
    for (const { username, password } of checked) {
      users.push({ username, passwordHash: await bcrypt.hash(password, BCRYPT_ROUNDS) });
    }
    return { realm, users };
  }

  private writeError(err: unknown, fields: RouteFields): unknown {
    if (err instanceof DuplicateKeyError) {
      const prefix =
        fields.pathPrefix === '' ? 'no path prefix' : `path prefix ${fields.pathPrefix}`;
      return conflict(
        `a route for host ${fields.host} with ${prefix} already exists; update that route instead`,
        'input.host',
      );
    }
    return err;
  }
}

function notFoundField(what: string, key: string, field: string) {
  const error = notFound(what, key);
  (error.extensions as Record<string, unknown>).field = field;
  return error;
}
