import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';
import type { Stack } from '../../bin/stack';
import { TestStack, type GraphqlError, type GraphqlResponse } from '../helpers/stack';

const execFileAsync = promisify(execFile);

export type { GraphqlError, GraphqlResponse };

/**
 * A whole test stack (see TestStack) with the proxy's port and route helpers. Set
 * PAAS_TEST_LOG_LEVEL to see the stack's logs, access log included.
 */
export class ProxyTestStack {
  private constructor(private readonly base: TestStack) {}

  static async start(env: Record<string, string> = {}): Promise<ProxyTestStack> {
    const logLevel = process.env.PAAS_TEST_LOG_LEVEL ?? 'silent';
    return new ProxyTestStack(await TestStack.start({ env: { PAAS_LOG_LEVEL: logLevel, ...env } }));
  }

  get stack(): Stack {
    return this.base.stack;
  }

  get proxyPort(): number {
    const status = this.stack.service('proxy').instance.status() as { proxy: { port: number } };
    return status.proxy.port;
  }

  graphql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphqlResponse<T>> {
    return this.base.graphql<T>(query, variables);
  }

  /** Runs a GraphQL request that must succeed; throws with its errors otherwise. */
  mutate<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    return this.base.mutate<T>(query, variables);
  }

  /** Creates a route through the gateway and returns its id. */
  async createRoute(input: Record<string, unknown>): Promise<string> {
    const data = await this.mutate<{ createRoute: { id: string } }>(
      'mutation($input: CreateRouteInput!) { createRoute(input: $input) { id } }',
      { input },
    );
    return data.createRoute.id;
  }

  async updateRoute(input: Record<string, unknown>): Promise<void> {
    await this.mutate('mutation($input: UpdateRouteInput!) { updateRoute(input: $input) { id } }', {
      input,
    });
  }

  async deleteRoute(id: string): Promise<void> {
    await this.mutate('mutation($id: ID!) { deleteRoute(input: { id: $id }) { id } }', { id });
  }

  stop(): Promise<void> {
    return this.base.stop();
  }
}

/** What the test upstream echoes back for every request. */
export interface Echo {
  name: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * An upstream HTTP server on 127.0.0.1 that answers with JSON naming itself, the request line
 * and headers. `/status/N` answers N, `/slow/MS` waits before answering, `/health` follows
 * `healthy`. It counts its open connections, so tests can see sockets the proxy leaks.
 */
export class Upstream {
  healthy = true;
  requests = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly name: string,
    readonly server: http.Server,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(
    name: string,
    handler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
  ): Promise<Upstream> {
    const server = http.createServer();
    const upstream = new Upstream(name, server);
    server.on('request', (req, res) => {
      upstream.requests += 1;
      if (handler?.(req, res)) return;
      upstream.answer(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    const status = /^\/status\/(\d{3})/.exec(url);
    const slow = /^\/slow\/(\d+)/.exec(url);
    const reply = (code: number) => {
      const body = JSON.stringify({
        name: this.name,
        method: req.method,
        url,
        headers: req.headers,
      });
      res.writeHead(code, { 'content-type': 'application/json', 'x-upstream': this.name });
      res.end(body);
    };
    req.resume();
    if (url === '/health') reply(this.healthy ? 200 : 503);
    else if (status) reply(Number(status[1]));
    else if (slow) setTimeout(() => reply(200), Number(slow[1]));
    else reply(200);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** A WebSocket echo server on 127.0.0.1 that sends every message back unchanged. */
export async function startEchoServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.end('websocket only'));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.on('message', (data, binary) => socket.send(data, { binary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ProxyResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Sends one request to the proxy with Node's HTTP client and reads the whole answer. */
export function request(
  port: number,
  host: string,
  urlPath: string,
  options: http.RequestOptions & { body?: string } = {},
): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        agent: false,
        ...options,
        headers: { host, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Parses the echo of a test upstream. */
export function echo(response: ProxyResponse): Echo {
  return JSON.parse(response.body) as Echo;
}

/** Runs curl against the proxy and returns its status code and body. */
export async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await execFileAsync('curl', [
    '--silent',
    '--show-error',
    '--max-time',
    '30',
    '--write-out',
    '\n%{http_code}',
    ...args,
  ]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

/** Polls `check` every 20 ms until it returns true, at most `attempts` times. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  attempts = 250,
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}
