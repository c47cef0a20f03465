import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SyslogTestStack, waitFor } from './harness';

interface Stats {
  transports: {
    transport: string;
    received: number;
    stored: number;
    dropped: number;
    malformed: number;
  }[];
  drops: { name: string; count: number }[];
  tcpConnectionsOpen: number;
}

async function stats(stack: SyslogTestStack): Promise<Stats> {
  const data = await stack.query<{ syslogStats: Stats }>(
    '{ syslogStats { transports { transport received stored dropped malformed } drops { name count } tcpConnectionsOpen } }',
  );
  return data.syslogStats;
}

function drop(s: Stats, name: string): number {
  return s.drops.find((d) => d.name === name)?.count ?? 0;
}

function transport(s: Stats, name: string) {
  const found = s.transports.find((t) => t.transport === name);
  assert.ok(found, `no counters for ${name}`);
  return found;
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Writes all of `data` with back-pressure, then ends and waits for the close. */
async function writeAll(socket: Socket, chunks: Iterable<Buffer>): Promise<void> {
  for (const chunk of chunks) {
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    socket.end();
  });
}

// Queries after the 100,000-message test take FerretDB several seconds each.
const SLOW_STORE_WAIT = 120_000;

describe('syslog receiver under load', () => {
  let stack: SyslogTestStack;

  before(async () => {
    stack = await SyslogTestStack.start({
      PAAS_SYSLOG_BATCH_SIZE: '2000',
      PAAS_SYSLOG_QUEUE_MAX_MESSAGES: '5000',
      PAAS_SYSLOG_MAX_MESSAGE_SIZE: '2048',
      PAAS_SYSLOG_TCP_MAX_CONNECTIONS: '200',
      PAAS_SYSLOG_TCP_IDLE_TIMEOUT: '1000',
      // Counting 100,000 documents takes FerretDB longer than the default 10 s subgraph wait.
      PAAS_GATEWAY_SUBGRAPH_TIMEOUT: '120000',
    });
  });

  after(async () => {
    await stack.stop();
  });

  test('100,000 TCP messages all stored', async () => {
    const total = 100_000;
    const socket = await openSocket(stack.port);
    function* frames(): Generator<Buffer> {
      const lines: string[] = [];
      for (let i = 0; i < total; i++) {
        const line = `<134>1 - bulk.example.test loadgen ${i} - - bulk message ${i}`;
        lines.push(`${Buffer.byteLength(line)} ${line}`);
        if (lines.length === 1000) {
          yield Buffer.from(lines.join(''));
          lines.length = 0;
        }
      }
    }
    await writeAll(socket, frames());
    // The counters are in memory, so polling them does not slow the store down the way
    // counting 100,000 documents on every poll would (FerretDB takes seconds per count).
    await waitFor(
      async () => {
        const tcp = transport(await stats(stack), 'TCP');
        return tcp.stored + tcp.dropped >= total ? tcp : undefined;
      },
      `${total} messages stored or dropped`,
      300_000,
    );
    const data = await stack.query<{ logs: { totalCount: number } }>(
      '{ logs(filter: { host: "bulk.example.test" }) { totalCount } }',
    );
    assert.equal(data.logs.totalCount, total);

    // Every proc id 0..total-1 once: nothing lost, nothing stored twice.
    const source = await stack.query<{ logSources: { nodes: { total: number }[] } }>(
      '{ logSources(host: "bulk.example.test", app: "loadgen") { nodes { total } } }',
    );
    assert.equal(source.logSources.nodes[0].total, total);
    const counters = await stats(stack);
    const tcp = transport(counters, 'TCP');
    assert.equal(tcp.dropped, 0);
    assert.equal(tcp.stored, tcp.received);
    const newest = await stack.query<{ logs: { nodes: { procId: string }[] } }>(
      '{ logs(filter: { host: "bulk.example.test" }, first: 1) { nodes { procId } } }',
    );
    assert.equal(newest.logs.nodes[0].procId, String(total - 1));
  });

  test('UDP flood drops are counted', async () => {
    const socket = createSocket('udp4');
    const sent = 30_000;
    const payload = Buffer.from('<14>1 - flood.example.test flood - - - ' + 'f'.repeat(200));
    for (let i = 0; i < sent; i++) {
      await new Promise<void>((resolve) =>
        socket.send(payload, stack.port, '127.0.0.1', () => resolve()),
      );
    }
    socket.close();
    const counters = await waitFor(
      async () => {
        const s = await stats(stack);
        const udp = transport(s, 'UDP');
        return udp.stored + udp.dropped === udp.received ? s : undefined;
      },
      'UDP messages stored or counted as dropped',
      120_000,
    );
    const udp = transport(counters, 'UDP');
    assert.ok(udp.received > 0 && udp.received <= sent, JSON.stringify(udp));
    assert.equal(udp.dropped, drop(counters, 'udp-queue-full'));
    const stored = await stack.query<{ logs: { totalCount: number } }>(
      '{ logs(filter: { host: "flood.example.test" }) { totalCount } }',
    );
    assert.equal(stored.logs.totalCount, udp.stored);
    // NOTE: datagrams the kernel drops before the receiver reads them are not counted here.
  });

  test('garbage bytes stored as unknown', async () => {
    const socket = await openSocket(stack.port);
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a, 0xc3, 0x28, 0x41, 0x0a]);
    await writeAll(socket, [Buffer.concat([Buffer.from('<no header '), garbage])]);
    const data = await waitFor(
      async () => {
        const result = await stack.query<{
          logs: { nodes: { format: string; message: string; rawBase64: string | null }[] };
        }>(
          '{ logs(filter: { host: "127.0.0.1" }, first: 3) { nodes { format message rawBase64 } } }',
        );
        return result.logs.nodes.length === 3 ? result : undefined;
      },
      'three garbage frames',
      SLOW_STORE_WAIT,
    );
    assert.ok(transport(await stats(stack), 'TCP').malformed >= 3);
    assert.equal(data.logs.nodes[0].format, 'UNKNOWN');
    assert.equal(data.logs.nodes[0].rawBase64, Buffer.from([0xc3, 0x28, 0x41]).toString('base64'));
  });

  test('huge length prefix closes connection', async () => {
    const before = drop(await stats(stack), 'octet-count-too-long');
    const socket = await openSocket(stack.port);
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.on('error', () => undefined);
    socket.write('99999999999999999999 <13>x');
    await closed;
    const after = await stats(stack);
    assert.equal(drop(after, 'octet-count-too-long'), before + 1);
  });

  test('large declared length is skipped', async () => {
    const socket = await openSocket(stack.port);
    const header = Buffer.from('<13>1 - skip.example.test - - - - ');
    const body = Buffer.alloc(1_000_000, 0x7a);
    const length = Buffer.from(`${header.length + body.length} `);
    await writeAll(socket, [length, header, body, Buffer.from('9 <13>after')]);
    const data = await waitFor(
      async () => {
        const result = await stack.query<{
          logs: { nodes: { truncated: boolean; raw: string }[] };
        }>('{ logs(filter: { host: "skip.example.test" }) { nodes { truncated raw } } }');
        return result.logs.nodes.length > 0 ? result : undefined;
      },
      'the truncated message',
      SLOW_STORE_WAIT,
    );
    assert.equal(data.logs.nodes[0].truncated, true);
    assert.equal(Buffer.byteLength(data.logs.nodes[0].raw), 2048);
  });

  test('never-ending line keeps memory bounded', async () => {
    const socket = await openSocket(stack.port);
    const rssBefore = process.memoryUsage().rss;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    function* endless(): Generator<Buffer> {
      yield Buffer.from('<13>endless: ');
      for (let i = 0; i < 800; i++) yield chunk;
      yield Buffer.from('\n');
    }
    await writeAll(socket, endless());
    const growth = process.memoryUsage().rss - rssBefore;
    assert.ok(growth < 40 * 1024 * 1024, `RSS grew ${growth} bytes for a 50 MiB line`);
    const data = await waitFor(
      async () => {
        const result = await stack.query<{ logs: { nodes: { truncated: boolean }[] } }>(
          '{ logs(filter: { app: "endless" }) { nodes { truncated } } }',
        );
        return result.logs.nodes.length > 0 ? result : undefined;
      },
      'the endless line',
      SLOW_STORE_WAIT,
    );
    assert.deepEqual(data.logs.nodes, [{ truncated: true }]);
  });

  test('idle connections over the limit closed', async () => {
    const sockets: Socket[] = [];
    const attempts = 1000;
    const limitBefore = drop(await stats(stack), 'tcp-connection-limit');
    const idleBefore = drop(await stats(stack), 'tcp-idle-timeout');
    let closedEarly = 0;
    for (let i = 0; i < attempts; i++) {
      const socket = connect({ host: '127.0.0.1', port: stack.port });
      socket.on('error', () => undefined);
      socket.on('close', () => (closedEarly += 1));
      sockets.push(socket);
    }
    await waitFor(async () => closedEarly === attempts, 'every connection closed', 30_000);
    const s = await stats(stack);
    const rejected = drop(s, 'tcp-connection-limit') - limitBefore;
    const timedOut = drop(s, 'tcp-idle-timeout') - idleBefore;
    // Each connection is either rejected at the limit or accepted and later closed as idle.
    assert.equal(rejected + timedOut, attempts, JSON.stringify(s.drops));
    assert.ok(rejected >= 1, JSON.stringify(s.drops));
    assert.ok(timedOut >= 200, JSON.stringify(s.drops));
    assert.equal(s.tcpConnectionsOpen, 0);
    for (const socket of sockets) socket.destroy();
  });

  test('busy port names the setting', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const address = blocker.address();
    assert.ok(address && typeof address === 'object');
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(address.port, '127.0.0.1', () => resolve()));
    try {
      await assert.rejects(
        SyslogTestStack.start({ PAAS_SYSLOG_PORT: String(address.port) }),
        /PAAS_SYSLOG_PORT/,
      );
    } finally {
      udp.close();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
