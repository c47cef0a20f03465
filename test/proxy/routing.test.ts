import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { normalizePath, parseHost } from '../../subgraphs/proxy/server/request-target';
import { RoutingTable } from '../../subgraphs/proxy/server/routing-table';
import { curl, echo, ProxyTestStack, request, Upstream, waitFor } from './harness';

describe('routing table', () => {
  const routes = [
    { host: 'app.example.test', pathPrefix: '', name: 'exact' },
    { host: 'app.example.test', pathPrefix: '/api', name: 'exact-api' },
    { host: 'app.example.test', pathPrefix: '/api/v2', name: 'exact-api-v2' },
    { host: '*.example.test', pathPrefix: '', name: 'wild' },
    { host: '*.apps.example.test', pathPrefix: '', name: 'wild-apps' },
    { host: 'only.example.test', pathPrefix: '/admin', name: 'only-admin' },
  ];
  const table = new RoutingTable(routes);
  const cases: [string, string, string | undefined][] = [
    ['app.example.test', '/', 'exact'],
    ['app.example.test', '/api', 'exact-api'],
    ['app.example.test', '/api/users?x=1', 'exact-api'],
    ['app.example.test', '/api?x=1', 'exact-api'],
    ['app.example.test', '/apix', 'exact'],
    ['app.example.test', '/api/v2/x', 'exact-api-v2'],
    ['other.example.test', '/', 'wild'],
    ['a.b.example.test', '/', 'wild'],
    ['x.apps.example.test', '/', 'wild-apps'],
    ['only.example.test', '/admin/x', 'only-admin'],
    ['only.example.test', '/public', 'wild'],
    ['example.test', '/', undefined],
    ['example.org', '/', undefined],
  ];
  for (const [host, path, expected] of cases) {
    test(`${host}${path} goes to ${expected ?? 'no route'}`, () => {
      assert.equal(table.match(host, path)?.name, expected);
    });
  }

  test('Host header parsing', () => {
    assert.equal(parseHost('App.Example.TEST:8080'), 'app.example.test');
    assert.equal(parseHost('app.example.test.'), 'app.example.test');
    assert.equal(parseHost('app.example.test:'), 'app.example.test');
    assert.equal(parseHost('[::1]:80'), '[::1]');
    assert.equal(parseHost('127.0.0.1:80'), '127.0.0.1');
    assert.equal(parseHost(undefined), '');
    for (const invalid of [
      'bad host',
      'x..example.test',
      '.example.test',
      'app.example.test:abc',
      'app.example.test:99999',
      'app.example.test:123456',
      '[::1',
      '[not-ipv6]',
      'a:1:2',
      'user@app.example.test',
    ]) {
      assert.equal(parseHost(invalid), null, invalid);
    }
  });

  test('path normalisation', () => {
    const cases: [string, string | null][] = [
      ['/', '/'],
      ['/admin', '/admin'],
      ['/x/../admin', '/admin'],
      ['/./admin', '/admin'],
      ['/%2e%2e/admin', '/admin'],
      ['/%2E%2E/admin', '/admin'],
      ['/x/%2e%2e/admin', '/admin'],
      ['/x/%2e/admin', '/x/admin'],
      ['/../../admin', '/admin'],
      ['/a/b/..', '/a/'],
      ['/a/.', '/a/'],
      ['//admin', '/admin'],
      ['/a//b/', '/a/b/'],
      ['/a/%2e%2e%2fb', null],
      ['/admin%2Fx', null],
      ['/a\\b', null],
      ['/a%5cb', null],
      ['/a%00', null],
      ['/a/..b', '/a/..b'],
      ['/a/.%2e./b', '/a/.../b'],
      ['*', null],
    ];
    for (const [path, expected] of cases) assert.equal(normalizePath(path), expected, path);
  });
});

describe('proxy data plane routing', () => {
  let stack: ProxyTestStack;
  let a: Upstream;
  let b: Upstream;
  let port: number;

  before(async () => {
    // 127.0.0.2 is a trusted proxy; the tests connect from 127.0.0.1 unless they say otherwise.
    stack = await ProxyTestStack.start({ PAAS_PROXY_TRUSTED_PROXIES: '127.0.0.2/32' });
    a = await Upstream.start('a');
    b = await Upstream.start('b');
    port = stack.proxyPort;
  });
  after(async () => {
    await stack.stop();
    await a.stop();
    await b.stop();
  });

  test('matches hosts and prefixes through curl', async () => {
    const ids = [
      await stack.createRoute({ host: 'shop.example.test', targets: [{ url: a.url }] }),
      await stack.createRoute({
        host: 'shop.example.test',
        pathPrefix: '/api',
        stripPrefix: true,
        targets: [{ url: b.url }],
      }),
      await stack.createRoute({ host: '*.shop.example.test', targets: [{ url: b.url }] }),
    ];
    const via = async (host: string, path: string) => {
      const result = await curl(['-H', `Host: ${host}`, `http://127.0.0.1:${port}${path}`]);
      return {
        status: result.status,
        echo: result.status === 200 ? JSON.parse(result.body) : null,
      };
    };
    const root = await via('shop.example.test', '/page?q=1');
    assert.equal(root.echo.name, 'a');
    assert.equal(root.echo.url, '/page?q=1');
    const api = await via('shop.example.test', '/api/items?q=1');
    assert.equal(api.echo.name, 'b');
    assert.equal(api.echo.url, '/items?q=1', 'prefix stripped, query kept');
    const apiRoot = await via('shop.example.test', '/api');
    assert.equal(apiRoot.echo.url, '/');
    const sub = await via('eu.shop.example.test', '/x');
    assert.equal(sub.echo.name, 'b');
    assert.equal(sub.echo.headers.host, 'eu.shop.example.test', 'Host preserved by default');

    const missing = await curl(['-H', 'Host: nothing.example.org', `http://127.0.0.1:${port}/`]);
    assert.equal(missing.status, 404);
    assert.doesNotMatch(missing.body, /127\.0\.0\.1|shop|route|target|node|proxy/i);
    for (const id of ids) await stack.deleteRoute(id);
  });

  test('header rules, forwarded and hop-by-hop headers', async () => {
    const id = await stack.createRoute({
      host: 'headers.example.test',
      preserveHost: false,
      targets: [{ url: a.url }],
      requestHeaders: { set: [{ name: 'X-Env', value: 'test' }], remove: ['x-remove-me'] },
      responseHeaders: {
        set: [{ name: 'Strict-Transport-Security', value: 'max-age=60' }],
        remove: ['x-upstream'],
      },
    });
    const response = await request(port, 'headers.example.test', '/', {
      headers: {
        'x-remove-me': '1',
        'x-forwarded-for': '198.51.100.7',
        forwarded: 'for=198.51.100.7',
        'x-forwarded-proto': 'https',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': 'dropped',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        te: 'trailers',
      },
    });
    const seen = echo(response).headers;
    assert.equal(seen['x-env'], 'test');
    assert.equal(seen['x-remove-me'], undefined);
    assert.equal(
      seen.host,
      a.url.slice('http://'.length),
      'preserveHost false sends the target host',
    );
    assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'untrusted peer: client value replaced');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-host'], 'headers.example.test');
    assert.equal(seen.forwarded, 'for=127.0.0.1;host=headers.example.test;proto=http');
    assert.equal(seen['x-secret-hop'], undefined, 'headers named by Connection are removed');
    assert.equal(seen['proxy-authorization'], undefined);
    assert.equal(seen.te, undefined);
    assert.equal(response.headers['strict-transport-security'], 'max-age=60');
    assert.equal(response.headers['x-upstream'], undefined);

    const trusted = await request(port, 'headers.example.test', '/', {
      localAddress: '127.0.0.2',
      headers: {
        'x-forwarded-for': '198.51.100.7',
        forwarded: 'for=198.51.100.7',
        'x-forwarded-proto': 'https',
      },
    });
    const kept = echo(trusted).headers;
    assert.equal(kept['x-forwarded-for'], '198.51.100.7, 127.0.0.2');
    assert.equal(kept['x-forwarded-proto'], 'https');
    assert.equal(
      kept.forwarded,
      'for=198.51.100.7, for=127.0.0.2;host=headers.example.test;proto=http',
    );
    await stack.deleteRoute(id);
  });

  test('basic auth', async () => {
    const id = await stack.createRoute({
      host: 'auth.example.test',
      targets: [{ url: a.url }],
      basicAuth: { realm: 'ops', users: [{ username: 'alice', password: 'correct horse' }] },
    });
    const url = `http://127.0.0.1:${port}/`;
    const none = await curl(['-H', 'Host: auth.example.test', '-D', '-', url]);
    assert.equal(none.status, 401);
    assert.match(none.body, /www-authenticate: Basic realm="ops"/i);
    const wrong = await curl(['-H', 'Host: auth.example.test', '-u', 'alice:wrong', url]);
    assert.equal(wrong.status, 401);
    const unknown = await curl([
      '-H',
      'Host: auth.example.test',
      '-u',
      'mallory:correct horse',
      url,
    ]);
    assert.equal(unknown.status, 401);
    for (let i = 0; i < 2; i++) {
      const good = await curl(['-H', 'Host: auth.example.test', '-u', 'alice:correct horse', url]);
      assert.equal(good.status, 200);
      assert.equal(
        JSON.parse(good.body).headers.authorization,
        undefined,
        'credentials stay at the proxy',
      );
    }
    await stack.deleteRoute(id);
  });

  test('route changes apply live', async () => {
    const id = await stack.createRoute({ host: 'live.example.test', targets: [{ url: a.url }] });
    await waitFor(
      'route created',
      async () => (await request(port, 'live.example.test', '/')).status === 200,
    );
    await stack.updateRoute({ id, targets: [{ url: b.url }] });
    await waitFor(
      'target changed',
      async () => echo(await request(port, 'live.example.test', '/')).name === 'b',
    );
    await stack.deleteRoute(id);
    await waitFor(
      'route deleted',
      async () => (await request(port, 'live.example.test', '/')).status === 404,
    );
  });
});
