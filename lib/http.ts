import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Logger } from './log';

/** `extensions.code` of errors raised before GraphQL runs, by HTTP status. */
const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  413: 'PAYLOAD_TOO_LARGE',
  500: 'INTERNAL_SERVER_ERROR',
};

export type RouteHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
) => void | Promise<void>;

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function bodyTooLarge(limit: number): Error {
  return Object.assign(new Error(`request body exceeds the limit of ${limit} bytes`), {
    status: 413,
  });
}

/**
 * Reads a request body up to `limit` bytes and rejects with status 413 beyond it, before reading
 * when the Content-Length header is already larger. The rest of an oversized body is read and
 * discarded rather than the socket destroyed, so the client still receives the 413 response.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(bodyTooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflowed = false;
    req.on('data', (chunk: Buffer) => {
      if (overflowed) return;
      size += chunk.length;
      if (size > limit) {
        overflowed = true;
        chunks.length = 0;
        reject(bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Adapts Apollo Server to node:http, with a request body limit. */
export function graphqlHandler<C extends BaseContext>(
  server: ApolloServer<C>,
  options: { bodyLimit: number; context: (req: http.IncomingMessage) => Promise<C> },
): RouteHandler {
  return async (req, res) => {
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req, options.bodyLimit);
      try {
        body = text === '' ? {} : JSON.parse(text);
      } catch {
        sendJson(res, 400, {
          errors: [
            { message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } },
          ],
        });
        return;
      }
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => options.context(req),
    });
    res.statusCode = response.status ?? 200;
    for (const [name, value] of response.headers) res.setHeader(name, value);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/**
 * An HTTP server with a fixed table of routes by path. `stop()` closes idle keep-alive
 * connections at once and the rest when their response ends.
 */
export class HttpListener {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly name: string,
    private readonly routes: Record<string, RouteHandler>,
    private readonly logger: Logger,
  ) {
    this.server = http.createServer((req, res) => this.dispatch(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('clientError', (err, socket) => {
      this.logger.debug({ err }, 'malformed HTTP request dropped');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    });
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const handler = this.routes[path];
    if (!handler) {
      sendJson(res, 404, { error: `no route for ${path}` });
      return;
    }
    try {
      await handler(req, res);
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      if (status >= 500) this.logger.error({ err, path }, 'HTTP handler failed');
      else this.logger.debug({ err, path, status }, 'HTTP request rejected');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // The request body may be only partly read, so the connection cannot be reused.
      if (status === 413) res.setHeader('connection', 'close');
      const code = STATUS_CODES[status] ?? 'INTERNAL_SERVER_ERROR';
      const message = status >= 500 ? 'internal server error' : (err as Error).message;
      sendJson(res, status, { errors: [{ message, extensions: { code } }] });
    }
  }

  async start(host: string, port: number, setting?: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(bindError(err, this.name, host, port, setting));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = ''): string {
    const { address, port } = this.server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${port}${path}`;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    setTimeout(() => this.sockets.forEach((socket) => socket.destroy()), 2000).unref();
    await closed;
  }
}

/** Explains a failed bind: what was busy or forbidden, and which setting to change. */
export function bindError(
  err: NodeJS.ErrnoException,
  what: string,
  host: string,
  port: number,
  setting = 'the port setting',
): Error {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (err.code === 'EADDRINUSE')
    return new Error(`${what}: address ${where} is already in use; change ${setting}`);
  if (err.code === 'EACCES') {
    return new Error(
      `${what}: binding ${where} needs privileges (ports below 1024 need root or CAP_NET_BIND_SERVICE); change ${setting}`,
    );
  }
  if (err.code === 'EADDRNOTAVAIL')
    return new Error(`${what}: address ${host} is not on this machine; change the host setting`);
  return new Error(`${what}: cannot listen on ${where}: ${err.message}`);
}
