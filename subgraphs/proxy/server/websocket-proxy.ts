import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../../lib/log';
import { ProxyCounters, UpstreamTimeoutError } from './counters';
import type { Forwarder, ProxyContext } from './forwarder';
import { sendStatusOnSocket } from './responses';
import type { RouteRuntime } from './route-set';

/**
 * Proxies WebSocket handshakes (HTTP Upgrade) to a route's target and then pipes both sockets.
 * Every socket of a pair gets an error handler, and `closeAll` ends the open pairs on shutdown.
 */
export class WebSocketProxy {
  private readonly sockets = new Set<Duplex>();

  constructor(
    private readonly forwarder: Forwarder,
    private readonly counters: ProxyCounters,
    private readonly logger: Logger,
  ) {
    forwarder.proxy.on('proxyReqWs', (proxyRequest, req) => this.onHandshake(proxyRequest, req));
  }

  get openCount(): number {
    return this.sockets.size;
  }

  /** Starts proxying an upgrade request that matched `route` and passed its authentication. */
  forward(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    route: RouteRuntime,
    startedAt: number,
  ): void {
    const upgrade = req.headers.upgrade ?? '';
    const context = this.forwarder.prepare(req, route, startedAt);
    // prepare() removed the hop-by-hop headers; a handshake needs these two back.
    req.headers.connection = 'upgrade';
    req.headers.upgrade = upgrade;

    const upstream = route.pick(context.client, context.tried);
    if (!upstream) {
      this.counters.count('noTarget');
      sendStatusOnSocket(socket, 503);
      return;
    }
    context.tried.add(upstream);
    context.attempts = 1;
    context.attempt = { upstream, startedAt: performance.now(), done: false };
    upstream.acquire();
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      upstream.release();
      if (context.upgraded) this.counters.websocketsOpen -= 1;
      const status = context.upgraded ? 101 : 0;
      route.stats.record(status, performance.now() - startedAt);
      upstream.stats.record(status, performance.now() - startedAt);
    });

    // NOTE: handshakes are not retried, and an upgraded pair has no idle timeout.
    this.forwarder.proxy.ws(
      req,
      socket,
      head,
      { target: upstream.target, changeOrigin: !route.data.preserveHost },
      (err) => this.onError(context, socket, err),
    );
  }

  private onHandshake(proxyRequest: ClientRequest, req: IncomingMessage): void {
    const context = this.forwarder.context(req);
    if (!context?.attempt) return;
    const upstream = context.attempt.upstream;
    proxyRequest.once('socket', (socket: Socket) =>
      this.forwarder.armUpstreamTimeouts(proxyRequest, socket, context.route),
    );
    proxyRequest.once('upgrade', (_response, proxySocket: Socket) => {
      proxyRequest.setTimeout(0);
      context.upgraded = true;
      this.counters.websocketsOpen += 1;
      this.counters.count('websocketsUpgraded');
      this.forwarder.upstreamResponded(context, upstream);
      this.sockets.add(proxySocket);
      proxySocket.once('close', () => this.sockets.delete(proxySocket));
    });
    proxyRequest.once('response', () => this.forwarder.upstreamResponded(context, upstream));
  }

  /** Called by http-proxy for errors of the target socket, before or after the upgrade. */
  private onError(context: ProxyContext, socket: Duplex, err: Error): void {
    const upstream = context.attempt?.upstream;
    if (context.upgraded) {
      this.counters.count('websocketUpstreamErrors');
      this.logger.debug({ err, route: context.route.data.id }, 'WebSocket target socket error');
      return;
    }
    const timeout = err instanceof UpstreamTimeoutError;
    if (upstream) this.forwarder.upstreamFailed(context, upstream, err);
    this.counters.count(timeout ? 'gatewayTimeout' : 'badGateway');
    sendStatusOnSocket(socket, timeout ? 504 : 502);
  }

  closeAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
