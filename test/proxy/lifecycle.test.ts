import assert from 'node:assert/strict';
import http from 'node:http';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { ProxyTestStack, request, startEchoServer, Upstream, waitFor } from './harness';

async function events(stack: ProxyTestStack): Promise<Record<string, number>> {
  const data = await stack.mutate<{ proxyStats: { events: { name: string; count: number }[] } }>(
    '{ proxyStats { events { name count } } }',
  );
  return Object.fromEntries(data.proxyStats.events.map((e) => [e.name, e.count]));
}

describe('proxy client aborts and shutdown', () => {
  test('aborted upload is counted once', async () => {
    const stack = await ProxyTestStack.start();
    // Responds only after the whole body arrived, so the proxy's response is still open.
    const upstream = await Upstream.start('a', (req, res) => {
      req.resume();
      req.on('end', () => res.end('received'));
      return true;
    });
    try {
      const port = stack.proxyPort;
      await stack.createRoute({ host: 'upload.example.test', targets: [{ url: upstream.url }] });
      await new Promise<void>((resolve) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          path: '/upload',
          method: 'POST',
          agent: false,
          headers: { host: 'upload.example.test', 'content-length': '1000000' },
        });
        req.on('error', () => {});
        req.on('close', () => resolve());
        req.write(Buffer.alloc(10_000));
        setTimeout(() => req.destroy(), 100);
      });
      await waitFor('abort counted', async () => (await events(stack)).clientAborted === 1);
      const counted = await events(stack);
      assert.equal(counted.clientAborted, 1);
      assert.equal(counted.malformed, undefined, 'an aborted upload is not malformed');
      assert.equal(counted.clientReset, undefined);
    } finally {
      await stack.stop();
      await upstream.stop();
    }
  });

  test('shutdown lets requests finish and closes WebSockets', async () => {
    const stack = await ProxyTestStack.start({ PAAS_PROXY_SHUTDOWN_GRACE: '5000' });
    const upstream = await Upstream.start('slow');
    const echoServer = await startEchoServer();
    try {
      const port = stack.proxyPort;
      await stack.createRoute({ host: 'slow.example.test', targets: [{ url: upstream.url }] });
      await stack.createRoute({ host: 'ws.example.test', targets: [{ url: echoServer.url }] });
      const socket = new WebSocket(`ws://127.0.0.1:${port}/`, {
        headers: { host: 'ws.example.test' },
      });
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const closeCode = new Promise<number>((resolve) => socket.once('close', resolve));

      // The upstream responds after 1 s, well within the 5 s grace period.
      const slow = request(port, 'slow.example.test', '/slow/1000');
      await waitFor('request in flight', () => upstream.requests === 1);
      const stopped = stack.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));

      const refused = await new Promise<string>((resolve) => {
        const probe = connect(port, '127.0.0.1');
        probe.once('connect', () => {
          probe.destroy();
          resolve('connected');
        });
        probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      assert.equal(refused, 'ECONNREFUSED', 'no new connections once shutdown began');
      assert.equal(await closeCode, 1001, 'WebSockets get a going-away close frame');

      const response = await slow;
      assert.equal(response.status, 200, 'the request in flight finished');
      await stopped;
    } finally {
      await upstream.stop();
      await echoServer.close();
    }
  });
});
