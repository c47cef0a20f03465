import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { ProxyTestStack, request, Upstream, waitFor } from './harness';

const ROUTE_FIELDS = `id host pathPrefix stripPrefix preserveHost strategy retries maxFails
  targets { url weight enabled health }
  basicAuth { realm usernames }
  healthCheck { path intervalMs expectedStatus }`;

describe('proxy routes over GraphQL', () => {
  let stack: ProxyTestStack;
  let upstream: Upstream;

  before(async () => {
    stack = await ProxyTestStack.start();
    upstream = await Upstream.start('a');
  });
  after(async () => {
    await stack.stop();
    await upstream.stop();
  });

  test('create, read, update and delete', async () => {
    const created = await stack.mutate<{ createRoute: Record<string, unknown> }>(
      `mutation($input: CreateRouteInput!) { createRoute(input: $input) { ${ROUTE_FIELDS} } }`,
      {
        input: {
          host: 'CRUD.Example.test.',
          pathPrefix: '/api/',
          targets: [{ url: upstream.url, weight: 3 }],
          basicAuth: { users: [{ username: 'alice', password: 'secret-1' }] },
        },
      },
    );
    const route = created.createRoute;
    assert.equal(route.host, 'crud.example.test');
    assert.equal(route.pathPrefix, '/api');
    assert.equal(route.strategy, 'ROUND_ROBIN');
    assert.deepEqual(route.targets, [
      { url: upstream.url, weight: 3, enabled: true, health: 'HEALTHY' },
    ]);
    assert.deepEqual(route.basicAuth, { realm: 'proxy', usernames: ['alice'] });

    const read = await stack.mutate<{ route: { host: string } }>(
      'query($id: String!) { route(id: $id) { host } }',
      { id: route.id as string },
    );
    assert.equal(read.route.host, 'crud.example.test');

    await stack.updateRoute({
      id: route.id as string,
      strategy: 'RANDOM',
      basicAuth: null,
      retries: 2,
    });
    const updated = await stack.mutate<{ route: Record<string, unknown> }>(
      `query($id: String!) { route(id: $id) { ${ROUTE_FIELDS} } }`,
      { id: route.id as string },
    );
    assert.equal(updated.route.strategy, 'RANDOM');
    assert.equal(updated.route.basicAuth, null);
    assert.equal(updated.route.retries, 2);
    assert.equal(updated.route.pathPrefix, '/api', 'fields left out keep their value');

    const list = await stack.mutate<{ routes: { totalCount: number } }>(
      '{ routes { totalCount nodes { id } } }',
    );
    assert.equal(list.routes.totalCount, 1);

    await stack.deleteRoute(route.id as string);
    const gone = await stack.mutate<{ route: null }>(
      'query($id: String!) { route(id: $id) { id } }',
      {
        id: route.id as string,
      },
    );
    assert.equal(gone.route, null);
  });

  test('routes are paged with cursors', async () => {
    const ids = [];
    for (const host of ['p1.example.test', 'p2.example.test', 'p3.example.test']) {
      ids.push(await stack.createRoute({ host, targets: [{ url: upstream.url }] }));
    }
    const first = await stack.mutate<{
      routes: { nodes: { host: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    }>('{ routes(first: 2) { nodes { host } pageInfo { hasNextPage endCursor } } }');
    assert.deepEqual(
      first.routes.nodes.map((n) => n.host),
      ['p1.example.test', 'p2.example.test'],
    );
    assert.equal(first.routes.pageInfo.hasNextPage, true);
    const second = await stack.mutate<{ routes: { nodes: { host: string }[] } }>(
      'query($after: String) { routes(first: 2, after: $after) { nodes { host } } }',
      { after: first.routes.pageInfo.endCursor },
    );
    assert.deepEqual(
      second.routes.nodes.map((n) => n.host),
      ['p3.example.test'],
    );
    for (const id of ids) await stack.deleteRoute(id);
  });

  const invalid: { case: string; input: Record<string, unknown>; field: string }[] = [
    { case: 'host with a space', input: { host: 'bad host.test' }, field: 'input.host' },
    { case: 'wildcard in the middle', input: { host: 'a.*.example.test' }, field: 'input.host' },
    { case: 'bare wildcard', input: { host: '*' }, field: 'input.host' },
    { case: 'path prefix without /', input: { pathPrefix: 'api' }, field: 'input.pathPrefix' },
    { case: 'path prefix with query', input: { pathPrefix: '/a?b' }, field: 'input.pathPrefix' },
    {
      case: 'ftp target',
      input: { targets: [{ url: 'ftp://127.0.0.1:21' }] },
      field: 'input.targets[0].url',
    },
    {
      case: 'target port 0',
      input: { targets: [{ url: 'http://127.0.0.1:0' }] },
      field: 'input.targets[0].url',
    },
    {
      case: 'target port too big',
      input: { targets: [{ url: 'http://127.0.0.1:70000' }] },
      field: 'input.targets[0].url',
    },
    {
      case: 'target without host',
      input: { targets: [{ url: 'http://' }] },
      field: 'input.targets[0].url',
    },
    {
      case: 'target with credentials',
      input: { targets: [{ url: 'http://u:p@127.0.0.1:8080' }] },
      field: 'input.targets[0].url',
    },
    { case: 'no targets', input: { targets: [] }, field: 'input.targets' },
    {
      case: 'weight 0',
      input: { targets: [{ url: 'http://127.0.0.1:8080', weight: 0 }] },
      field: 'input.targets[0].weight',
    },
    {
      case: 'duplicate target',
      input: { targets: [{ url: 'http://127.0.0.1:8080' }, { url: 'http://127.0.0.1:8080/' }] },
      field: 'input.targets[1].url',
    },
    {
      case: 'header with CRLF',
      input: { requestHeaders: { set: [{ name: 'x-a', value: 'a\r\nb: c' }] } },
      field: 'input.requestHeaders.set[0].value',
    },
    {
      case: 'hop-by-hop header rule',
      input: { responseHeaders: { remove: ['Connection'] } },
      field: 'input.responseHeaders.remove[0]',
    },
    {
      case: 'invalid header name',
      input: { requestHeaders: { set: [{ name: 'a b', value: 'x' }] } },
      field: 'input.requestHeaders.set[0].name',
    },
    { case: 'retries above 10', input: { retries: 11 }, field: 'input.retries' },
    { case: 'negative timeout', input: { connectTimeoutMs: -1 }, field: 'input.connectTimeoutMs' },
    {
      case: 'health check status 99',
      input: { healthCheck: { expectedStatus: 99 } },
      field: 'input.healthCheck.expectedStatus',
    },
    {
      case: 'health check timeout over interval',
      input: { healthCheck: { intervalMs: 1000, timeoutMs: 2000 } },
      field: 'input.healthCheck.timeoutMs',
    },
    {
      case: 'username with colon',
      input: { basicAuth: { users: [{ username: 'a:b', password: 'x' }] } },
      field: 'input.basicAuth.users[0].username',
    },
    {
      case: 'empty password',
      input: { basicAuth: { users: [{ username: 'a', password: '' }] } },
      field: 'input.basicAuth.users[0].password',
    },
    { case: 'strip without prefix', input: { stripPrefix: true }, field: 'input.stripPrefix' },
    {
      case: '51 basic-auth users',
      input: {
        basicAuth: {
          users: Array.from({ length: 51 }, (_, i) => ({ username: `u${i}`, password: 'x' })),
        },
      },
      field: 'input.basicAuth.users',
    },
    {
      case: '51 headers to set',
      input: {
        requestHeaders: {
          set: Array.from({ length: 51 }, (_, i) => ({ name: `x-h${i}`, value: 'v' })),
        },
      },
      field: 'input.requestHeaders.set',
    },
    {
      case: '5000 headers to set',
      input: {
        requestHeaders: {
          set: Array.from({ length: 5000 }, (_, i) => ({ name: `x-h${i}`, value: 'v' })),
        },
      },
      field: 'input.requestHeaders.set',
    },
    {
      case: '51 headers to remove',
      input: { responseHeaders: { remove: Array.from({ length: 51 }, (_, i) => `x-h${i}`) } },
      field: 'input.responseHeaders.remove',
    },
    {
      case: 'header rules over 8192 bytes',
      input: {
        requestHeaders: {
          set: [
            { name: 'x-a', value: 'a'.repeat(5000) },
            { name: 'x-b', value: 'b'.repeat(5000) },
          ],
        },
      },
      field: 'input.requestHeaders.set',
    },
    {
      case: 'header set twice in other case',
      input: {
        requestHeaders: {
          set: [
            { name: 'X-Env', value: 'a' },
            { name: 'x-env', value: 'b' },
          ],
        },
      },
      field: 'input.requestHeaders.set[1].name',
    },
    {
      case: 'header removed twice in other case',
      input: { responseHeaders: { remove: ['X-Powered-By', 'x-powered-by'] } },
      field: 'input.responseHeaders.remove[1]',
    },
    {
      case: 'target URL with CRLF',
      input: { targets: [{ url: 'http://127.0.0.1:8080/a\r\nb' }] },
      field: 'input.targets[0].url',
    },
    {
      case: 'target URL with NUL',
      input: { targets: [{ url: 'http://127.0.0.1:8080/a\u0000' }] },
      field: 'input.targets[0].url',
    },
    {
      case: 'target URL with a space',
      input: { targets: [{ url: 'http://127.0.0.1:8080/a b' }] },
      field: 'input.targets[0].url',
    },
    {
      case: 'target URL over 2048 characters',
      input: { targets: [{ url: `http://127.0.0.1:8080/${'a'.repeat(2048)}` }] },
      field: 'input.targets[0].url',
    },
    { case: 'prefix with ..', input: { pathPrefix: '/a/../b' }, field: 'input.pathPrefix' },
    { case: 'prefix with .', input: { pathPrefix: '/a/./b' }, field: 'input.pathPrefix' },
    { case: 'prefix with %2e%2e', input: { pathPrefix: '/%2e%2e' }, field: 'input.pathPrefix' },
    { case: 'prefix //', input: { pathPrefix: '//' }, field: 'input.pathPrefix' },
    { case: 'prefix with %2f', input: { pathPrefix: '/a%2fb' }, field: 'input.pathPrefix' },
    { case: 'prefix with backslash', input: { pathPrefix: '/a\\b' }, field: 'input.pathPrefix' },
  ];

  for (const { case: name, input, field } of invalid) {
    test(`rejects ${name}`, async () => {
      const response = await stack.graphql(
        'mutation($input: CreateRouteInput!) { createRoute(input: $input) { id } }',
        { input: { host: 'invalid.example.test', targets: [{ url: upstream.url }], ...input } },
      );
      assert.equal(
        response.errors?.[0]?.extensions?.code,
        'BAD_USER_INPUT',
        JSON.stringify(response.errors),
      );
      assert.equal(response.errors?.[0]?.extensions?.field, field);
      const stored = await stack.mutate<{ routes: { totalCount: number } }>(
        '{ routes(host: "invalid.example.test") { totalCount } }',
      );
      assert.equal(stored.routes.totalCount, 0, 'an invalid mutation stores nothing');
    });
  }

  test('valid edge inputs are accepted', async () => {
    const data = await stack.mutate<{
      createRoute: { id: string; pathPrefix: string; targets: { url: string }[] };
    }>(
      'mutation($input: CreateRouteInput!) { createRoute(input: $input) { id pathPrefix targets { url } } }',
      {
        input: {
          host: 'edge.example.test',
          pathPrefix: '/a/..b/.well-known/',
          targets: [
            { url: 'http://127.0.0.1' },
            { url: `http://127.0.0.1:8080/${'a'.repeat(2000)}` },
          ],
          requestHeaders: {
            set: Array.from({ length: 50 }, (_, i) => ({ name: `x-h${i}`, value: 'v' })),
            remove: ['x-powered-by'],
          },
          responseHeaders: {
            set: [{ name: 'x-powered-by', value: 'paas' }],
            remove: ['x-powered-by'],
          },
        },
      },
    );
    assert.equal(data.createRoute.pathPrefix, '/a/..b/.well-known');
    assert.equal(data.createRoute.targets[0].url, 'http://127.0.0.1', 'port 80 by default');
    await stack.deleteRoute(data.createRoute.id);
  });

  test('50 users hash without stalling requests', async () => {
    const proxied = await stack.createRoute({
      host: 'busy.example.test',
      targets: [{ url: upstream.url }],
    });
    await waitFor(
      'route applied',
      async () => (await request(stack.proxyPort, 'busy.example.test', '/')).status === 200,
    );
    // The stack runs in this process, so the event-loop delay here is the data plane's.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let createdAt = 0;
    const creation = stack
      .mutate<{ createRoute: { id: string; basicAuth: { usernames: string[] } } }>(
        'mutation($input: CreateRouteInput!) { createRoute(input: $input) { id basicAuth { usernames } } }',
        {
          input: {
            host: 'many-users.example.test',
            targets: [{ url: upstream.url }],
            basicAuth: {
              users: Array.from({ length: 50 }, (_, i) => ({
                username: `u${i}`,
                password: `p${i}`,
              })),
            },
          },
        },
      )
      .then((data) => {
        createdAt = performance.now();
        return data;
      });
    // Wait until hashing has begun, then proxy a request while it runs.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const response = await request(stack.proxyPort, 'busy.example.test', '/');
    const answeredAt = performance.now();
    const created = await creation;
    delay.disable();

    assert.equal(response.status, 200);
    assert.equal(createdAt > 0, true);
    assert.ok(answeredAt < createdAt, 'the request was answered before the creation finished');
    // Loose bound: one bcrypt slice is at most 100 ms by bcryptjs's design; 1 s leaves room for
    // slow CI machines, while the unbounded version stalled for seconds.
    assert.ok(delay.max / 1e6 < 1000, `event loop stalled for ${delay.max / 1e6} ms`);
    assert.equal(created.createRoute.basicAuth.usernames.length, 50);
    const stored = await stack.mutate<{ routes: { totalCount: number } }>(
      '{ routes(host: "many-users.example.test") { totalCount } }',
    );
    assert.equal(stored.routes.totalCount, 1, 'a returned route is stored');
    await stack.deleteRoute(created.createRoute.id);
    await stack.deleteRoute(proxied);
  });

  test('same host and prefix conflicts', async () => {
    const id = await stack.createRoute({
      host: 'dup.example.test',
      pathPrefix: '/x',
      targets: [{ url: upstream.url }],
    });
    const response = await stack.graphql(
      'mutation($input: CreateRouteInput!) { createRoute(input: $input) { id } }',
      { input: { host: 'DUP.example.test', pathPrefix: '/x/', targets: [{ url: upstream.url }] } },
    );
    assert.equal(response.errors?.[0]?.extensions?.code, 'CONFLICT');
    assert.equal(response.errors?.[0]?.extensions?.field, 'input.host');
    const other = await stack.createRoute({
      host: 'dup.example.test',
      pathPrefix: '/y',
      targets: [{ url: upstream.url }],
    });
    const moved = await stack.graphql(
      'mutation($input: UpdateRouteInput!) { updateRoute(input: $input) { id } }',
      { input: { id: other, pathPrefix: '/x' } },
    );
    assert.equal(moved.errors?.[0]?.extensions?.code, 'CONFLICT');
    await stack.deleteRoute(id);
    await stack.deleteRoute(other);
  });

  test('unknown route id is NOT_FOUND', async () => {
    const response = await stack.graphql(
      'mutation { deleteRoute(input: { id: "0123456789abcdef01234567" }) { id } }',
    );
    assert.equal(response.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test('passwords are never returned', async () => {
    const id = await stack.createRoute({
      host: 'secret.example.test',
      targets: [{ url: upstream.url }],
      basicAuth: { realm: 'ops', users: [{ username: 'bob', password: 'hunter2-secret' }] },
    });
    const introspection = await stack.mutate<{ __type: { fields: { name: string }[] } }>(
      '{ __type(name: "BasicAuth") { fields { name } } }',
    );
    assert.deepEqual(introspection.__type.fields.map((f) => f.name).sort(), ['realm', 'usernames']);
    const read = await stack.graphql(
      'query($id: String!) { route(id: $id) { basicAuth { realm usernames } } }',
      { id },
    );
    assert.doesNotMatch(JSON.stringify(read), /hunter2|\$2[aby]\$/);
    await stack.deleteRoute(id);
  });

  test('Host.routes joins exact and wildcard routes', async () => {
    const exact = await stack.createRoute({
      host: 'app.join.example.test',
      targets: [{ url: upstream.url }],
    });
    const wildcard = await stack.createRoute({
      host: '*.join.example.test',
      targets: [{ url: upstream.url }],
    });
    const other = await stack.createRoute({
      host: 'other.example.test',
      targets: [{ url: upstream.url }],
    });
    await waitFor(
      'routes applied',
      async () => (await request(stack.proxyPort, 'app.join.example.test', '/')).status === 200,
    );

    const data = await stack.mutate<{
      host: {
        name: string;
        routes: { host: string; targets: { url: string; health: string }[] }[];
      };
    }>('{ host(name: "App.Join.example.test") { name routes { host targets { url health } } } }');
    assert.equal(data.host.name, 'app.join.example.test');
    assert.deepEqual(data.host.routes.map((r) => r.host).sort(), [
      '*.join.example.test',
      'app.join.example.test',
    ]);
    assert.equal(data.host.routes[0].targets[0].health, 'HEALTHY');
    for (const id of [exact, wildcard, other]) await stack.deleteRoute(id);
  });
});
