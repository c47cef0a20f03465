import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { TestStack, type GraphqlError } from '../helpers/stack';

const execFileAsync = promisify(execFile);

/** The compiled CLI, next to this test under dist/. */
const CLI = path.resolve(__dirname, '..', '..', 'bin', 'paas-shack.js');
const BODY_LIMIT = 4096;
const ZONES = '{ zones { totalCount } }';

interface Health {
  status: string;
  subgraphs: { name: string; ready: boolean; error?: string }[];
}

/** Returns a loopback port that nothing listens on: one the OS handed out and was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

async function postRaw(url: string, init: RequestInit): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...init,
  });
  return { status: response.status, text: await response.text() };
}

describe('gateway over a running dns service', () => {
  let stack: TestStack;

  before(async () => {
    stack = await TestStack.start({ env: { PAAS_GRAPHQL_BODY_LIMIT: String(BODY_LIMIT) } });
  });

  after(async () => {
    await stack.stop();
  });

  test('host query joins dns records', async () => {
    await stack.mutate(`mutation { createZone(input: { name: "hosts.example.test" }) { name } }`);
    for (const [type, address] of [
      ['A', '192.0.2.1'],
      ['AAAA', '2001:db8::1'],
    ]) {
      await stack.mutate(
        `mutation ($input: CreateRecordInput!) { createRecord(input: $input) { id } }`,
        { input: { zone: 'hosts.example.test', name: 'www', type, address } },
      );
    }

    const response = await stack.graphql<{
      host: { name: string; records: { type: string; content: string }[] };
    }>(`query ($name: String!) { host(name: $name) { name records { type content } } }`, {
      name: 'WWW.hosts.example.test.',
    });
    assert.equal(response.errors, undefined);
    assert.equal(response.data?.host.name, 'www.hosts.example.test');
    const records = [...(response.data?.host.records ?? [])].sort((a, b) =>
      a.type.localeCompare(b.type),
    );
    assert.deepEqual(records, [
      { type: 'A', content: '192.0.2.1' },
      { type: 'AAAA', content: '2001:db8::1' },
    ]);
  });

  test('host without records is empty', async () => {
    const response = await stack.graphql<{ host: { name: string; records: unknown[] } }>(
      `{ host(name: "nothing.example.test") { name records { type } } }`,
    );
    assert.deepEqual(response.data?.host, { name: 'nothing.example.test', records: [] });
  });

  test('host invalid name rejected', async () => {
    const response = await stack.graphql(`{ host(name: "bad name.example.test") { name } }`);
    assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(response.errors?.[0]?.extensions?.field, 'name');
  });

  test('health live and ready', async () => {
    const live = await getJson<{ status: string }>(`${stack.baseUrl}/health/live`);
    assert.equal(live.status, 200);
    assert.equal(live.body.status, 'ok');

    const ready = await getJson<Health>(`${stack.baseUrl}/health/ready`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
    const dns = ready.body.subgraphs.find((s) => s.name === 'dns');
    assert.equal(dns?.ready, true);
  });

  const hostKeys: { input: string; name: string }[] = [
    { input: 'WWW.Example.Test.', name: 'www.example.test' },
    { input: 'my_host', name: 'my_host' },
    { input: '_sip._tcp.example.test', name: '_sip._tcp.example.test' },
    { input: 'FE80::1', name: 'fe80::1' },
    { input: '192.0.2.7', name: '192.0.2.7' },
  ];
  for (const { input, name } of hostKeys) {
    test(`host key ${input} accepted`, async () => {
      const response = await stack.graphql('query ($n: String!) { host(name: $n) { name } }', {
        n: input,
      });
      assert.equal(response.errors, undefined);
      assert.deepEqual(response.data, { host: { name } });
    });
  }

  test('host key with space rejected', async () => {
    const response = await stack.graphql('{ host(name: "bad name") { name } }');
    assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(response.errors?.[0]?.extensions?.field, 'name');
  });

  test('body over limit gets 413', async () => {
    const query = JSON.stringify({ query: ZONES, padding: 'x'.repeat(BODY_LIMIT) });
    const sized = await postRaw(stack.gatewayUrl, { body: query });
    assert.equal(sized.status, 413);
    assert.match(sized.text, /exceeds the limit of 4096 bytes/);
    assert.equal(JSON.parse(sized.text).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');

    // Without Content-Length the limit is enforced while reading the chunked body.
    const chunks = [query.slice(0, 2000), query.slice(2000)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(chunk));
      },
    });
    const chunked = await postRaw(stack.gatewayUrl, {
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);

    const after = await stack.graphql(ZONES);
    assert.equal(after.status, 200);
    assert.equal(after.errors, undefined);
  });

  test('malformed JSON gets 400', async () => {
    const response = await postRaw(stack.gatewayUrl, { body: '{"query": "{ zones' });
    assert.equal(response.status, 400);
    assert.match(response.text, /not valid JSON/);

    const after = await stack.graphql(ZONES);
    assert.equal(after.status, 200);
    assert.equal(after.errors, undefined);
  });
});

describe('gateway with dns down', () => {
  let stack: TestStack;

  before(async () => {
    const port = await closedPort();
    stack = await TestStack.start({
      only: ['gateway'],
      env: { PAAS_GATEWAY_SUBGRAPHS: `dns=http://127.0.0.1:${port}/graphql` },
    });
  });

  after(async () => {
    await stack.stop();
  });

  test('query error names dns', async () => {
    for (const attempt of [1, 2]) {
      const response = await stack.graphql(ZONES);
      assert.equal(response.status, 200, `attempt ${attempt}`);
      const error = response.errors?.[0];
      assert.ok(error, `attempt ${attempt}: expected an error`);
      assert.equal(error.extensions?.serviceName, 'dns', `attempt ${attempt}`);
      assert.match(error.message, /\bdns\b/, `attempt ${attempt}`);
    }
  });

  test('live but not ready', async () => {
    const live = await getJson<{ status: string }>(`${stack.baseUrl}/health/live`);
    assert.equal(live.status, 200);

    const ready = await getJson<Health>(`${stack.baseUrl}/health/ready`);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 'degraded');
    const dns = ready.body.subgraphs.find((s) => s.name === 'dns');
    assert.equal(dns?.ready, false);
    assert.ok(dns?.error, 'the health entry says why dns is not ready');
  });
});

test('supergraph file is current', async () => {
  const { stdout } = await execFileAsync(process.execPath, [CLI, 'compose', '--check']);
  assert.match(stdout, /is up to date/);
});

describe('gateway limits', () => {
  let stack: TestStack;
  let silent: Server;
  const held = new Set<Socket>();

  before(async () => {
    // Accepts connections and never answers, like a hung subgraph.
    silent = createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    stack = await TestStack.start({
      only: ['gateway'],
      env: {
        PAAS_GRAPHQL_MAX_DEPTH: '3',
        PAAS_GRAPHQL_MAX_COST: '20000',
        PAAS_GATEWAY_SUBGRAPH_TIMEOUT: '300',
        PAAS_GATEWAY_SUBGRAPHS: `dns=http://127.0.0.1:${port}/graphql`,
      },
    });
  });

  after(async () => {
    await stack.stop();
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
  });

  test('deep query is rejected', async () => {
    const response = await stack.graphql('{ zones { nodes { soa { serial } } } }');
    assert.equal(response.data, undefined);
    assert.match(response.errors?.[0]?.message ?? '', /deeper than the limit of 3 fields/);
  });

  test('costly query is rejected', async () => {
    const copies = Array.from(
      { length: 50 },
      (_, i) => `z${i}: zones(first: 500) { nodes { name } }`,
    ).join(' ');
    const response = await stack.graphql(`{ ${copies} }`);
    assert.equal(response.data, undefined);
    const error = response.errors?.[0];
    assert.equal(error?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(error?.message ?? '', /more than 20000 values/);
  });

  test('hung subgraph times out', async () => {
    const response = await stack.graphql('{ zones { totalCount } }');
    const error = response.errors?.[0];
    assert.ok(error, 'expected an error');
    assert.equal(error.extensions?.serviceName, 'dns');
    assert.match(error.message, /dns subgraph request failed/);
  });

  test('unknown subgraph name rejected', async () => {
    await assert.rejects(
      TestStack.start({
        only: ['gateway'],
        env: { PAAS_GATEWAY_SUBGRAPHS: 'dsn=http://127.0.0.1:1/graphql' },
      }),
      /invalid PAAS_GATEWAY_SUBGRAPHS: no service named dsn/,
    );
  });
});

describe('gateway over a failing subgraph', () => {
  let stack: TestStack;
  let subgraph: ReturnType<typeof createHttpServer>;
  let subgraphUrl = '';
  /** Status and body the fake dns subgraph answers with next. */
  let reply: { status: number; type: string; body: string } = {
    status: 200,
    type: 'application/json',
    body: '{}',
  };

  before(async () => {
    subgraph = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(reply.status, { 'content-type': reply.type });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => subgraph.listen(0, '127.0.0.1', resolve));
    const { port } = subgraph.address() as AddressInfo;
    subgraphUrl = `http://127.0.0.1:${port}/graphql`;
    stack = await TestStack.start({
      only: ['gateway'],
      env: { PAAS_GATEWAY_SUBGRAPHS: `dns=${subgraphUrl}` },
    });
  });

  after(async () => {
    await stack.stop();
    await new Promise((resolve) => subgraph.close(resolve));
  });

  test('GraphQL errors on HTTP 400 passed on', async () => {
    const subgraphErrors = [
      { message: 'first problem', extensions: { code: 'BAD_USER_INPUT', field: 'input.name' } },
      { message: 'second problem', extensions: { code: 'BAD_USER_INPUT', field: 'input.ttl' } },
    ];
    reply = {
      status: 400,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify({ errors: subgraphErrors }),
    };
    const response = await stack.graphql(ZONES);
    const text = JSON.stringify(response);
    assert.equal(response.errors?.length, 2, text);
    for (const [i, expected] of subgraphErrors.entries()) {
      const error: GraphqlError | undefined = response.errors?.[i];
      assert.equal(error?.message, expected.message, text);
      assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', text);
      assert.equal(error?.extensions?.field, expected.extensions.field, text);
      assert.equal(error?.extensions?.serviceName, 'dns', text);
    }
  });

  test('HTTP error hides subgraph URL', async () => {
    reply = { status: 502, type: 'text/plain', body: `upstream ${subgraphUrl} is down` };
    const response = await stack.graphql(ZONES);
    const text = JSON.stringify(response);
    const error = response.errors?.[0];
    assert.equal(error?.extensions?.code, 'SUBREQUEST_HTTP_ERROR', text);
    assert.equal(error?.extensions?.serviceName, 'dns', text);
    assert.match(error?.message ?? '', /dns subgraph request failed: 502/, text);
    assert.ok(!text.includes(subgraphUrl), `subgraph URL leaked: ${text}`);
    assert.ok(!text.includes('is down'), `subgraph body leaked: ${text}`);
  });
});
