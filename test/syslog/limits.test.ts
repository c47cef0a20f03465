import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SyslogTestStack } from './harness';

const CENTURY_SECONDS = 3_153_600_000;

describe('syslog settings and input errors', () => {
  let stack: SyslogTestStack;

  before(async () => {
    stack = await SyslogTestStack.start({
      PAAS_SYSLOG_RETENTION_MAX_AGE: String(CENTURY_SECONDS),
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
});
