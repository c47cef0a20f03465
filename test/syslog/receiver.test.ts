import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { findLogs, SyslogTestStack, waitFor, type LogNode } from './harness';

const LOCAL_HOST = hostname().toLowerCase();

/** Sends raw bytes over one TCP connection and waits until the receiver has closed it. */
function sendTcp(port: number, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(data));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

function unique(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 10)}`;
}

describe('syslog receiver through the gateway', () => {
  let stack: SyslogTestStack;

  before(async () => {
    stack = await SyslogTestStack.start();
  });

  after(async () => {
    await stack.stop();
  });

  test('logger UDP RFC 5424 with SD', async () => {
    const text = unique('udp5424');
    await stack.logger([
      '--udp',
      '--rfc5424',
      '--tag',
      'billing',
      '--id=4711',
      '--msgid',
      'INVOICE',
      '--priority',
      'local3.err',
      '--sd-id',
      'order@32473',
      '--sd-param',
      'id="42"',
      '--sd-param',
      'note="a \\"quoted\\" value"',
      text,
    ]);
    const [log] = await findLogs(stack, text);
    assert.equal(log.format, 'RFC5424');
    assert.equal(log.transport, 'UDP');
    assert.equal(log.facility, 'LOCAL3');
    assert.equal(log.severity, 'ERR');
    assert.equal(log.appName, 'billing');
    assert.equal(log.procId, '4711');
    assert.equal(log.msgId, 'INVOICE');
    assert.equal(log.host, LOCAL_HOST);
    assert.equal(log.sender, '127.0.0.1');
    assert.equal(log.message, text);
    assert.ok(log.timestamp, 'timestamp parsed');
    assert.ok(Math.abs(Date.parse(log.timestamp) - Date.parse(log.receivedAt)) < 60_000);
    const order = log.structuredData.find((element) => element.id === 'order@32473');
    assert.deepEqual(order?.params, [
      { name: 'id', value: '42' },
      { name: 'note', value: 'a "quoted" value' },
    ]);
    assert.ok(log.raw.includes('[order@32473 id="42"'), log.raw);
  });

  test('logger TCP octet counting', async () => {
    const text = unique('octet');
    await stack.logger(['--tcp', '--octet-count', '--rfc5424', '-t', 'worker', text]);
    const [log] = await findLogs(stack, text);
    assert.equal(log.transport, 'TCP');
    assert.equal(log.format, 'RFC5424');
    assert.equal(log.appName, 'worker');
    assert.equal(log.facility, 'USER');
    assert.equal(log.severity, 'NOTICE');
    assert.equal(log.message, text);
  });

  test('logger TCP RFC 3164', async () => {
    const text = unique('bsd');
    await stack.logger(['--tcp', '--rfc3164', '-t', 'cron', '-i', '-p', 'cron.warning', text]);
    const [log] = await findLogs(stack, text);
    assert.equal(log.format, 'RFC3164');
    assert.equal(log.transport, 'TCP');
    assert.equal(log.host, LOCAL_HOST);
    assert.equal(log.appName, 'cron');
    assert.match(log.procId ?? '', /^\d+$/);
    assert.equal(log.facility, 'CRON');
    assert.equal(log.severity, 'WARNING');
    assert.equal(log.message, text);
    assert.ok(log.timestamp, 'timestamp parsed');
    // BSD timestamps have whole seconds and the sender's local time, which is ours here.
    assert.ok(Math.abs(Date.parse(log.timestamp) - Date.parse(log.receivedAt)) < 5_000);
  });

  test('logger UDP RFC 3164', async () => {
    const text = unique('bsdudp');
    await stack.logger(['--udp', '--rfc3164', '-t', 'ntpd', '-p', 'daemon.crit', text]);
    const [log] = await findLogs(stack, text);
    assert.equal(log.transport, 'UDP');
    assert.equal(log.facility, 'DAEMON');
    assert.equal(log.severity, 'CRIT');
    assert.equal(log.appName, 'ntpd');
  });

  test('logger lines from stdin', async () => {
    const tag = unique('stdin');
    const lines = Array.from({ length: 20 }, (_, i) => `${tag} line ${i}`);
    await stack.logger(['--tcp', '--octet-count', '-t', 'batch'], lines.join('\n') + '\n');
    const logs = await findLogs(stack, tag, 20);
    assert.deepEqual(logs.map((log) => log.message).sort(), [...lines].sort());
  });

  test('plain line stored with sender as host', async () => {
    const text = unique('plain');
    await sendTcp(stack.port, `${text} no header at all\n`);
    const [log] = await findLogs(stack, text);
    assert.equal(log.format, 'UNKNOWN');
    assert.equal(log.host, '127.0.0.1');
    assert.equal(log.message, `${text} no header at all`);
    assert.equal(log.raw, `${text} no header at all`);
    assert.equal(log.severity, 'NOTICE');
  });

  test('oversized message truncated and flagged', async () => {
    const text = unique('huge');
    const line = `<13>1 - big.example.test app - - - ${text} ${'x'.repeat(70 * 1024)}`;
    await sendTcp(stack.port, `${Buffer.byteLength(line)} ${line}`);
    const [log] = await findLogs(stack, text);
    assert.equal(log.truncated, true);
    assert.equal(Buffer.byteLength(log.raw), 64 * 1024);
    assert.equal(log.host, 'big.example.test');
  });

  test('Host.logs joins DNS records', async () => {
    await stack.query(`mutation { createZone(input: { name: "join.example.test" }) { name } }`);
    await stack.query(
      `mutation { createRecord(input: { zone: "join.example.test", name: "web1", type: A, address: "192.0.2.10" }) { id } }`,
    );
    const text = unique('join');
    const lines = [
      `<11>1 2026-01-02T10:00:00Z WEB1.join.example.test. nginx - - - ${text} first`,
      `<14>1 2026-01-02T10:00:01Z web1.join.example.test nginx - - - ${text} second`,
      `<14>1 2026-01-02T10:00:02Z other.example.test nginx - - - ${text} elsewhere`,
    ];
    await sendTcp(stack.port, lines.join('\n') + '\n');
    await findLogs(stack, text, 3);
    const data = await stack.query<{
      host: {
        name: string;
        records: { type: string; content: string }[];
        logs: { totalCount: number; nodes: LogNode[] };
        logSummary: { total: number; severityCounts: { severity: string; count: number }[] };
        errors: { nodes: LogNode[] };
      };
    }>(`{
      host(name: "web1.join.example.test") {
        name
        records { type content }
        logs(first: 5) { totalCount nodes { message host } }
        errors: logs(first: 5, severityAtMost: ERR) { nodes { message } }
        logSummary { total severityCounts { severity count } }
      }
    }`);
    assert.deepEqual(data.host.records, [{ type: 'A', content: '192.0.2.10' }]);
    assert.equal(data.host.logs.totalCount, 2);
    assert.deepEqual(
      data.host.logs.nodes.map((n) => n.message),
      [`${text} second`, `${text} first`],
    );
    assert.deepEqual(
      data.host.errors.nodes.map((n) => n.message),
      [`${text} first`],
    );
    assert.equal(data.host.logSummary.total, 2);
    assert.deepEqual(data.host.logSummary.severityCounts, [
      { severity: 'ERR', count: 1 },
      { severity: 'INFO', count: 1 },
    ]);
  });

  test('filters and paging', async () => {
    const app = unique('pager');
    const lines = Array.from(
      { length: 7 },
      (_, i) => `<${8 * 16 + (i % 8)}>1 - pager.example.test ${app} - - - message ${i}`,
    );
    await sendTcp(stack.port, lines.join('\n') + '\n');
    await findLogs(stack, app.slice(0, 0) + 'message 6');
    await waitFor(async () => {
      const data = await stack.query<{ logs: { totalCount: number } }>(
        `query ($app: String!) { logs(filter: { app: $app }) { totalCount } }`,
        { app },
      );
      return data.logs.totalCount === 7;
    }, 'seven messages of the app');

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 4; page++) {
      const data: {
        logs: {
          nodes: { message: string }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } = await stack.query(
        `query ($app: String!, $after: String) {
          logs(filter: { app: $app }, first: 3, after: $after) {
            nodes { message } pageInfo { hasNextPage endCursor }
          }
        }`,
        { app, after: cursor },
      );
      seen.push(...data.logs.nodes.map((n) => n.message));
      cursor = data.logs.pageInfo.endCursor;
      if (!data.logs.pageInfo.hasNextPage) break;
    }
    assert.deepEqual(
      seen,
      [6, 5, 4, 3, 2, 1, 0].map((i) => `message ${i}`),
    );

    const severe = await stack.query<{ logs: { nodes: { severity: string }[] } }>(
      `query ($app: String!) { logs(filter: { app: $app, severityAtMost: CRIT }) { nodes { severity } } }`,
      { app },
    );
    assert.deepEqual(
      severe.logs.nodes.map((n) => n.severity),
      ['CRIT', 'ALERT', 'EMERG'],
    );
    const byFacility = await stack.query<{ logs: { totalCount: number } }>(
      `query ($app: String!) { logs(filter: { app: $app, facility: [LOCAL0] }) { totalCount } }`,
      { app },
    );
    assert.equal(byFacility.logs.totalCount, 7);
    const otherFacility = await stack.query<{ logs: { totalCount: number } }>(
      `query ($app: String!) { logs(filter: { app: $app, facility: [MAIL, KERN] }) { totalCount } }`,
      { app },
    );
    assert.equal(otherFacility.logs.totalCount, 0);
    const byText = await stack.query<{ logs: { nodes: { message: string }[] } }>(
      `query ($app: String!) { logs(filter: { app: $app, text: "MESSAGE 3" }) { nodes { message } } }`,
      { app },
    );
    assert.deepEqual(
      byText.logs.nodes.map((n) => n.message),
      ['message 3'],
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await stack.query<{ logs: { totalCount: number } }>(
      `query ($app: String!, $since: DateTime!) { logs(filter: { app: $app, since: $since }) { totalCount } }`,
      { app, since: future },
    );
    assert.equal(none.logs.totalCount, 0);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const all = await stack.query<{ logs: { totalCount: number } }>(
      `query ($app: String!, $since: DateTime!, $until: DateTime!) { logs(filter: { app: $app, since: $since, until: $until }) { totalCount } }`,
      { app, since: past, until: future },
    );
    assert.equal(all.logs.totalCount, 7);
    const bySource = await stack.query<{
      logSources: { totalCount: number; nodes: { host: string; appName: string; total: number }[] };
    }>(
      `query ($app: String!) { logSources(app: $app) { totalCount nodes { host appName total } } }`,
      { app },
    );
    assert.deepEqual(bySource.logSources.nodes, [
      { host: 'pager.example.test', appName: app, total: 7 },
    ]);
  });

  test('invalid inputs rejected with field', async () => {
    const cases: { query: string; field: string }[] = [
      { query: '{ logs(first: 0) { totalCount } }', field: 'first' },
      { query: '{ logs(first: 501) { totalCount } }', field: 'first' },
      { query: '{ logs(after: "bm9wZQ") { totalCount } }', field: 'after' },
      { query: '{ logs(after: "YzpnYXJiYWdl") { totalCount } }', field: 'after' },
      { query: '{ logs(filter: { host: "a b" }) { totalCount } }', field: 'filter.host' },
      { query: '{ logs(filter: { app: "" }) { totalCount } }', field: 'filter.app' },
      { query: '{ logs(filter: { text: "" }) { totalCount } }', field: 'filter.text' },
      { query: '{ logs(filter: { facility: [] }) { totalCount } }', field: 'filter.facility' },
      {
        query:
          '{ logs(filter: { since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z" }) { totalCount } }',
        field: 'filter.until',
      },
      { query: '{ logHosts(first: 0) { totalCount } }', field: 'first' },
      { query: '{ host(name: "bad name") { name } }', field: 'name' },
      {
        query:
          'mutation { updateSyslogSettings(input: { retentionMaxAge: -1 }) { retentionMaxAge } }',
        field: 'input.retentionMaxAge',
      },
      {
        query:
          'mutation { updateSyslogSettings(input: { retentionMaxAge: 60, retentionMaxCount: 1.5 }) { retentionMaxAge } }',
        field: 'input.retentionMaxCount',
      },
    ];
    for (const { query, field } of cases) {
      const response = await stack.graphql(query);
      const error = response.errors?.[0];
      assert.equal(
        error?.extensions?.code,
        'BAD_USER_INPUT',
        `${query}: ${JSON.stringify(response)}`,
      );
      assert.equal(error?.extensions?.field, field, query);
    }
    const settings = await stack.query<{ syslogSettings: { retentionMaxAge: number } }>(
      '{ syslogSettings { retentionMaxAge } }',
    );
    assert.equal(
      settings.syslogSettings.retentionMaxAge,
      30 * 86_400,
      'invalid mutation stored nothing',
    );
  });

  test('counters by transport', async () => {
    const data = await stack.query<{
      syslogStats: {
        transports: {
          transport: string;
          received: number;
          stored: number;
          malformed: number;
          truncated: number;
        }[];
      };
    }>('{ syslogStats { transports { transport received stored malformed truncated } } }');
    const tcp = data.syslogStats.transports.find((t) => t.transport === 'TCP');
    const udp = data.syslogStats.transports.find((t) => t.transport === 'UDP');
    assert.ok(tcp && tcp.received >= 30, JSON.stringify(tcp));
    assert.equal(tcp.stored, tcp.received);
    assert.ok(tcp.malformed >= 1);
    assert.ok(tcp.truncated >= 1);
    assert.ok(udp && udp.received >= 2, JSON.stringify(udp));
    assert.equal(udp.stored, udp.received);
  });

  test('retention by count', async () => {
    const before = await stack.query<{ logs: { totalCount: number } }>('{ logs { totalCount } }');
    const keep = 5;
    await stack.query(
      `mutation { updateSyslogSettings(input: { retentionMaxCount: ${keep} }) { retentionMaxCount } }`,
    );
    const run = await stack.query<{
      runLogRetention: { ran: boolean; deletedByAge: number; deletedByCount: number };
    }>('mutation { runLogRetention { ran deletedByAge deletedByCount } }');
    assert.equal(run.runLogRetention.ran, true);
    assert.equal(run.runLogRetention.deletedByCount, before.logs.totalCount - keep);
    const data = await stack.query<{
      logs: { totalCount: number };
      logHosts: { nodes: { total: number }[] };
    }>('{ logs { totalCount } logHosts(first: 500) { nodes { total } } }');
    assert.equal(data.logs.totalCount, keep);
    const summed = data.logHosts.nodes.reduce((sum, host) => sum + host.total, 0);
    assert.equal(summed, keep, 'summaries follow deletions');
  });

  test('retention by age', async () => {
    await stack.query(
      'mutation { updateSyslogSettings(input: { retentionMaxAge: 1, retentionMaxCount: 0 }) { retentionMaxAge } }',
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const run = await stack.query<{ runLogRetention: { deletedByAge: number } }>(
      'mutation { runLogRetention { deletedByAge } }',
    );
    assert.equal(run.runLogRetention.deletedByAge, 5);
    const data = await stack.query<{
      logs: { totalCount: number };
      logHosts: { totalCount: number };
    }>('{ logs { totalCount } logHosts { totalCount } }');
    assert.equal(data.logs.totalCount, 0);
    assert.equal(data.logHosts.totalCount, 0);
  });
});
