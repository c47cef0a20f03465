import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage, parseText, type ParsedMessage } from '../../subgraphs/syslog/receiver/parse';

/** Receive time of every case: January 2nd, noon, in the local time zone like BSD timestamps. */
const RECEIVED = new Date(2026, 0, 2, 12, 0, 0);

interface Case {
  name: string;
  line: string;
  expect: Partial<ParsedMessage>;
}

const cases: Case[] = [
  {
    name: 'RFC 5424 example with BOM',
    line: "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed",
    expect: {
      format: 'rfc5424',
      facility: 4,
      severity: 2,
      timestamp: new Date('2003-10-11T22:14:15.003Z'),
      host: 'mymachine.example.com',
      appName: 'su',
      procId: null,
      msgId: 'ID47',
      structuredData: [],
      message: "'su root' failed",
    },
  },
  {
    name: 'RFC 5424 offset and microseconds',
    line: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time",
    expect: {
      facility: 20,
      severity: 5,
      timestamp: new Date('2003-08-24T12:14:15.000Z'),
      host: '192.0.2.1',
      procId: '8710',
      message: "%% It's time",
    },
  },
  {
    name: 'RFC 5424 several SD elements',
    line: '<165>1 2003-10-11T22:14:15.003Z host.example.test evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][examplePriority@32473 class="high"] BOMAn application event',
    expect: {
      structuredData: [
        {
          id: 'exampleSDID@32473',
          params: [
            { name: 'iut', value: '3' },
            { name: 'eventSource', value: 'Application' },
          ],
        },
        { id: 'examplePriority@32473', params: [{ name: 'class', value: 'high' }] },
      ],
      message: 'BOMAn application event',
    },
  },
  {
    name: 'RFC 5424 SD escapes',
    line: '<13>1 - - - - - [x@1 q="a\\"b" s="c\\\\d" b="e\\]f" o="g\\nh"]',
    expect: {
      structuredData: [
        {
          id: 'x@1',
          params: [
            { name: 'q', value: 'a"b' },
            { name: 's', value: 'c\\d' },
            { name: 'b', value: 'e]f' },
            { name: 'o', value: 'g\\nh' },
          ],
        },
      ],
      message: '',
    },
  },
  {
    name: 'RFC 5424 all NILVALUE',
    line: '<0>1 - - - - - -',
    expect: {
      format: 'rfc5424',
      facility: 0,
      severity: 0,
      timestamp: null,
      host: null,
      appName: null,
      procId: null,
      msgId: null,
      message: '',
    },
  },
  {
    name: 'RFC 5424 SD without params',
    line: '<13>1 2026-01-02T03:04:05+01:00 h a p m [origin] text',
    expect: {
      timestamp: new Date('2026-01-02T02:04:05Z'),
      structuredData: [{ id: 'origin', params: [] }],
      message: 'text',
    },
  },
  {
    name: 'RFC 5424 UTF-8 message',
    line: '<13>1 - h a - - - \uFEFFgrüße 日本',
    expect: { message: 'grüße 日本' },
  },
  {
    name: 'RFC 5424 invalid date falls back',
    line: '<13>1 2026-02-30T00:00:00Z h a - - - text',
    expect: { format: 'rfc3164', timestamp: null },
  },
  {
    name: 'RFC 5424 leap second',
    line: '<13>1 2016-12-31T23:59:60Z h a - - - m',
    expect: { format: 'rfc5424', timestamp: new Date('2016-12-31T23:59:59.999Z'), host: 'h' },
  },
  {
    name: 'RFC 5424 leap second with offset',
    line: '<13>1 2016-12-31T15:59:60.5-08:00 h a - - - m',
    expect: { format: 'rfc5424', timestamp: new Date('2016-12-31T23:59:59.999Z') },
  },
  {
    name: 'RFC 5424 second 61 falls back',
    line: '<13>1 2016-12-31T23:59:61Z h a - - - m',
    expect: { format: 'rfc3164', timestamp: null },
  },
  {
    name: 'RFC 5424 hour 24 falls back',
    line: '<13>1 2026-01-02T24:00:00Z h a - - - m',
    expect: { format: 'rfc3164', timestamp: null },
  },
  {
    name: 'RFC 5424 without offset falls back',
    line: '<13>1 2026-01-02T10:00:00 h a - - - m',
    expect: { format: 'rfc3164', timestamp: null },
  },
  {
    name: 'RFC 5424 NILVALUE timestamp',
    line: '<13>1 - h a - - - m',
    expect: { format: 'rfc5424', timestamp: null, host: 'h', appName: 'a', message: 'm' },
  },
  {
    name: 'RFC 5424 unterminated SD falls back',
    line: '<13>1 - h a - - [x@1 a="b" text',
    expect: { format: 'rfc3164' },
  },
  {
    name: 'RFC 5424 SD glued to message falls back',
    line: '<13>1 - h a - - [x@1]text',
    expect: { format: 'rfc3164' },
  },
  {
    name: 'RFC 3164 full header',
    line: '<13>Jan  1 23:59:58 web1.example.test sshd[4242]: Accepted publickey',
    expect: {
      format: 'rfc3164',
      facility: 1,
      severity: 5,
      timestamp: new Date(2026, 0, 1, 23, 59, 58),
      host: 'web1.example.test',
      appName: 'sshd',
      procId: '4242',
      message: 'Accepted publickey',
    },
  },
  {
    name: 'RFC 3164 December in January',
    line: '<86>Dec 31 23:59:59 host cron: job',
    expect: { timestamp: new Date(2025, 11, 31, 23, 59, 59), host: 'host', appName: 'cron' },
  },
  {
    name: 'RFC 3164 two-digit day without padding',
    line: '<13>Jan 2 11:00:00 host app: m',
    expect: { timestamp: new Date(2026, 0, 2, 11, 0, 0) },
  },
  {
    name: 'RFC 3164 year and milliseconds',
    line: '<13>Mar 10 2024 08:09:10.123 host app: m',
    expect: { timestamp: new Date(2024, 2, 10, 8, 9, 10, 123) },
  },
  {
    name: 'RFC 3164 without host',
    line: '<13>Jan  2 11:00:00 app[7]: no host here',
    expect: { host: null, appName: 'app', procId: '7', message: 'no host here' },
  },
  {
    name: 'RFC 3164 without timestamp',
    line: '<13>app: just a tag',
    expect: { timestamp: null, host: null, appName: 'app', message: 'just a tag' },
  },
  {
    name: 'RFC 3164 impossible date',
    line: '<13>Feb 30 10:00:00 host app: m',
    expect: { timestamp: null, host: 'host', appName: 'app' },
  },
  {
    name: 'RFC 3164 impossible date, tag only',
    line: '<13>Feb 30 10:00:00 host3164 tag:',
    expect: { timestamp: null, host: 'host3164', appName: 'tag', message: '' },
  },
  {
    name: 'RFC 3164 impossible RFC 3339 date',
    line: '<13>2026-02-30T10:00:00Z host app: m',
    expect: { timestamp: null, host: 'host', appName: 'app', message: 'm' },
  },
  {
    name: 'RFC 3164 leap second',
    line: '<13>Dec 31 2016 23:59:60 host app: m',
    expect: { timestamp: new Date(2016, 11, 31, 23, 59, 59, 999), host: 'host' },
  },
  {
    name: 'RFC 3164 RFC 3339 timestamp',
    line: '<13>2026-01-02T10:00:00.5Z host app: m',
    expect: { timestamp: new Date('2026-01-02T10:00:00.500Z'), host: 'host' },
  },
  {
    name: 'RFC 3164 host with invalid characters',
    line: '<13>Jan  2 11:00:00 h%st app: m',
    expect: { host: null, appName: 'h%st', message: 'app: m' },
  },
  {
    name: 'PRI zero',
    line: '<0>Jan  2 11:00:00 host kernel: panic',
    expect: { facility: 0, severity: 0, appName: 'kernel' },
  },
  {
    name: 'PRI maximum',
    line: '<191>1 - - - - - - x',
    expect: { facility: 23, severity: 7, format: 'rfc5424' },
  },
  {
    name: 'PRI above 191',
    line: '<192>1 - - - - - - x',
    expect: { format: 'unknown', facility: 1, severity: 5, message: '<192>1 - - - - - - x' },
  },
  {
    name: 'PRI with leading zero',
    line: '<013>hello',
    expect: { format: 'unknown', message: '<013>hello' },
  },
  {
    name: 'PRI not a number',
    line: '<ab>hello',
    expect: { format: 'unknown' },
  },
  {
    name: 'PRI unterminated',
    line: '<13 hello',
    expect: { format: 'unknown' },
  },
  {
    name: 'plain line',
    line: 'just some text',
    expect: { format: 'unknown', host: null, message: 'just some text' },
  },
  {
    name: 'empty after PRI',
    line: '<13>',
    expect: { format: 'rfc3164', message: '', appName: null },
  },
];

describe('syslog message parsing', () => {
  for (const { name, line, expect } of cases) {
    test(name, () => {
      const parsed = parseText(line, RECEIVED);
      for (const [field, value] of Object.entries(expect)) {
        assert.deepEqual(parsed[field as keyof ParsedMessage], value, `${field} of ${line}`);
      }
    });
  }

  test('invalid UTF-8 kept in base64', () => {
    const bytes = Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0x61, 0x3a, 0x20, 0xff, 0xfe, 0x41]);
    const decoded = parseMessage(bytes, RECEIVED);
    assert.equal(decoded.rawBase64, bytes.toString('base64'));
    assert.equal(decoded.parsed.message, '\uFFFD\uFFFDA');
  });

  test('valid UTF-8 has no base64 copy', () => {
    const decoded = parseMessage(Buffer.from('<13>a: grüße'), RECEIVED);
    assert.equal(decoded.rawBase64, null);
    assert.equal(decoded.raw, '<13>a: grüße');
  });
});
