import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { curl, ProxyTestStack, Upstream } from './harness';

/** Writes one raw request to the proxy and returns everything it sends back until it closes. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
    socket.write(text);
  });
}

/** Parses the JSON echo in a raw HTTP response, or returns null when the body has none. */
function rawEcho(answer: string): { name: string; url: string; headers: Record<string, string> } {
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  return JSON.parse(body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1));
}

describe('proxy request-target and Host checks', () => {
  let stack: ProxyTestStack;
  let open: Upstream;
  let admin: Upstream;
  let port: number;

  before(async () => {
    stack = await ProxyTestStack.start();
    open = await Upstream.start('open');
    admin = await Upstream.start('admin');
    port = stack.proxyPort;
    await stack.createRoute({ host: 'auth.example.test', targets: [{ url: open.url }] });
    await stack.createRoute({
      host: 'auth.example.test',
      pathPrefix: '/admin',
      targets: [{ url: admin.url }],
      basicAuth: { users: [{ username: 'alice', password: 'correct horse' }] },
    });
    await stack.createRoute({
      host: 'strip.example.test',
      pathPrefix: '/api',
      stripPrefix: true,
      targets: [{ url: admin.url }],
    });
    await stack.createRoute({ host: '*.example.test', targets: [{ url: open.url }] });
    await stack.createRoute({ host: 'sm.example.test', targets: [{ url: admin.url }] });
    await stack.createRoute({ host: 'hdr.example.test', targets: [{ url: open.url }] });
  });
  after(async () => {
    await stack.stop();
    await open.stop();
    await admin.stop();
  });

  async function events(): Promise<Record<string, number>> {
    const data = await stack.mutate<{ proxyStats: { events: { name: string; count: number }[] } }>(
      '{ proxyStats { events { name count } } }',
    );
    return Object.fromEntries(data.proxyStats.events.map((e) => [e.name, e.count]));
  }

  const get = (host: string, path: string, extra: string[] = []) =>
    curl(['--path-as-is', '-H', `Host: ${host}`, ...extra, `http://127.0.0.1:${port}${path}`]);

  for (const path of ['/x/../admin', '/./admin', '/%2e%2e/admin', '/x/%2e%2e/admin', '//admin']) {
    test(`dot segments cannot skip basic auth: ${path}`, async () => {
      const before = admin.requests;
      const anonymous = await get('auth.example.test', path);
      assert.equal(anonymous.status, 401);
      assert.equal(admin.requests, before, 'the protected target saw no request');
      const signedIn = await get('auth.example.test', path, ['-u', 'alice:correct horse']);
      assert.equal(signedIn.status, 200);
      assert.equal(JSON.parse(signedIn.body).url, '/admin', 'the matched path is forwarded');
    });
  }

  test('normalised path is forwarded', async () => {
    const response = await get('auth.example.test', '/a/./b/../c/%2E%2e/d?q=/../x');
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body).url, '/a/d?q=/../x', 'the query is left as sent');
  });

  test('prefix is stripped after normalisation', async () => {
    const cases: [string, string][] = [
      ['/x/../api/items', '/items'],
      ['/api/./items/../list', '/list'],
      ['/api/%2e%2e/api', '/'],
      ['/api/..', '/'],
    ];
    for (const [path, forwarded] of cases) {
      const response = await get('strip.example.test', path);
      assert.equal(response.status, 200, path);
      assert.equal(JSON.parse(response.body).url, forwarded, path);
    }
    const outside = await get('strip.example.test', '/api/../other');
    assert.equal(outside.status, 200);
    const seen = JSON.parse(outside.body);
    assert.equal(seen.name, 'open', 'leaving the prefix leaves the route for *.example.test');
    assert.equal(seen.url, '/other');
  });

  test('encoded slashes and backslashes get 400', async () => {
    const before = (await events()).malformed ?? 0;
    for (const path of ['/admin%2fx', '/x%2F..%2Fadmin', '/x/..%5cadmin', '/x%00']) {
      const response = await get('auth.example.test', path);
      assert.equal(response.status, 400, path);
    }
    const backslash = await raw(
      port,
      'GET /x/..\\admin HTTP/1.1\r\nHost: auth.example.test\r\nConnection: close\r\n\r\n',
    );
    assert.match(backslash, /^HTTP\/1\.1 400 /);
    assert.equal((await events()).malformed, before + 5);
  });

  test('invalid Host gets 400', async () => {
    const before = (await events()).malformed ?? 0;
    const invalid = [
      'x..example.test',
      '.example.test',
      'app.example.test:abc',
      'app.example.test:99999',
    ];
    for (const host of invalid) {
      const response = await get(host, '/');
      assert.equal(response.status, 400, host);
    }
    assert.equal((await events()).malformed, before + invalid.length);
    const valid = await get('app.example.test:8080', '/');
    assert.equal(valid.status, 200);
  });

  test('Connection cannot remove Host', async () => {
    const response = await get('hdr.example.test', '/', [
      '-H',
      'Connection: host, content-length, x-forwarded-host, forwarded',
    ]);
    assert.equal(response.status, 200);
    const seen = JSON.parse(response.body).headers;
    assert.equal(seen.host, 'hdr.example.test');
    assert.equal(seen['x-forwarded-host'], 'hdr.example.test');
    assert.equal(seen.forwarded, 'for=127.0.0.1;host=hdr.example.test;proto=http');
  });

  test('absolute-form target replaces Host', async () => {
    const answer = await raw(
      port,
      'GET http://sm.example.test/abs?q=1 HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 200 /);
    const seen = rawEcho(answer);
    assert.equal(seen.name, 'admin', 'routed by the authority of the request-target');
    assert.equal(seen.url, '/abs?q=1');
    assert.equal(seen.headers.host, 'sm.example.test');

    const withDots = await raw(
      port,
      'GET http://auth.example.test/x/../admin HTTP/1.1\r\nHost: auth.example.test\r\nConnection: close\r\n\r\n',
    );
    assert.match(withDots, /^HTTP\/1\.1 401 /);
    const withCredentials = await raw(
      port,
      'GET http://u:p@sm.example.test/ HTTP/1.1\r\nHost: sm.example.test\r\nConnection: close\r\n\r\n',
    );
    assert.match(withCredentials, /^HTTP\/1\.1 400 /);
  });

  test('transfer coding other than chunked gets 501', async () => {
    const before = open.requests;
    const answer = await raw(
      port,
      'POST / HTTP/1.1\r\nHost: hdr.example.test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 501 /);
    assert.equal(open.requests, before, 'the target saw no request');
    assert.equal((await events()).unsupportedTransferCoding, 1);
  });

  test('CONNECT gets 501 and is counted', async () => {
    const answer = await raw(
      port,
      'CONNECT hdr.example.test:443 HTTP/1.1\r\nHost: hdr.example.test:443\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 501 /);
    assert.equal((await events()).connectRejected, 1);
  });
});
