import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { echo, ProxyTestStack, request, startEchoServer, Upstream, waitFor } from './harness';

const UPLOAD_BYTES = 50 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

describe('proxy streaming, WebSockets and live changes', () => {
  let stack: ProxyTestStack;
  let a: Upstream;
  let b: Upstream;
  let port: number;

  before(async () => {
    stack = await ProxyTestStack.start();
    // Responds to /upload with the SHA-256 and size of the body, hashed as it streams in.
    const hashing = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.url !== '/upload') return false;
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      req.on('end', () => res.end(JSON.stringify({ sha256: hash.digest('hex'), size })));
      return true;
    };
    a = await Upstream.start('a', hashing);
    b = await Upstream.start('b', hashing);
    port = stack.proxyPort;
  });
  after(async () => {
    await stack.stop();
    await a.stop();
    await b.stop();
  });

  test('50 MB upload streams through', async () => {
    const id = await stack.createRoute({ host: 'upload.example.test', targets: [{ url: a.url }] });
    const sent = createHash('sha256');
    const chunk = randomBytes(CHUNK_BYTES);
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/upload',
          method: 'POST',
          headers: { host: 'upload.example.test' },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (text: string) => (body += text));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      let written = 0;
      // Writes chunked, one 64 KiB chunk at a time, waiting for drain: never 50 MB in memory.
      const writeMore = () => {
        while (written < UPLOAD_BYTES) {
          chunk.writeUInt32BE(written, 0);
          sent.update(chunk);
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', writeMore);
            return;
          }
        }
        req.end();
      };
      writeMore();
    });
    assert.equal(result.status, 200);
    assert.deepEqual(JSON.parse(result.body), { sha256: sent.digest('hex'), size: UPLOAD_BYTES });
    await stack.deleteRoute(id);
  });

  test('WebSocket echo through the proxy', async () => {
    const echoServer = await startEchoServer();
    const id = await stack.createRoute({
      host: 'ws.example.test',
      targets: [{ url: echoServer.url }],
    });
    const socket = new WebSocket(`ws://127.0.0.1:${port}/chat`, {
      headers: { host: 'ws.example.test' },
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const replies: string[] = [];
    socket.on('message', (data) => replies.push(String(data)));
    for (const text of ['one', 'two', 'x'.repeat(100_000)]) socket.send(text);
    await waitFor('three echoes', () => replies.length === 3);
    assert.deepEqual(replies.slice(0, 2), ['one', 'two']);
    assert.equal(replies[2].length, 100_000);

    // The target going away closes the client's socket and leaves the proxy serving.
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await echoServer.close();
    await closed;
    const stats = await stack.mutate<{ proxyStats: { websocketsOpen: number } }>(
      '{ proxyStats { websocketsOpen } }',
    );
    assert.equal(stats.proxyStats.websocketsOpen, 0);

    const refused = new WebSocket(`ws://127.0.0.1:${port}/chat`, {
      headers: { host: 'ws.example.test' },
    });
    const status = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('error', () => resolve(-1));
    });
    assert.equal(status, 502);
    await stack.deleteRoute(id);
  });

  test('client aborts release upstream sockets', async () => {
    const id = await stack.createRoute({ host: 'abort.example.test', targets: [{ url: a.url }] });
    await waitFor(
      'route applied',
      async () => (await request(port, 'abort.example.test', '/')).status === 200,
    );
    // The agent keeps the warm-up connection for reuse; only connections beyond it could leak.
    const idle = a.openConnections;
    const aborted: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      aborted.push(
        new Promise((resolve) => {
          const req = http.request({
            host: '127.0.0.1',
            port,
            path: '/slow/5000',
            agent: false,
            headers: { host: 'abort.example.test' },
          });
          req.on('error', () => resolve());
          req.end();
          setTimeout(() => req.destroy(), 100);
        }),
      );
    }
    // An upload cut off halfway releases its upstream socket too.
    aborted.push(
      new Promise((resolve) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          path: '/upload',
          method: 'POST',
          agent: false,
          headers: { host: 'abort.example.test', 'content-length': '1000000' },
        });
        req.on('error', () => resolve());
        req.write(Buffer.alloc(10_000));
        setTimeout(() => req.destroy(), 100);
      }),
    );
    await Promise.all(aborted);
    await waitFor('upstream sockets released', () => a.openConnections <= idle);
    const data = await stack.mutate<{ route: { targets: { activeConnections: number }[] } }>(
      'query($id: String!) { route(id: $id) { targets { activeConnections } } }',
      { id },
    );
    assert.equal(data.route.targets[0].activeConnections, 0);
    await stack.deleteRoute(id);
  });

  test('live route changes under load fail no request', async () => {
    const id = await stack.createRoute({ host: 'load.example.test', targets: [{ url: a.url }] });
    await waitFor(
      'route applied',
      async () => (await request(port, 'load.example.test', '/')).status === 200,
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let running = true;
    const failures: string[] = [];
    const seen = new Set<string>();
    let requests = 0;
    const worker = async () => {
      while (running) {
        try {
          const response = await request(port, 'load.example.test', '/', { agent });
          requests += 1;
          if (response.status !== 200) failures.push(`status ${response.status}`);
          else seen.add(echo(response).name);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    // A slow request started on target a must finish even though a leaves the route meanwhile.
    const slow = request(port, 'load.example.test', '/slow/500');
    const targetSets = [[b.url], [a.url, b.url], [a.url], [b.url], [a.url, b.url]];
    for (const urls of targetSets) {
      await stack.updateRoute({ id, targets: urls.map((url) => ({ url })) });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    running = false;
    await Promise.all(workers);
    agent.destroy();
    assert.equal((await slow).status, 200);
    assert.deepEqual(failures, []);
    assert.ok(requests > 20, `only ${requests} requests ran`);
    assert.deepEqual([...seen].sort(), ['a', 'b']);
    await stack.deleteRoute(id);
  });
});
