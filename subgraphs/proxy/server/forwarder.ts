import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ProxyServer } from 'http-proxy-3';
import type { Logger } from '../../../lib/log';
import type { AccessLogEntry } from './access-log';
import { ProxyCounters, UpstreamTimeoutError } from './counters';
import { applyHeaderRules, clientAddress, removeHopByHop, setForwardedHeaders } from './headers';
import { sendStatus } from './responses';
import type { RouteRuntime } from './route-set';
import type { CidrList } from './trusted-proxies';
import type { Upstream } from './upstream';

/** Methods RFC 9110 defines as idempotent; only these are retried, and only without a body. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Marks a request whose body arrived chunked, so that it is forwarded chunked again. */
const CHUNKED = Symbol('chunked');
type MarkedRequest = IncomingMessage & { [CHUNKED]?: boolean };

/** One try of a request on one target. */
interface Attempt {
  upstream: Upstream;
  startedAt: number;
  proxyRequest?: ClientRequest;
  done: boolean;
}

/** State of one request or WebSocket handshake while the forwarder proxies it. */
export interface ProxyContext {
  route: RouteRuntime;
  startedAt: number;
  client: string;
  host: string | undefined;
  path: string;
  tried: Set<Upstream>;
  attempt?: Attempt;
  attempts: number;
  canRetry: boolean;
  clientWantsClose: boolean;
  /** True once the target accepted a WebSocket handshake with 101. */
  upgraded: boolean;
}

export interface ForwarderConfig {
  trustedProxies: CidrList;
}

/**
 * Forwards requests through http-proxy-3 to the targets of a matched route: picks a target,
 * enforces connect and response timeouts, retries idempotent bodiless requests on another
 * target, judges targets passively and turns transport failures into 502 and 504.
 */
export class Forwarder {
  // toProxy makes http-proxy-3 send req.url as it is. Without it, the library parses req.url
  // with the WHATWG URL parser, which could change a path after the routing table matched it.
  readonly proxy = new ProxyServer({
    xfwd: false,
    followRedirects: false,
    prependPath: true,
    toProxy: true,
  });
  private readonly contexts = new WeakMap<IncomingMessage, ProxyContext>();
  private readonly failureLoggedAt = new WeakMap<Upstream, number>();

  constructor(
    private readonly config: ForwarderConfig,
    private readonly counters: ProxyCounters,
    private readonly logger: Logger,
    private readonly accessLog: (entry: AccessLogEntry) => void,
  ) {
    // http-proxy sends DELETE and OPTIONS without Content-Length as Content-Length: 0; a chunked
    // body must keep its chunked framing, or its bytes would reach the target unframed.
    this.proxy.before('web', 'timeout', (req: MarkedRequest) => {
      if (!req[CHUNKED]) return;
      delete req.headers['content-length'];
      req.headers['transfer-encoding'] = 'chunked';
    });
    this.proxy.on('proxyReq', (proxyRequest, req, _res, _options, socket) =>
      this.armTimeouts(proxyRequest, req, socket),
    );
    this.proxy.on('proxyRes', (proxyResponse, req) => this.onResponse(proxyResponse, req));
    // A client that resets its connection mid-request is counted once, when its response closes.
    this.proxy.on('econnreset', (err, req) =>
      this.logger.debug({ err, path: req.url }, 'client reset the connection'),
    );
    this.proxy.on('error', (err, req) => {
      this.counters.count('clientSocketErrors');
      this.logger.debug({ err, path: req.url }, 'client socket error while proxying');
    });
  }

  context(req: IncomingMessage): ProxyContext | undefined {
    return this.contexts.get(req);
  }

  /** Starts proxying a request that matched `route` and passed its authentication. */
  forward(req: IncomingMessage, res: ServerResponse, route: RouteRuntime, startedAt: number): void {
    const context = this.prepare(req, route, startedAt);
    res.on('close', () => this.finish(req, res, context));
    this.attempt(req, res, context);
  }

  /** Rewrites the request for the target: hop-by-hop, forwarding and route headers, path. */
  prepare(req: IncomingMessage, route: RouteRuntime, startedAt: number): ProxyContext {
    const headers = req.headers;
    const length = headers['content-length'];
    const chunked = headers['transfer-encoding'] !== undefined;
    const hasBody = chunked || (length !== undefined && length !== '0');
    const context: ProxyContext = {
      route,
      startedAt,
      client: clientAddress(req),
      host: headers.host,
      path: (req.url ?? '/').split('?')[0],
      tried: new Set(),
      attempts: 0,
      canRetry: !hasBody && IDEMPOTENT.has(req.method ?? ''),
      clientWantsClose: /(^|,)\s*close\s*($|,)/i.test(headers.connection ?? ''),
      upgraded: false,
    };
    this.contexts.set(req, context);

    removeHopByHop(headers);
    if (chunked) {
      headers['transfer-encoding'] = 'chunked';
      (req as MarkedRequest)[CHUNKED] = true;
    }
    // Node's server has already sent 100 Continue for `Expect: 100-continue`, so the target must not.
    delete headers.expect;
    if (route.auth) delete headers.authorization;
    setForwardedHeaders(req, this.config.trustedProxies);
    applyHeaderRules(headers, route.data.requestHeaders);
    if (route.data.stripPrefix) {
      const rest = (req.url ?? '/').slice(route.pathPrefix.length);
      req.url = rest.startsWith('/') ? rest : `/${rest}`;
    }
    return context;
  }

  /** Picks a target and sends the request to it, or responds 503 when no target is available. */
  private attempt(req: IncomingMessage, res: ServerResponse, context: ProxyContext): void {
    const upstream = context.route.pick(context.client, context.tried);
    if (!upstream) {
      this.counters.count('noTarget');
      if (!res.headersSent) sendStatus(res, 503, { 'retry-after': '5' });
      return;
    }
    const attempt: Attempt = { upstream, startedAt: performance.now(), done: false };
    context.tried.add(upstream);
    context.attempts += 1;
    context.attempt = attempt;
    upstream.acquire();
    this.proxy.web(
      req,
      res,
      {
        target: upstream.target,
        agent: upstream.agent,
        changeOrigin: !context.route.data.preserveHost,
      },
      (err) => this.onError(req, res, context, attempt, err),
    );
  }

  /** Limits the time to connect, then the time until the response headers arrive. */
  private armTimeouts(proxyRequest: ClientRequest, req: IncomingMessage, socket: Socket): void {
    const context = this.contexts.get(req);
    const attempt = context?.attempt;
    if (!context || !attempt) return;
    attempt.proxyRequest = proxyRequest;
    this.armUpstreamTimeouts(proxyRequest, socket, context.route);
  }

  armUpstreamTimeouts(proxyRequest: ClientRequest, socket: Socket, route: RouteRuntime): void {
    const responseMs = route.responseTimeoutMs;
    const waitForResponse = () =>
      proxyRequest.setTimeout(responseMs, () =>
        proxyRequest.destroy(new UpstreamTimeoutError('response', responseMs)),
      );
    if (!socket.connecting) {
      waitForResponse();
      return;
    }
    const connectMs = route.connectTimeoutMs;
    const timer = setTimeout(
      () => proxyRequest.destroy(new UpstreamTimeoutError('connect', connectMs)),
      connectMs,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      waitForResponse();
    });
    proxyRequest.once('close', () => clearTimeout(timer));
  }

  private onResponse(proxyResponse: IncomingMessage, req: IncomingMessage): void {
    const context = this.contexts.get(req);
    const attempt = context?.attempt;
    if (!context || !attempt) return;
    // The response timeout covers the wait for headers; a slow client must not trip it later.
    // NOTE: so a target that stalls in the middle of its body is not cut off by the proxy.
    attempt.proxyRequest?.setTimeout(0);
    this.upstreamResponded(context, attempt.upstream);

    const headers = proxyResponse.headers;
    removeHopByHop(headers);
    applyHeaderRules(headers, context.route.data.responseHeaders);
    if (context.clientWantsClose) headers.connection = 'close';
  }

  upstreamResponded(context: ProxyContext, upstream: Upstream): void {
    if (upstream.passiveSuccess(context.route.policy)) {
      this.logger.info(
        { route: context.route.data.id, target: upstream.url },
        'target back in rotation after a successful request',
      );
    }
  }

  private onError(
    req: IncomingMessage,
    res: ServerResponse,
    context: ProxyContext,
    attempt: Attempt,
    err: Error,
  ): void {
    // Errors of an earlier attempt can still arrive through listeners http-proxy left behind.
    if (attempt.done) return;
    const status = err instanceof UpstreamTimeoutError ? 504 : 502;
    this.endAttempt(attempt, status);
    if (res.destroyed || res.writableEnded) return;
    this.upstreamFailed(context, attempt.upstream, err);

    if (!res.headersSent && context.canRetry && context.attempts <= context.route.data.retries) {
      this.counters.count('retries');
      this.attempt(req, res, context);
      return;
    }
    if (res.headersSent) {
      // The client already has part of the response; cutting the connection is all that is left.
      this.counters.count('upstreamAbortedResponse');
      res.destroy();
      return;
    }
    this.counters.count(status === 504 ? 'gatewayTimeout' : 'badGateway');
    sendStatus(res, status);
  }

  /** Counts a transport failure of a target, ejects it at the threshold and logs, rate-limited. */
  upstreamFailed(context: ProxyContext, upstream: Upstream, err: Error): void {
    upstream.stats.failures += 1;
    context.route.stats.failures += 1;
    const route = context.route.data.id;
    const reason = (err as NodeJS.ErrnoException).code ?? err.message;
    const now = Date.now();
    if (upstream.passiveFailure(context.route.policy, reason, now)) {
      this.logger.warn(
        { err, route, target: upstream.url, failures: upstream.consecutiveFailures },
        'target ejected after consecutive failures',
      );
      return;
    }
    // One line per target per second at most, so an outage does not flood the log.
    if (now - (this.failureLoggedAt.get(upstream) ?? 0) < 1000) return;
    this.failureLoggedAt.set(upstream, now);
    this.logger.warn({ err, route, target: upstream.url }, 'target request failed');
  }

  private endAttempt(attempt: Attempt, status: number): void {
    if (attempt.done) return;
    attempt.done = true;
    attempt.upstream.release();
    attempt.upstream.stats.record(status, performance.now() - attempt.startedAt);
  }

  /** Runs once the response is complete or the client went away. */
  private finish(req: IncomingMessage, res: ServerResponse, context: ProxyContext): void {
    const complete = res.writableFinished;
    const status = complete ? res.statusCode : 0;
    if (!complete) this.counters.count('clientAborted');
    if (context.attempt) this.endAttempt(context.attempt, status);
    const durationMs = performance.now() - context.startedAt;
    context.route.stats.record(status, durationMs);
    this.accessLog({
      method: req.method,
      host: context.host,
      path: context.path,
      status,
      durationMs: Math.round(durationMs * 1000) / 1000,
      client: context.client,
      route: context.route.data.id,
      target: context.attempt?.upstream.url ?? null,
      attempts: context.attempts,
    });
  }
}
