import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { bindError } from '../../../lib/http';
import type { Logger } from '../../../lib/log';
import { accessLogger, type AccessLogLevel } from './access-log';
import { ProxyCounters } from './counters';
import { Forwarder } from './forwarder';
import { hostFromHeader } from './routing-table';
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
}

/** Answers and counter names for the parse errors Node's HTTP server reports. */
function clientErrorKind(code: string | undefined): { status: number; counter: string } | null {
  if (code === 'ECONNRESET' || code === 'EPIPE') return null;
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, counter: 'headerTooLarge' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, counter: 'requestTimeout' };
  return { status: 400, counter: 'malformed' };
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
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
      this.onClientError(err, socket),
    );
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const kind = clientErrorKind(err.code);
    this.counters.count(kind?.counter ?? 'clientReset');
    this.logger.debug({ err, code: err.code }, 'client request dropped');
    if (!kind) {
      socket.destroy();
      return;
    }
    sendStatusOnSocket(socket, kind.status);
  }

  /** Finds the route of a request, or answers 404; checks basic auth, or answers 401. */
  private async admit(
    req: IncomingMessage,
    reject: (status: number, headers?: Record<string, string>) => void,
  ): Promise<RouteRuntime | undefined> {
    const route = this.routes.match(hostFromHeader(req.headers.host), req.url ?? '/');
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
    try {
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
   * Stops accepting connections, closes idle ones and every WebSocket at once, and gives
   * requests in flight up to `graceMs` before their connections are cut.
   */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    this.websockets.closeAll();
    const timer = setTimeout(() => this.sockets.forEach((socket) => socket.destroy()), graceMs);
    await closed;
    clearTimeout(timer);
  }
}
