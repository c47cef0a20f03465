import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { echo, ProxyTestStack, request, Upstream, waitFor } from './harness';

type Stats = { events: { name: string; count: number }[] };

/** A port that refuses connections: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('proxy failure handling', () => {
  let stack: ProxyTestStack;
  let good: Upstream;
  let port: number;
  let blackhole: Server;
  let blackholePort: number;

  before(async () => {
    stack = await ProxyTestStack.start({ PAAS_PROXY_RESPONSE_TIMEOUT: '300' });
    good = await Upstream.start('good');
    port = stack.proxyPort;
    // Accepts connections and never answers: a target that times out.
    blackhole = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    blackholePort = (blackhole.address() as { port: number }).port;
  });
  after(async () => {
    await stack.stop();
    await good.stop();
    blackhole.close();
  });

  async function events(): Promise<Record<string, number>> {
    const data = await stack.mutate<{ proxyStats: Stats }>(
      '{ proxyStats { events { name count } } }',
    );
    return Object.fromEntries(data.proxyStats.events.map((e) => [e.name, e.count]));
  }

  test('connection refused gives 502', async () => {
    const id = await stack.createRoute({
      host: 'refused.example.test',
      maxFails: 0,
      targets: [{ url: `http://127.0.0.1:${await closedPort()}` }],
    });
    const response = await request(port, 'refused.example.test', '/');
    assert.equal(response.status, 502);
    assert.doesNotMatch(response.body, /127\.0\.0\.1|ECONNREFUSED/);
    await stack.deleteRoute(id);
  });

  test('upstream timeout gives 504', async () => {
    const id = await stack.createRoute({
      host: 'timeout.example.test',
      maxFails: 0,
      targets: [{ url: `http://127.0.0.1:${blackholePort}` }],
    });
    const before = (await events()).gatewayTimeout ?? 0;
    const response = await request(port, 'timeout.example.test', '/');
    assert.equal(response.status, 504);
    assert.equal((await events()).gatewayTimeout, before + 1);
    const slow = await stack.createRoute({
      host: 'slow.example.test',
      responseTimeoutMs: 100,
      targets: [{ url: good.url }],
    });
    assert.equal((await request(port, 'slow.example.test', '/slow/1000')).status, 504);
    await stack.updateRoute({ id: slow, responseTimeoutMs: 5000 });
    assert.equal((await request(port, 'slow.example.test', '/slow/200')).status, 200);
    await stack.deleteRoute(id);
    await stack.deleteRoute(slow);
  });

  test('connect timeout gives 504', async () => {
    // A listener that never accepts, with its accept queue filled: Linux drops further SYNs,
    // so a new connection stays in the connecting state until the proxy gives up.
    const python = spawn('python3', [
      '-c',
      'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)',
    ]);
    const stuckPort = Number(
      await new Promise<string>((resolve) => python.stdout.once('data', (d) => resolve(String(d)))),
    );
    const fillers = [0, 1, 2].map(() => connect(stuckPort, '127.0.0.1').on('error', () => {}));
    try {
      const id = await stack.createRoute({
        host: 'connect.example.test',
        connectTimeoutMs: 200,
        responseTimeoutMs: 60000,
        maxFails: 0,
        targets: [{ url: `http://127.0.0.1:${stuckPort}` }],
      });
      const response = await request(port, 'connect.example.test', '/');
      assert.equal(response.status, 504);
      await stack.deleteRoute(id);
    } finally {
      for (const socket of fillers) socket.destroy();
      python.kill();
    }
  });

  test('all targets down gives 503', async () => {
    const id = await stack.createRoute({
      host: 'down.example.test',
      targets: [{ url: good.url, enabled: false }],
    });
    const response = await request(port, 'down.example.test', '/');
    assert.equal(response.status, 503);
    await stack.deleteRoute(id);
  });

  test('passive ejection and recovery', async () => {
    const flaky = await Upstream.start('flaky');
    const flakyUrl = flaky.url;
    const id = await stack.createRoute({
      host: 'passive.example.test',
      maxFails: 2,
      failTimeoutMs: 300,
      targets: [{ url: flakyUrl }, { url: good.url }],
    });
    await flaky.stop();
    // Round robin sends every other request to the stopped target until two failures eject it.
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await request(port, 'passive.example.test', '/')).status);
    assert.equal(statuses.filter((s) => s === 502).length, 2, JSON.stringify(statuses));
    const route = await stack.mutate<{ route: { targets: { url: string; health: string }[] } }>(
      'query($id: String!) { route(id: $id) { targets { url health } } }',
      { id },
    );
    assert.equal(route.route.targets.find((t) => t.url === flakyUrl)?.health, 'UNHEALTHY');
    for (let i = 0; i < 6; i++)
      assert.equal((await request(port, 'passive.example.test', '/')).status, 200);

    // Back on the same port, the target is tried again after failTimeoutMs and stays in.
    const revived = http.createServer((_req, res) =>
      res.end(JSON.stringify({ name: 'revived', headers: {} })),
    );
    await new Promise<void>((resolve) =>
      revived.listen(Number(new URL(flakyUrl).port), '127.0.0.1', resolve),
    );
    await waitFor(
      'target recovered',
      async () => echo(await request(port, 'passive.example.test', '/')).name === 'revived',
    );
    await waitFor('health shown', async () => {
      const data = await stack.mutate<{ route: { targets: { url: string; health: string }[] } }>(
        'query($id: String!) { route(id: $id) { targets { url health } } }',
        { id },
      );
      return data.route.targets.every((t) => t.health === 'HEALTHY');
    });
    revived.closeAllConnections();
    revived.close();
    await stack.deleteRoute(id);
  });

  test('active checks eject and restore', async () => {
    const sick = await Upstream.start('sick');
    const id = await stack.createRoute({
      host: 'active.example.test',
      healthCheck: {
        path: '/health',
        intervalMs: 100,
        timeoutMs: 100,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
      },
      targets: [{ url: sick.url }, { url: good.url }],
    });
    const health = async () => {
      const data = await stack.mutate<{ route: { targets: { url: string; health: string }[] } }>(
        'query($id: String!) { route(id: $id) { targets { url health } } }',
        { id },
      );
      return data.route.targets.find((t) => t.url === sick.url)?.health;
    };
    sick.healthy = false;
    await waitFor('check ejects target', async () => (await health()) === 'UNHEALTHY');
    for (let i = 0; i < 4; i++) {
      assert.equal(echo(await request(port, 'active.example.test', '/')).name, 'good');
    }
    sick.healthy = true;
    await waitFor('check restores target', async () => (await health()) === 'HEALTHY');
    const names = new Set<string>();
    for (let i = 0; i < 4; i++)
      names.add(echo(await request(port, 'active.example.test', '/')).name);
    assert.deepEqual([...names].sort(), ['good', 'sick']);
    await stack.deleteRoute(id);
    await sick.stop();
  });

  test('retries idempotent requests only', async () => {
    const deadUrl = `http://127.0.0.1:${await closedPort()}`;
    const id = await stack.createRoute({
      host: 'retry.example.test',
      retries: 1,
      maxFails: 0,
      targets: [{ url: deadUrl }, { url: good.url }],
    });
    const before = (await events()).retries ?? 0;
    for (let i = 0; i < 4; i++) {
      assert.equal((await request(port, 'retry.example.test', '/')).status, 200, 'GET is retried');
    }
    assert.equal(
      (await events()).retries,
      before + 2,
      'two of four GETs hit the dead target first',
    );

    const posts = [];
    for (let i = 0; i < 4; i++) {
      posts.push(
        (await request(port, 'retry.example.test', '/', { method: 'POST', body: 'x' })).status,
      );
    }
    assert.deepEqual(posts.sort(), [200, 200, 502, 502], 'POST with a body is never retried');

    // Four attempts failed on the dead target: two retried GETs and two POSTs.
    const data = await stack.mutate<{
      route: {
        stats: { failures: number };
        targets: { url: string; stats: { failures: number } }[];
      };
    }>(
      'query($id: String!) { route(id: $id) { stats { failures } targets { url stats { failures } } } }',
      {
        id,
      },
    );
    const dead = data.route.targets.find((target) => target.url === deadUrl);
    assert.equal(dead?.stats.failures, 4);
    assert.equal(data.route.stats.failures, 4, 'the route counts every failed attempt');
    await stack.deleteRoute(id);
  });
});
