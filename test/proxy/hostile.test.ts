import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { echo, ProxyTestStack, request, Upstream } from './harness';

/** Writes raw bytes to the proxy and returns everything it sends back until it closes. */
function raw(port: number, parts: string[], gapMs = 0): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => (received += text));
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
    let i = 0;
    const next = () => {
      if (i >= parts.length || socket.destroyed) return;
      socket.write(parts[i++]);
      setTimeout(next, gapMs);
    };
    next();
  });
}

describe('proxy under hostile input', () => {
  let stack: ProxyTestStack;
  let upstream: Upstream;
  let port: number;

  before(async () => {
    stack = await ProxyTestStack.start({
      PAAS_PROXY_HEADERS_TIMEOUT: '500',
      PAAS_PROXY_MAX_HEADER_SIZE: '4096',
      PAAS_PROXY_MAX_CONNECTIONS: '20',
    });
    upstream = await Upstream.start('a');
    port = stack.proxyPort;
    await stack.createRoute({ host: 'hostile.example.test', targets: [{ url: upstream.url }] });
  });
  after(async () => {
    await stack.stop();
    await upstream.stop();
  });

  async function events(): Promise<Record<string, number>> {
    const data = await stack.mutate<{ proxyStats: { events: { name: string; count: number }[] } }>(
      '{ proxyStats { events { name count } } }',
    );
    return Object.fromEntries(data.proxyStats.events.map((e) => [e.name, e.count]));
  }

  async function stillServes(): Promise<void> {
    const response = await request(port, 'hostile.example.test', '/');
    assert.equal(response.status, 200);
  }

  const cases: {
    name: string;
    parts: string[];
    gapMs?: number;
    status: string;
    counter: string;
  }[] = [
    {
      name: 'garbage request line',
      parts: ['GARBAGE\x00\x01\r\n\r\n'],
      status: '400',
      counter: 'malformed',
    },
    {
      name: 'invalid header',
      parts: ['GET / HTTP/1.1\r\nHost: hostile.example.test\r\nbad header\r\n\r\n'],
      status: '400',
      counter: 'malformed',
    },
    {
      name: 'Content-Length with Transfer-Encoding',
      parts: [
        'POST / HTTP/1.1\r\nHost: hostile.example.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ],
      status: '400',
      counter: 'malformed',
    },
    {
      name: 'huge headers',
      parts: [`GET / HTTP/1.1\r\nHost: hostile.example.test\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`],
      status: '431',
      counter: 'headerTooLarge',
    },
    {
      name: 'slow headers',
      parts: [
        'GET / HTTP/1.1\r\n',
        'Host: hostile',
        '.example.test\r\n',
        'X-A: 1\r\n',
        'X-B: 2\r\n',
      ],
      gapMs: 300,
      status: '408',
      counter: 'requestTimeout',
    },
    {
      name: 'non-WebSocket upgrade',
      parts: [
        'GET / HTTP/1.1\r\nHost: hostile.example.test\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n',
      ],
      status: '501',
      counter: 'upgradeRejected',
    },
  ];
  for (const { name, parts, gapMs, status, counter } of cases) {
    test(`${name} is dropped and counted`, async () => {
      const before = (await events())[counter] ?? 0;
      const answer = await raw(port, parts, gapMs);
      assert.match(
        answer,
        new RegExp(`^HTTP/1\\.1 ${status} `),
        JSON.stringify(answer.slice(0, 80)),
      );
      assert.equal((await events())[counter], before + 1);
      await stillServes();
    });
  }

  test('connections beyond the limit are dropped', async () => {
    const sockets = [];
    for (let i = 0; i < 25; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      sockets.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(((await events()).maxConnections ?? 0) >= 5);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stillServes();
  });

  test('chunked DELETE body stays framed', async () => {
    const answer = await raw(port, [
      'DELETE /item HTTP/1.1\r\nHost: hostile.example.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      '5\r\nhello\r\n0\r\n\r\n',
    ]);
    assert.match(answer, /^HTTP\/1\.1 200 /);
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    const seen = JSON.parse(
      body.includes('{') ? body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1) : '{}',
    );
    assert.equal(seen.headers['transfer-encoding'], 'chunked');
    assert.equal(seen.headers['content-length'], undefined);
    assert.equal(upstream.requests > 0, true);
    await stillServes();
  });

  test('Host header is required', async () => {
    const answer = await raw(port, ['GET / HTTP/1.1\r\n\r\n']);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    const http10 = await raw(port, ['GET / HTTP/1.0\r\n\r\n']);
    assert.match(http10, /^HTTP\/1\.1 404 /);
  });

  test('busy port names the setting', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as { port: number }).port;
    await assert.rejects(
      ProxyTestStack.start({ PAAS_PROXY_PORT: String(busy) }),
      /already in use; change PAAS_PROXY_PORT/,
    );
    blocker.close();
  });

  test('echo still works after all of it', async () => {
    assert.equal(echo(await request(port, 'hostile.example.test', '/x')).url, '/x');
  });
});
