import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { bindError } from '../../../lib/http';
import type { Logger } from '../../../lib/log';
import { accessLogger, type AccessLogLevel } from './access-log';
import { ProxyCounters } from './counters';
import { Forwarder } from './forwarder';
import { parseRequestTarget } from './request-target';
import { sendStatus, sendStatusOnSocket } from './responses';
import type { RouteRuntime, RouteSet } from './route-set';
import type { CidrList } from './trusted-proxies';
import { WebSocketProxy } from './websocket-proxy';

/** Validated listener settings; the listener never reads the environment. */
export interface ProxyServerConfig {
  host: string;
  port: number;
  /** Setting to name when the port cannot be bound. */
  portSetting: string;
  trustedProxies: CidrList;
  maxHeaderSize: number;
  headersTimeoutMs: number;
  /** 0 turns the limit off. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  accessLogLevel: AccessLogLevel;
  /** Time `stop()` gives requests in flight before it closes their connections. */
  shutdownGraceMs: number;
}

/** Answers and counter names for the parse errors Node's HTTP server reports. */
function clientErrorKind(code: string | undefined): { status: number; counter: string } | null {
  if (code === 'ECONNRESET' || code === 'EPIPE') return null;
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, counter: 'headerTooLarge' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, counter: 'requestTimeout' };
  return { status: 400, counter: 'malformed' };
}

/**
 * Checks that a request body has no transfer coding other than chunked. The forwarder re-frames
 * bodies as chunked, so any other coding (gzip, chunked) would reach the target without its
 * gzip coding.
 */
function isPlainChunked(transferEncoding: string | undefined): boolean {
  return transferEncoding === undefined || /^\s*chunked\s*$/i.test(transferEncoding);
}

/**
 * The reverse proxy listener: matches each request against the live routing table, checks basic
 * auth and hands the request or WebSocket handshake to the forwarder. Malformed, oversized and
 * slow requests are answered by Node's parser limits and counted here.
 */
export class ProxyListener {
  readonly counters = new ProxyCounters();
  private readonly server: http.Server;
  private readonly forwarder: Forwarder;
  private readonly websockets: WebSocketProxy;
  private readonly sockets = new Set<Socket>();
  /** Client sockets with a request in flight. */
  private readonly busySockets = new WeakSet<Duplex>();

  constructor(
    private readonly config: ProxyServerConfig,
    private readonly routes: RouteSet,
    private readonly logger: Logger,
  ) {
    this.forwarder = new Forwarder(
      { trustedProxies: config.trustedProxies },
      this.counters,
      logger,
      accessLogger(logger, config.accessLogLevel),
    );
    this.websockets = new WebSocketProxy(this.forwarder, this.counters, logger);

    // Node requires headersTimeout <= requestTimeout when the latter is on.
    const headersTimeout =
      config.requestTimeoutMs > 0
        ? Math.min(config.headersTimeoutMs, config.requestTimeoutMs)
        : config.headersTimeoutMs;
    this.server = http.createServer({
      maxHeaderSize: config.maxHeaderSize,
      headersTimeout,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default), so short limits need it shorter.
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(headersTimeout / 4))),
    });
    this.server.maxConnections = config.maxConnections;
    this.server.on('request', (req, res) => void this.handleRequest(req, res));
    this.server.on('upgrade', (req, socket, head) => void this.handleUpgrade(req, socket, head));
    this.server.on('connection', (socket: Socket) => {
      this.counters.connectionsAccepted += 1;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('drop', () => this.counters.count('maxConnections'));
    // Without a listener, Node closes CONNECT connections without a word. This proxy tunnels nothing.
    this.server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      this.counters.count('connectRejected');
      socket.on('error', () => socket.destroy());
      sendStatusOnSocket(socket, 501);
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
      this.onClientError(err, socket),
    );
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    if (err.code === 'HPE_INVALID_EOF_STATE' && this.busySockets.has(socket)) {
      // The client closed its connection in the middle of a request body. The forwarder counts
      // that request as clientAborted when its response closes, so it is not counted here too.
      socket.destroy();
      return;
    }
    const kind = clientErrorKind(err.code);
    this.counters.count(kind?.counter ?? 'clientReset');
    this.logger.debug({ err, code: err.code }, 'client request dropped');
    if (!kind) {
      socket.destroy();
      return;
    }
    sendStatusOnSocket(socket, kind.status);
  }

  /**
   * Checks the request-target and Host (400 when invalid) and sets req.url to the normalised path
   * that is matched and forwarded. Then finds the route (404 without one) and checks basic auth
   * (401 on failure).
   */
  private async admit(
    req: IncomingMessage,
    reject: (status: number, headers?: Record<string, string>) => void,
  ): Promise<RouteRuntime | undefined> {
    const target = parseRequestTarget(req.url ?? '/', req.headers.host);
    if (!target) {
      this.counters.count('malformed');
      this.logger.debug(
        { path: req.url, host: req.headers.host },
        'invalid request-target or Host',
      );
      reject(400);
      return undefined;
    }
    req.url = target.url;
    if (target.authority !== undefined) req.headers.host = target.authority;
    const route = this.routes.match(target.host, target.url);
    if (!route) {
      this.counters.count('noRoute');
      reject(404);
      return undefined;
    }
    if (route.auth && !(await route.auth.check(req.headers.authorization))) {
      this.counters.count('unauthorized');
      reject(401, { 'www-authenticate': route.auth.challenge });
      return undefined;
    }
    return route;
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    this.busySockets.add(req.socket);
    res.once('close', () => this.busySockets.delete(req.socket));
    try {
      if (!isPlainChunked(req.headers['transfer-encoding'])) {
        // RFC 9112 section 6.1: a server that does not understand a transfer coding answers 501.
        this.counters.count('unsupportedTransferCoding');
        sendStatus(res, 501, { connection: 'close' });
        return;
      }
      const route = await this.admit(req, (status, headers) => sendStatus(res, status, headers));
      if (!route || res.destroyed) return;
      this.forwarder.forward(req, res, route, startedAt);
    } catch (err) {
      this.counters.count('handlerErrors');
      this.logger.error({ err, path: req.url }, 'request handler failed');
      if (!res.headersSent) sendStatus(res, 502);
      else res.destroy();
    }
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const startedAt = performance.now();
    socket.on('error', (err) => {
      this.counters.count('clientSocketErrors');
      this.logger.debug({ err }, 'WebSocket client socket error');
    });
    try {
      if (!/^websocket$/i.test(req.headers.upgrade ?? '')) {
        this.counters.count('upgradeRejected');
        sendStatusOnSocket(socket, 501);
        return;
      }
      const route = await this.admit(req, (status, headers) =>
        sendStatusOnSocket(socket, status, headers),
      );
      if (!route || socket.destroyed) return;
      this.websockets.forward(req, socket, head, route, startedAt);
    } catch (err) {
      this.counters.count('handlerErrors');
      this.logger.error({ err, path: req.url }, 'upgrade handler failed');
      socket.destroy();
    }
  }

  async start(): Promise<void> {
    const { host, port, portSetting } = this.config;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(bindError(err, 'reverse proxy', host, port, portSetting));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.on('error', (err) => this.logger.error({ err }, 'reverse proxy listener error'));
  }

  address(): { host: string; port: number } | null {
    const address = this.server.address() as AddressInfo | null;
    return address ? { host: address.address, port: address.port } : null;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  get openWebSockets(): number {
    return this.counters.websocketsOpen;
  }

  /**
   * Stops accepting connections at once and closes idle keep-alive connections, and closes each
   * busy one as soon as its response is complete. WebSockets get a close frame with 1001 (going
   * away). Connections still open after `graceMs` are destroyed.
   */
  async stop(graceMs = this.config.shutdownGraceMs): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // A keep-alive connection becomes idle when its response ends; this closes it then.
    const sweeper = setInterval(() => this.server.closeIdleConnections(), 50);
    this.websockets.closeAll();
    const timer = setTimeout(() => {
      this.logger.warn(
        { connections: this.sockets.size, graceMs },
        'shutdown grace period over; closing the remaining connections',
      );
      this.sockets.forEach((socket) => socket.destroy());
    }, graceMs);
    await closed;
    clearTimeout(timer);
    clearInterval(sweeper);
  }
}
