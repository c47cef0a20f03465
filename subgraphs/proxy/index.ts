import type { Change } from '../../lib/changes';
import type { ServiceDefinition } from '../../lib/service';
import { ROUTES_TOPIC, RouteCatalog } from './catalog';
import { HostResolver, ProxyStatsResolver, RouteResolver } from './graphql/resolvers';
import { ProxyListener } from './server/proxy-server';
import { RouteSet } from './server/route-set';
import { proxySettings } from './settings';

/**
 * The proxy service: routes over GraphQL, served by an HTTP and WebSocket reverse proxy that
 * matches requests against an in-memory routing table rebuilt on every change.
 */
export const proxyService: ServiceDefinition<typeof proxySettings> = {
  name: 'proxy',
  description: 'HTTP and WebSocket reverse proxy and the routes behind it',
  settings: proxySettings,
  graphqlPortSetting: 'graphqlPort',
  subgraph: { resolvers: [RouteResolver, ProxyStatsResolver, HostResolver] },

  create(settings, { store, changes, logger }) {
    const catalog = new RouteCatalog(store, changes, logger, () => reloading);
    const routes = new RouteSet(
      {
        connectTimeoutMs: settings.connectTimeout,
        responseTimeoutMs: settings.responseTimeout,
        upstreamIdleTimeoutMs: settings.upstreamIdleTimeout,
      },
      logger,
    );
    const listener = new ProxyListener(
      {
        host: settings.host,
        port: settings.port,
        portSetting: proxySettings.port.env,
        trustedProxies: settings.trustedProxies,
        maxHeaderSize: settings.maxHeaderSize,
        headersTimeoutMs: settings.headersTimeout,
        requestTimeoutMs: settings.requestTimeout,
        keepAliveTimeoutMs: settings.keepAliveTimeout,
        maxConnections: settings.maxConnections,
        accessLogLevel: settings.accessLogLevel,
        shutdownGraceMs: settings.shutdownGrace,
      },
      routes,
      logger,
    );

    // Reloads run one after another, so an older load never overwrites a newer one. Every
    // change reloads the whole table: routes are few, and a reload keeps target state.
    let reloading: Promise<void> = Promise.resolve();
    const reload = (change: Change) => {
      reloading = reloading
        .then(async () => {
          const all = await catalog.allRoutes();
          routes.apply(all);
          logger.info({ routes: all.length, changed: change.key }, 'routing table reloaded');
        })
        .catch((err) => logger.error({ err, route: change.key }, 'routing table reload failed'));
      return reloading;
    };

    let unsubscribe: (() => void) | undefined;
    return {
      resolvers: [
        new RouteResolver(catalog, routes),
        new ProxyStatsResolver(() => listener),
        new HostResolver(catalog),
      ],
      async start() {
        unsubscribe = changes.subscribe(ROUTES_TOPIC, (change) => void reload(change));
        await reload({ topic: ROUTES_TOPIC });
        await listener.start();
        logger.info(
          { address: listener.address(), trustedProxies: settings.trustedProxies.cidrs },
          'reverse proxy listening',
        );
      },
      async stop() {
        unsubscribe?.();
        await listener.stop();
        await reloading;
        routes.close();
      },
      status() {
        return { proxy: listener.address(), routes: routes.routes.length };
      },
    };
  },
};
