import { randomBytes } from 'node:crypto';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../../lib/log';
import { ProxyCounters, UpstreamTimeoutError } from './counters';
import type { Forwarder, ProxyContext } from './forwarder';
import { sendStatusOnSocket } from './responses';
import type { RouteRuntime } from './route-set';

/** WebSocket close status 1001, "going away" (RFC 6455 section 7.4.1), as two bytes. */
const GOING_AWAY = [0x03, 0xe9];

/** A close frame with status 1001, unmasked as a server sends it to a client. */
function closeFrameToClient(): Buffer {
  return Buffer.from([0x88, GOING_AWAY.length, ...GOING_AWAY]);
}

/** A close frame with status 1001, masked as a client must send it to a server. */
function closeFrameToServer(): Buffer {
  const mask = randomBytes(4);
  const payload = GOING_AWAY.map((byte, i) => byte ^ mask[i]);
  return Buffer.from([0x88, 0x80 | GOING_AWAY.length, ...mask, ...payload]);
}

/** Time the peers get to reply to a close frame before their sockets are destroyed. */
const CLOSE_WAIT_MS = 1000;

/**
 * Proxies WebSocket handshakes (HTTP Upgrade) to a route's target and then pipes both sockets.
 * Every socket of a pair gets an error handler, and `closeAll` ends the open pairs on shutdown.
 */
export class WebSocketProxy {
  private readonly sockets = new Set<Duplex>();
  /** Upgraded pairs: client socket to target socket. */
  private readonly pairs = new Map<Duplex, Socket>();

  constructor(
    private readonly forwarder: Forwarder,
    private readonly counters: ProxyCounters,
    private readonly logger: Logger,
  ) {
    forwarder.proxy.on('proxyReqWs', (proxyRequest, req, socket) =>
      this.onHandshake(proxyRequest, req, socket),
    );
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
      this.pairs.delete(socket);
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

  private onHandshake(proxyRequest: ClientRequest, req: IncomingMessage, client: Duplex): void {
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
      this.pairs.set(client, proxySocket);
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

  /**
   * Closes every WebSocket for shutdown. Each upgraded pair stops relaying, both peers get a
   * close frame with 1001 (going away), and sockets still open after CLOSE_WAIT_MS are destroyed.
   * Handshakes not yet upgraded are cut at once.
   */
  closeAll(): void {
    // NOTE: a close frame written while a message is half relayed lands inside that message, so
    // the peer then sees a protocol error instead of 1001. Finding frame boundaries would mean
    // parsing every relayed frame.
    const upgraded = new Set<Duplex>();
    for (const [client, target] of this.pairs) {
      upgraded.add(client).add(target);
      target.unpipe(client);
      client.unpipe(target);
      if (client.writable) client.end(closeFrameToClient());
      if (target.writable) target.end(closeFrameToServer());
    }
    const remaining = [...this.sockets];
    this.pairs.clear();
    this.sockets.clear();
    for (const socket of remaining) if (!upgraded.has(socket)) socket.destroy();
    const timer = setTimeout(() => remaining.forEach((socket) => socket.destroy()), CLOSE_WAIT_MS);
    timer.unref();
  }
}
