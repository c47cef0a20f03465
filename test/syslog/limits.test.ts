import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { findLogs, SyslogTestStack, waitFor } from './harness';

const CENTURY_SECONDS = 3_153_600_000;
const IDLE_TIMEOUT_MS = 300;

interface Stats {
  syslogStats: {
    transports: { transport: string; received: number; stored: number; dropped: number }[];
    drops: { name: string; count: number }[];
  };
}

/** TCP counters and drop reasons of the receiver. */
async function tcpStats(stack: SyslogTestStack) {
  const data = await stack.query<Stats>(
    '{ syslogStats { transports { transport received stored dropped } drops { name count } } }',
  );
  const tcp = data.syslogStats.transports.find((t) => t.transport === 'TCP');
  if (!tcp) throw new Error(`no TCP counters in ${JSON.stringify(data)}`);
  const drop = (name: string) => data.syslogStats.drops.find((d) => d.name === name)?.count ?? 0;
  return { ...tcp, drop };
}

/** Opens a TCP connection to the receiver and writes `data` without closing it. */
function openTcp(port: number, data: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(data);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve();
    else socket.on('close', () => resolve());
  });
}

function unique(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 10)}`;
}

describe('syslog settings and input errors', () => {
  let stack: SyslogTestStack;

  before(async () => {
    stack = await SyslogTestStack.start({
      PAAS_SYSLOG_RETENTION_MAX_AGE: String(CENTURY_SECONDS),
      PAAS_SYSLOG_TCP_IDLE_TIMEOUT: String(IDLE_TIMEOUT_MS),
    });
  });

  after(async () => {
    await stack.stop();
  });

  test('retention age above 2^31 readable', async () => {
    const data = await stack.query<{ syslogSettings: { retentionMaxAge: number } }>(
      '{ syslogSettings { retentionMaxAge } }',
    );
    assert.equal(data.syslogSettings.retentionMaxAge, CENTURY_SECONDS);
  });

  test('retention age above 2^31 writable', async () => {
    const data = await stack.query<{ updateSyslogSettings: { retentionMaxAge: number } }>(
      'mutation { updateSyslogSettings(input: { retentionMaxAge: 3000000000 }) { retentionMaxAge } }',
    );
    assert.equal(data.updateSyslogSettings.retentionMaxAge, 3_000_000_000);
  });

  test('retention age above limit names field', async () => {
    const response = await stack.graphql(
      `mutation { updateSyslogSettings(input: { retentionMaxAge: ${CENTURY_SECONDS + 1} }) { retentionMaxAge } }`,
    );
    const error = response.errors?.[0];
    assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(response));
    assert.equal(error?.extensions?.field, 'input.retentionMaxAge');
    assert.match(error?.message ?? '', /0\.\.3153600000/);
  });

  test('invalid DateTime filters pass subgraph errors', async () => {
    const cases: { query: string; variables?: Record<string, unknown>; code: string }[] = [
      {
        query: '{ logs(filter: { since: "not a date" }) { totalCount } }',
        code: 'GRAPHQL_VALIDATION_FAILED',
      },
      {
        query: '{ logs(filter: { since: "2024-02-30T00:00:00Z" }) { totalCount } }',
        code: 'GRAPHQL_VALIDATION_FAILED',
      },
      { query: '{ logs(filter: { until: 1 }) { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
      {
        query: 'query ($d: DateTime) { logs(filter: { since: $d }) { totalCount } }',
        variables: { d: 'not a date' },
        code: 'BAD_USER_INPUT',
      },
      {
        query: 'query ($f: LogFilter) { logs(filter: $f) { totalCount } }',
        variables: { f: { until: '2024-02-30T00:00:00Z' } },
        code: 'BAD_USER_INPUT',
      },
    ];
    const subgraphUrl = stack.stack.service('syslog').subgraph.url;
    for (const { query, variables, code } of cases) {
      const response = await stack.graphql(query, variables);
      const text = JSON.stringify(response);
      assert.equal(response.data ?? null, null, text);
      assert.equal(response.errors?.length, 1, text);
      const error = response.errors[0];
      assert.equal(error.extensions?.code, code, text);
      assert.equal(error.extensions?.serviceName, 'syslog', text);
      assert.match(error.message, /DateTime cannot represent/, text);
      assert.ok(!text.includes(subgraphUrl), `subgraph URL leaked: ${text}`);
      assert.ok(!text.includes('127.0.0.1'), `address leaked: ${text}`);
    }
  });

  test('partial line stored at idle timeout', async () => {
    const before = await tcpStats(stack);
    const text = unique('idle');
    const socket = await openTcp(stack.port, `<13>1 - idle.example.test app - - - ${text}`);
    socket.on('error', () => undefined);
    await closed(socket);
    const [log] = await findLogs(stack, text);
    assert.equal(log.message, text);
    assert.equal(log.host, 'idle.example.test');
    const after = await tcpStats(stack);
    assert.equal(after.drop('tcp-idle-timeout'), before.drop('tcp-idle-timeout') + 1);
    assert.equal(after.received, before.received + 1);
    assert.equal(after.dropped, before.dropped);
  });

  for (const [name, closeBy] of [
    ['half-close', 'peer'],
    ['idle timeout', 'receiver'],
  ] as const) {
    test(`incomplete octet frame counted at ${name}`, async () => {
      const before = await tcpStats(stack);
      const text = unique('short');
      const socket = await openTcp(stack.port, `200 <13>1 - short.example.test app - - - ${text}`);
      socket.on('error', () => undefined);
      if (closeBy === 'peer') socket.end();
      await closed(socket);
      const after = await waitFor(async () => {
        const stats = await tcpStats(stack);
        return stats.drop('incomplete-frame') > before.drop('incomplete-frame') ? stats : undefined;
      }, 'the incomplete frame to be counted');
      assert.equal(after.drop('incomplete-frame'), before.drop('incomplete-frame') + 1);
      assert.equal(after.received, before.received + 1);
      assert.equal(after.dropped, before.dropped + 1);
      const found = await stack.query<{ logs: { totalCount: number } }>(
        `query ($text: String!) { logs(filter: { text: $text }) { totalCount } }`,
        { text },
      );
      assert.equal(found.logs.totalCount, 0, 'nothing of the incomplete frame is stored');
    });
  }

  test('text filter counts code points', async () => {
    const emoji = '\u{1F600}';
    const longest = await stack.graphql(
      'query ($text: String!) { logs(filter: { text: $text }) { totalCount } }',
      { text: emoji.repeat(1024) },
    );
    assert.equal(longest.errors, undefined, JSON.stringify(longest.errors));
    const tooLong = await stack.graphql(
      'query ($text: String!) { logs(filter: { text: $text }) { totalCount } }',
      { text: emoji.repeat(1025) },
    );
    const error = tooLong.errors?.[0];
    assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(tooLong));
    assert.equal(error?.extensions?.field, 'filter.text');
    assert.match(error?.message ?? '', /1025 characters/);
  });
});
