import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { echo, ProxyTestStack, request, Upstream, waitFor } from './harness';

/** Sends `count` sequential requests and counts the answers per upstream name. */
async function distribution(port: number, host: string, count: number, localAddress?: string) {
  const counts: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const name = echo(await request(port, host, '/', { localAddress })).name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe('proxy load balancing', () => {
  let stack: ProxyTestStack;
  const upstreams: Upstream[] = [];
  let port: number;

  before(async () => {
    stack = await ProxyTestStack.start();
    for (const name of ['a', 'b', 'c']) upstreams.push(await Upstream.start(name));
    port = stack.proxyPort;
  });
  after(async () => {
    await stack.stop();
    for (const upstream of upstreams) await upstream.stop();
  });

  async function route(
    strategy: string,
    weights = [1, 1, 1],
  ): Promise<{ id: string; host: string }> {
    const host = `${strategy.toLowerCase().replace('_', '-')}.example.test`;
    const id = await stack.createRoute({
      host,
      strategy,
      targets: upstreams.map((u, i) => ({ url: u.url, weight: weights[i] })),
    });
    await waitFor('route applied', async () => (await request(port, host, '/')).status === 200);
    return { id, host };
  }

  test('round robin spreads evenly', async () => {
    const { id, host } = await route('ROUND_ROBIN');
    assert.deepEqual(await distribution(port, host, 30), { a: 10, b: 10, c: 10 });
    await stack.deleteRoute(id);
  });

  test('weighted follows the weights', async () => {
    const { id, host } = await route('WEIGHTED', [5, 3, 2]);
    assert.deepEqual(await distribution(port, host, 100), { a: 50, b: 30, c: 20 });
    await stack.deleteRoute(id);
  });

  test('random reaches every target', async () => {
    const { id, host } = await route('RANDOM');
    const counts = await distribution(port, host, 150);
    for (const name of ['a', 'b', 'c']) {
      // Expected 50 each; below 20 has a probability far under one in a million.
      assert.ok((counts[name] ?? 0) >= 20, `${name} got ${counts[name]} of 150`);
    }
    await stack.deleteRoute(id);
  });

  test('IP hash keeps a client on one target', async () => {
    const { id, host } = await route('IP_HASH');
    const seen = new Set<string>();
    for (const address of [
      '127.0.0.1',
      '127.0.0.2',
      '127.0.0.3',
      '127.0.0.4',
      '127.0.0.5',
      '127.0.0.6',
    ]) {
      const counts = await distribution(port, host, 5, address);
      assert.equal(Object.keys(counts).length, 1, `${address} went to ${JSON.stringify(counts)}`);
      seen.add(Object.keys(counts)[0]);
    }
    assert.ok(seen.size >= 2, 'six clients spread over more than one target');
    await stack.deleteRoute(id);
  });

  test('least connections avoids a busy target', async () => {
    const { id, host } = await route('LEAST_CONNECTIONS');
    // Three slow requests hold one connection each; the fourth goes to whichever is free first.
    const slow = [0, 1, 2].map(() => request(port, host, '/slow/400'));
    await waitFor('three requests in flight', () => upstreams.every((u) => u.openConnections >= 1));
    const busy = await Promise.all(slow);
    assert.deepEqual(busy.map((r) => echo(r).name).sort(), ['a', 'b', 'c']);

    const held = request(port, host, '/slow/400');
    await waitFor('one request in flight', () => upstreams.some((u) => u.requests > 0));
    const quick = await distribution(port, host, 4);
    const holder = echo(await held).name;
    assert.equal(quick[holder], undefined, `busy ${holder} got ${JSON.stringify(quick)}`);
    await stack.deleteRoute(id);
  });
});
