import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import {
  parseKdigJson,
  TestStack,
  waitFor,
  type DnsQueryOptions,
  type DnsResponse,
  type GraphqlResponse,
} from '../helpers/stack';

/** How soon a change made through GraphQL must be served by the nameserver. */
const VISIBLE_WITHIN_MS = 1000;

const CREATE_ZONE = `
  mutation ($input: CreateZoneInput!) {
    createZone(input: $input) { name soa { primary hostmaster serial } }
  }`;
const UPDATE_ZONE = `
  mutation ($input: UpdateZoneInput!) { updateZone(input: $input) { name soa { serial refresh } } }`;
const DELETE_ZONE = `
  mutation ($input: DeleteZoneInput!) { deleteZone(input: $input) { name deletedRecords } }`;
const RECORD_FIELDS = 'id zone name type ttl networks content text';
const CREATE_RECORD = `
  mutation ($input: CreateRecordInput!) { createRecord(input: $input) { ${RECORD_FIELDS} } }`;
const UPDATE_RECORD = `
  mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { ${RECORD_FIELDS} } }`;
const DELETE_RECORD = `
  mutation ($input: DeleteRecordInput!) { deleteRecord(input: $input) { id } }`;
const ZONE = `
  query ($name: String!) {
    zone(name: $name) { name soa { serial } records { totalCount nodes { name type content } } }
  }`;
const RECORD_COUNT = `query ($zone: String!) { records(zone: $zone) { totalCount } }`;
const ZONE_COUNT = `{ zones { totalCount } }`;
const DNS_SETTINGS = `{ dnsSettings { nameservers hostmaster defaultTtl } }`;
const UPDATE_DNS_SETTINGS = `
  mutation ($input: UpdateDnsSettingsInput!) {
    updateDnsSettings(input: $input) { nameservers hostmaster defaultTtl }
  }`;
const DNS_STATS = `
  {
    dnsStats {
      queriesByType { name count }
      responsesByRcode { name count }
      queriesByTransport { name count }
    }
  }`;

interface ZoneResult {
  name: string;
  soa: { primary: string; hostmaster: string; serial: number };
}

interface RecordResult {
  id: string;
  zone: string;
  name: string;
  type: string;
  ttl: number;
  networks: string[];
  content: string;
  text: string[] | null;
}

async function createZone(stack: TestStack, input: Record<string, unknown>): Promise<ZoneResult> {
  const data = await stack.mutate<{ createZone: ZoneResult }>(CREATE_ZONE, { input });
  return data.createZone;
}

async function createRecord(
  stack: TestStack,
  input: Record<string, unknown>,
): Promise<RecordResult> {
  const data = await stack.mutate<{ createRecord: RecordResult }>(CREATE_RECORD, { input });
  return data.createRecord;
}

async function updateRecord(
  stack: TestStack,
  input: Record<string, unknown>,
): Promise<RecordResult> {
  const data = await stack.mutate<{ updateRecord: RecordResult }>(UPDATE_RECORD, { input });
  return data.updateRecord;
}

async function recordCount(stack: TestStack, zone: string): Promise<number> {
  const data = await stack.mutate<{ records: { totalCount: number } }>(RECORD_COUNT, { zone });
  return data.records.totalCount;
}

async function zoneCount(stack: TestStack): Promise<number> {
  const data = await stack.mutate<{ zones: { totalCount: number } }>(ZONE_COUNT);
  return data.zones.totalCount;
}

async function zoneSerial(stack: TestStack, name: string): Promise<number> {
  const data = await stack.mutate<{ zone: { soa: { serial: number } } | null }>(ZONE, { name });
  assert.ok(data.zone, `zone ${name} should exist`);
  return data.zone.soa.serial;
}

/** Reads the serial from the SOA RDATA kdig prints: MNAME RNAME SERIAL REFRESH ... */
function soaSerialOf(response: DnsResponse): number {
  const soa = response.answer.find((rr) => rr.type === 'SOA');
  assert.ok(soa, `no SOA in the answer: ${JSON.stringify(response)}`);
  return Number(soa.data.split(/\s+/)[2]);
}

/** Queries until `accept` holds for the response, for at most VISIBLE_WITHIN_MS. */
function waitForAnswer(
  stack: TestStack,
  name: string,
  type: string,
  accept: (response: DnsResponse) => boolean,
  options: DnsQueryOptions = {},
): Promise<DnsResponse> {
  return waitFor(
    async () => {
      const response = await stack.query(name, type, options);
      if (!accept(response)) throw new Error(`response ${JSON.stringify(response)}`);
      return response;
    },
    { timeoutMs: VISIBLE_WITHIN_MS, what: `the expected ${name} ${type} answer` },
  );
}

function answerData(response: DnsResponse, type: string): string[] {
  return response.answer
    .filter((rr) => rr.type === type)
    .map((rr) => rr.data)
    .sort();
}

/** Formats a UTC date as the YYYYMMDD number that starts a date-based serial. */
function serialDate(date: Date): number {
  return date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
}

function firstError(response: GraphqlResponse<unknown>) {
  assert.ok(response.errors?.length, `expected an error, got ${JSON.stringify(response)}`);
  return response.errors[0];
}

describe('dns service through the gateway', () => {
  let stack: TestStack;

  before(async () => {
    stack = await TestStack.start();
  });

  after(async () => {
    await stack.stop();
  });

  test('createZone serves SOA and NS', async () => {
    const zone = await createZone(stack, { name: 'Apex.Example.TEST.' });
    assert.equal(zone.name, 'apex.example.test');
    assert.equal(zone.soa.primary, 'ns1.paas-shack.test');

    for (const tcp of [false, true]) {
      const soa = await waitForAnswer(
        stack,
        'apex.example.test',
        'SOA',
        (r) => r.answer.length > 0,
        { tcp },
      );
      assert.equal(soa.rcode, 'NOERROR', `SOA rcode over ${tcp ? 'TCP' : 'UDP'}`);
      assert.equal(soa.aa, true, `SOA AA over ${tcp ? 'TCP' : 'UDP'}`);
      assert.equal(soaSerialOf(soa), zone.soa.serial);
      assert.match(soa.answer[0].data, /^ns1\.paas-shack\.test\. hostmaster\.paas-shack\.test\. /);

      const ns = await stack.query('APEX.example.test', 'NS', { tcp });
      assert.equal(ns.rcode, 'NOERROR', `NS rcode over ${tcp ? 'TCP' : 'UDP'}`);
      assert.equal(ns.aa, true, `NS AA over ${tcp ? 'TCP' : 'UDP'}`);
      assert.deepEqual(answerData(ns, 'NS'), ['ns1.paas-shack.test.', 'ns2.paas-shack.test.']);
    }

    const listed = await stack.mutate<{ zone: { name: string } | null }>(ZONE, {
      name: 'APEX.EXAMPLE.TEST',
    });
    assert.equal(listed.zone?.name, 'apex.example.test');
  });

  test('createZone duplicate returns CONFLICT', async () => {
    await createZone(stack, { name: 'dup.example.test' });
    const zones = await zoneCount(stack);

    for (const name of ['dup.example.test', 'DUP.Example.Test.']) {
      const response = await stack.graphql(CREATE_ZONE, { input: { name } });
      const error = firstError(response);
      assert.equal(error.extensions?.code, 'CONFLICT', name);
      assert.equal(error.extensions?.field, 'input.name', name);
    }
    assert.equal(await zoneCount(stack), zones);
  });

  const recordCases: {
    name: string;
    input: Record<string, unknown>;
    query: [string, string];
    content: string;
    ttl: number;
  }[] = [
    {
      name: 'A record',
      input: { name: 'www', type: 'A', address: '192.0.2.10', ttl: 300 },
      query: ['www.types.example.test', 'A'],
      content: '192.0.2.10',
      ttl: 300,
    },
    {
      name: 'AAAA record canonical form',
      input: { name: 'www', type: 'AAAA', address: '2001:DB8:0:0::10' },
      query: ['www.types.example.test', 'AAAA'],
      content: '2001:db8::10',
      ttl: 3600,
    },
    {
      name: 'CNAME record',
      input: { name: 'alias', type: 'CNAME', target: 'WWW.types.example.test.' },
      query: ['alias.types.example.test', 'CNAME'],
      content: 'www.types.example.test.',
      ttl: 3600,
    },
    {
      name: 'MX record at apex',
      input: { name: '@', type: 'MX', preference: 10, target: 'mail.types.example.test' },
      query: ['types.example.test', 'MX'],
      content: '10 mail.types.example.test.',
      ttl: 3600,
    },
    {
      name: 'null MX record',
      input: { name: 'nomail', type: 'MX', preference: 0, target: '.' },
      query: ['nomail.types.example.test', 'MX'],
      content: '0 .',
      ttl: 3600,
    },
    {
      name: 'SRV record',
      input: {
        name: '_sip._tcp',
        type: 'SRV',
        priority: 10,
        weight: 20,
        port: 5060,
        target: 'sip.types.example.test',
      },
      query: ['_sip._tcp.types.example.test', 'SRV'],
      content: '10 20 5060 sip.types.example.test.',
      ttl: 3600,
    },
    {
      name: 'CAA issue record',
      input: { name: '@', type: 'CAA', flags: 0, tag: 'issue', value: 'ca.example.net' },
      query: ['types.example.test', 'CAA'],
      content: '0 issue "ca.example.net"',
      ttl: 3600,
    },
    {
      name: 'CAA iodef record',
      input: {
        name: 'caa',
        type: 'CAA',
        flags: 128,
        tag: 'IODEF',
        value: 'mailto:security@example.test',
      },
      query: ['caa.types.example.test', 'CAA'],
      content: '128 iodef "mailto:security@example.test"',
      ttl: 3600,
    },
    {
      name: 'TXT record with quotes',
      input: { name: 'txt', type: 'TXT', text: ['v=spf1 -all', 'say "hi"'] },
      query: ['txt.types.example.test', 'TXT'],
      content: '"v=spf1 -all" "say \\"hi\\""',
      ttl: 3600,
    },
    {
      name: 'PTR record',
      input: { name: '10.2', type: 'PTR', target: 'www.types.example.test' },
      query: ['10.2.types.example.test', 'PTR'],
      content: 'www.types.example.test.',
      ttl: 3600,
    },
  ];

  describe('record types', () => {
    before(async () => {
      await createZone(stack, { name: 'types.example.test' });
    });

    for (const c of recordCases) {
      test(c.name, async () => {
        const record = await createRecord(stack, { zone: 'types.example.test', ...c.input });
        assert.equal(record.content, c.content);
        assert.equal(record.ttl, c.ttl);

        const [name, type] = c.query;
        const response = await waitForAnswer(stack, name, type, (r) =>
          answerData(r, type).includes(c.content),
        );
        assert.equal(response.rcode, 'NOERROR');
        assert.equal(response.aa, true);
        const served = response.answer.find((rr) => rr.type === type && rr.data === c.content);
        assert.equal(served?.ttl, c.ttl);
      });
    }

    test('TXT over 255 bytes split', async () => {
      const long = `v=long ${'x'.repeat(293)}`;
      const record = await createRecord(stack, {
        zone: 'types.example.test',
        name: 'long',
        type: 'TXT',
        text: [long],
      });
      assert.deepEqual(record.text, [long.slice(0, 255), long.slice(255)]);
      assert.equal(record.content, `"${long.slice(0, 255)}" "${long.slice(255)}"`);

      const response = await waitForAnswer(
        stack,
        'long.types.example.test',
        'TXT',
        (r) => r.answer.length > 0,
      );
      const [rr] = response.answer;
      assert.equal(rr.data, record.content);
      // RDATA is <length><bytes> per character-string: 255 bytes, then the remaining 45.
      const rdata = Buffer.from(rr.hex, 'hex');
      assert.equal(rdata.length, 2 + 300);
      assert.equal(rdata[0], 255);
      assert.equal(rdata[256], 45);
      assert.equal(rdata.subarray(1, 256).toString(), long.slice(0, 255));
      assert.equal(rdata.subarray(257).toString(), long.slice(255));
    });

    test('CNAME answer follows chain', async () => {
      const response = await waitForAnswer(
        stack,
        'alias.types.example.test',
        'A',
        (r) => answerData(r, 'A').length > 0,
      );
      assert.deepEqual(answerData(response, 'CNAME'), ['www.types.example.test.']);
      assert.deepEqual(answerData(response, 'A'), ['192.0.2.10']);
    });

    test('NS delegation with glue', async () => {
      await createRecord(stack, {
        zone: 'types.example.test',
        name: 'sub',
        type: 'NS',
        target: 'ns.sub.types.example.test',
      });
      await createRecord(stack, {
        zone: 'types.example.test',
        name: 'ns.sub',
        type: 'A',
        address: '192.0.2.53',
      });

      const response = await waitForAnswer(stack, 'host.sub.types.example.test', 'A', (r) =>
        r.additional.some((rr) => rr.type === 'A'),
      );
      assert.equal(response.rcode, 'NOERROR');
      assert.equal(response.aa, false, 'a referral is not authoritative');
      assert.equal(response.answer.length, 0);
      assert.deepEqual(
        response.authority.map((rr) => `${rr.name} ${rr.type} ${rr.data}`),
        ['sub.types.example.test. NS ns.sub.types.example.test.'],
      );
      assert.deepEqual(
        response.additional.map((rr) => `${rr.name} ${rr.type} ${rr.data}`),
        ['ns.sub.types.example.test. A 192.0.2.53'],
      );
    });

    test('PTR in reverse zone', async () => {
      await createZone(stack, { name: '2.0.192.in-addr.arpa' });
      const record = await createRecord(stack, {
        zone: '2.0.192.in-addr.arpa',
        name: '10',
        type: 'PTR',
        target: 'www.types.example.test',
      });
      assert.equal(record.name, '10.2.0.192.in-addr.arpa');

      let last: DnsResponse | undefined;
      const response = await waitFor(
        async () => {
          const stdout = await stack.kdig(['+json', '-x', '192.0.2.10']);
          last = parseKdigJson(stdout);
          return last.answer.length > 0 ? last : undefined;
        },
        { timeoutMs: VISIBLE_WITHIN_MS, what: 'the PTR answer of 192.0.2.10' },
      );
      assert.equal(response.aa, true);
      assert.deepEqual(answerData(response, 'PTR'), ['www.types.example.test.']);
    });
  });

  test('changes served without restart', async () => {
    await createZone(stack, { name: 'live.example.test' });
    const record = await createRecord(stack, {
      zone: 'live.example.test',
      name: 'app',
      type: 'A',
      address: '192.0.2.20',
    });
    const created = await waitForAnswer(stack, 'app.live.example.test', 'A', (r) =>
      answerData(r, 'A').includes('192.0.2.20'),
    );
    assert.deepEqual(answerData(created, 'A'), ['192.0.2.20']);

    const updated = await updateRecord(stack, { id: record.id, address: '192.0.2.21' });
    assert.equal(updated.content, '192.0.2.21');
    const afterUpdate = await waitForAnswer(stack, 'app.live.example.test', 'A', (r) =>
      answerData(r, 'A').includes('192.0.2.21'),
    );
    assert.deepEqual(answerData(afterUpdate, 'A'), ['192.0.2.21']);

    const retimed = await updateRecord(stack, { id: record.id, ttl: 120 });
    assert.equal(retimed.content, '192.0.2.21', 'a TTL-only update keeps the address');
    const afterRetime = await waitForAnswer(
      stack,
      'app.live.example.test',
      'A',
      (r) => r.answer[0]?.ttl === 120,
    );
    assert.deepEqual(answerData(afterRetime, 'A'), ['192.0.2.21']);

    const renamed = await updateRecord(stack, { id: record.id, name: 'web' });
    assert.equal(renamed.name, 'web.live.example.test');
    await waitForAnswer(stack, 'web.live.example.test', 'A', (r) => r.answer.length > 0);
    const oldName = await waitForAnswer(
      stack,
      'app.live.example.test',
      'A',
      (r) => r.rcode === 'NXDOMAIN',
    );
    assert.equal(oldName.aa, true);

    const deleted = await stack.mutate<{ deleteRecord: { id: string } }>(DELETE_RECORD, {
      input: { id: record.id },
    });
    assert.equal(deleted.deleteRecord.id, record.id);
    const afterDelete = await waitForAnswer(
      stack,
      'web.live.example.test',
      'A',
      (r) => r.rcode === 'NXDOMAIN',
    );
    assert.equal(afterDelete.aa, true);
    assert.equal(afterDelete.authority[0]?.type, 'SOA', 'NXDOMAIN carries the SOA');
  });

  test('deleteZone removes records, REFUSED', async () => {
    await createZone(stack, { name: 'gone.example.test' });
    await createRecord(stack, {
      zone: 'gone.example.test',
      name: 'www',
      type: 'A',
      address: '192.0.2.30',
    });
    await waitForAnswer(stack, 'www.gone.example.test', 'A', (r) => r.answer.length > 0);

    const data = await stack.mutate<{ deleteZone: { name: string; deletedRecords: number } }>(
      DELETE_ZONE,
      { input: { name: 'GONE.example.test' } },
    );
    assert.equal(data.deleteZone.name, 'gone.example.test');
    assert.equal(data.deleteZone.deletedRecords, 3, 'two apex NS records and the A record');

    for (const [name, type] of [
      ['www.gone.example.test', 'A'],
      ['gone.example.test', 'SOA'],
    ]) {
      const response = await waitForAnswer(stack, name, type, (r) => r.rcode === 'REFUSED');
      assert.equal(response.answer.length, 0);
    }
    const zone = await stack.mutate<{ zone: unknown }>(ZONE, { name: 'gone.example.test' });
    assert.equal(zone.zone, null);
    const records = await stack.graphql(RECORD_COUNT, { zone: 'gone.example.test' });
    assert.equal(firstError(records).extensions?.code, 'NOT_FOUND');
    const again = await stack.graphql(DELETE_ZONE, { input: { name: 'gone.example.test' } });
    assert.equal(firstError(again).extensions?.code, 'NOT_FOUND');
    assert.equal(firstError(again).extensions?.field, 'input.name');
  });

  test('each change increases serial', async () => {
    const before = serialDate(new Date());
    const zone = await createZone(stack, { name: 'serial.example.test' });
    const after = serialDate(new Date());
    assert.match(String(zone.soa.serial), /^\d{10}$/);
    const date = Math.floor(zone.soa.serial / 100);
    assert.ok(date >= before, `serial ${zone.soa.serial} is dated before the request`);
    assert.ok(date <= after, `serial ${zone.soa.serial} is dated after the request`);
    assert.equal(zone.soa.serial % 100, 0, 'a new zone starts at nn = 00');

    let record: RecordResult | undefined;
    const steps: [string, () => Promise<unknown>][] = [
      [
        'createRecord',
        async () => {
          record = await createRecord(stack, {
            zone: 'serial.example.test',
            name: 'www',
            type: 'A',
            address: '192.0.2.40',
          });
        },
      ],
      ['updateRecord', () => updateRecord(stack, { id: record!.id, address: '192.0.2.41' })],
      ['deleteRecord', () => stack.mutate(DELETE_RECORD, { input: { id: record!.id } })],
      [
        'updateZone',
        () =>
          stack.mutate(UPDATE_ZONE, {
            input: { name: 'serial.example.test', soa: { retry: 600 } },
          }),
      ],
    ];

    let previous = zone.soa.serial;
    for (const [step, run] of steps) {
      await run();
      const serial = await zoneSerial(stack, 'serial.example.test');
      assert.ok(serial > previous, `${step}: serial ${serial} is not above ${previous}`);
      assert.match(String(serial), /^\d{10}$/, step);
      const served = await waitForAnswer(
        stack,
        'serial.example.test',
        'SOA',
        (r) => r.answer.length > 0 && soaSerialOf(r) === serial,
      );
      assert.equal(soaSerialOf(served), serial, step);
      previous = serial;
    }
  });

  test('split horizon by source address', async () => {
    await createZone(stack, { name: 'split.example.test' });
    await createRecord(stack, {
      zone: 'split.example.test',
      name: 'web',
      type: 'A',
      address: '192.0.2.1',
    });
    const scoped = await createRecord(stack, {
      zone: 'split.example.test',
      name: 'web',
      type: 'A',
      address: '192.0.2.2',
      networks: ['127.0.0.2/32'],
    });
    assert.deepEqual(scoped.networks, ['127.0.0.2/32']);

    const inside = await waitForAnswer(
      stack,
      'web.split.example.test',
      'A',
      (r) => answerData(r, 'A').includes('192.0.2.2'),
      { source: '127.0.0.2' },
    );
    assert.deepEqual(answerData(inside, 'A'), ['192.0.2.2']);
    const outside = await stack.query('web.split.example.test', 'A', { source: '127.0.0.1' });
    assert.deepEqual(answerData(outside, 'A'), ['192.0.2.1']);
    const outsideTcp = await stack.query('web.split.example.test', 'A', {
      source: '127.0.0.1',
      tcp: true,
    });
    assert.deepEqual(answerData(outsideTcp, 'A'), ['192.0.2.1']);
    const insideTcp = await stack.query('web.split.example.test', 'A', {
      source: '127.0.0.2',
      tcp: true,
    });
    assert.deepEqual(answerData(insideTcp, 'A'), ['192.0.2.2']);
  });

  test('name outside zone is relative', async () => {
    // A name that does not end in the apex is relative to it, as in a zone file, so
    // www.other.test in zone rel.example.test is stored as www.other.test.rel.example.test.
    await createZone(stack, { name: 'rel.example.test' });
    const record = await createRecord(stack, {
      zone: 'rel.example.test',
      name: 'www.other.test',
      type: 'A',
      address: '192.0.2.50',
    });
    assert.equal(record.name, 'www.other.test.rel.example.test');
    const served = await waitForAnswer(
      stack,
      'www.other.test.rel.example.test',
      'A',
      (r) => r.answer.length > 0,
    );
    assert.deepEqual(answerData(served, 'A'), ['192.0.2.50']);
    const outside = await stack.query('www.other.test', 'A');
    assert.equal(outside.rcode, 'REFUSED');

    // With a trailing dot the name is absolute, so one outside the zone is rejected.
    const count = await recordCount(stack, 'rel.example.test');
    const absolute = await stack.graphql(CREATE_RECORD, {
      input: {
        zone: 'rel.example.test',
        name: 'www.other.test.',
        type: 'A',
        address: '192.0.2.51',
      },
    });
    assert.equal(firstError(absolute).extensions?.code, 'BAD_USER_INPUT');
    assert.equal(firstError(absolute).extensions?.field, 'input.name');
    assert.equal(await recordCount(stack, 'rel.example.test'), count);
  });

  describe('invalid inputs', () => {
    const zone = 'invalid.example.test';
    let cnameId = '';

    before(async () => {
      await createZone(stack, { name: zone });
      await createZone(stack, { name: `child.${zone}` });
      await createRecord(stack, { zone, name: 'www', type: 'A', address: '192.0.2.1' });
      const cname = await createRecord(stack, {
        zone,
        name: 'alias',
        type: 'CNAME',
        target: `www.${zone}`,
      });
      cnameId = cname.id;
    });

    const record = (fields: Record<string, unknown>) => ({
      document: CREATE_RECORD,
      variables: { input: { zone, name: 'new', ...fields } },
    });
    const zoneNamed = (name: string) => ({
      document: CREATE_ZONE,
      variables: { input: { name } },
    });
    const page = (args: Record<string, unknown>) => ({
      document: `query ($first: Int, $after: String) {
        records(zone: "${zone}", first: $first, after: $after) { totalCount }
      }`,
      variables: args,
    });

    const cases: {
      name: string;
      request: () => { document: string; variables: Record<string, unknown> };
      code: string;
      field: string | undefined;
    }[] = [
      {
        name: 'A bad IPv4',
        request: () => record({ type: 'A', address: '192.0.2.256' }),
        code: 'BAD_USER_INPUT',
        field: 'input.address',
      },
      {
        name: 'A given IPv6',
        request: () => record({ type: 'A', address: '2001:db8::1' }),
        code: 'BAD_USER_INPUT',
        field: 'input.address',
      },
      {
        name: 'AAAA bad IPv6',
        request: () => record({ type: 'AAAA', address: '2001:db8::g' }),
        code: 'BAD_USER_INPUT',
        field: 'input.address',
      },
      {
        name: 'A missing address',
        request: () => record({ type: 'A' }),
        code: 'BAD_USER_INPUT',
        field: 'input.address',
      },
      {
        name: 'CNAME bad target',
        request: () => record({ type: 'CNAME', target: 'bad_host.example.test' }),
        code: 'BAD_USER_INPUT',
        field: 'input.target',
      },
      {
        name: 'NS target with space',
        request: () => record({ type: 'NS', target: 'ns 1.example.test' }),
        code: 'BAD_USER_INPUT',
        field: 'input.target',
      },
      {
        name: 'MX preference 70000',
        request: () => record({ type: 'MX', preference: 70000, target: 'mail.example.test' }),
        code: 'BAD_USER_INPUT',
        field: 'input.preference',
      },
      {
        name: 'SRV owner without service',
        request: () =>
          record({ type: 'SRV', priority: 1, weight: 1, port: 5060, target: 'sip.example.test' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        name: 'SRV port -1',
        request: () =>
          record({
            name: '_sip._tcp',
            type: 'SRV',
            priority: 1,
            weight: 1,
            port: -1,
            target: 'sip.example.test',
          }),
        code: 'BAD_USER_INPUT',
        field: 'input.port',
      },
      {
        name: 'CAA bad tag',
        request: () => record({ type: 'CAA', flags: 0, tag: 'is-sue', value: 'ca.example.net' }),
        code: 'BAD_USER_INPUT',
        field: 'input.tag',
      },
      {
        name: 'CAA iodef not URL',
        request: () => record({ type: 'CAA', flags: 0, tag: 'iodef', value: 'not a url' }),
        code: 'BAD_USER_INPUT',
        field: 'input.value',
      },
      {
        name: 'TTL -1',
        request: () => record({ type: 'A', address: '192.0.2.9', ttl: -1 }),
        code: 'BAD_USER_INPUT',
        field: 'input.ttl',
      },
      {
        // GraphQL Int is 32-bit signed, so 2^31 fails variable coercion in the subgraph before
        // any resolver runs; the field comes from the path graphql-js names in its message.
        name: 'TTL 2^31',
        request: () => record({ type: 'A', address: '192.0.2.9', ttl: 2 ** 31 }),
        code: 'BAD_USER_INPUT',
        field: 'input.ttl',
      },
      {
        name: 'CIDR with host bits',
        request: () => record({ type: 'A', address: '192.0.2.9', networks: ['192.0.2.1/24'] }),
        code: 'BAD_USER_INPUT',
        field: 'input.networks[0]',
      },
      {
        name: 'network not CIDR',
        request: () =>
          record({ type: 'A', address: '192.0.2.9', networks: ['10.0.0.0/8', 'not-a-cidr'] }),
        code: 'BAD_USER_INPUT',
        field: 'input.networks[1]',
      },
      {
        name: 'CNAME at apex',
        request: () => record({ name: '@', type: 'CNAME', target: 'www.example.test' }),
        code: 'BAD_USER_INPUT',
        field: 'input.type',
      },
      {
        name: 'CNAME beside A',
        request: () => record({ name: 'www', type: 'CNAME', target: 'other.example.test' }),
        code: 'CONFLICT',
        field: 'input.type',
      },
      {
        name: 'A beside CNAME',
        request: () => record({ name: 'alias', type: 'A', address: '192.0.2.9' }),
        code: 'CONFLICT',
        field: 'input.type',
      },
      {
        name: 'duplicate A record',
        request: () => record({ name: 'WWW', type: 'A', address: '192.0.2.1' }),
        code: 'CONFLICT',
        field: 'input',
      },
      {
        name: 'name inside child zone',
        request: () => record({ name: 'www.child', type: 'A', address: '192.0.2.9' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        name: 'owner name bad label',
        request: () => record({ name: 'bad label', type: 'A', address: '192.0.2.9' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        name: 'preference on A record',
        request: () => record({ type: 'A', address: '192.0.2.9', preference: 10 }),
        code: 'BAD_USER_INPUT',
        field: 'input.preference',
      },
      {
        name: 'unknown zone',
        request: () => ({
          document: CREATE_RECORD,
          variables: {
            input: { zone: 'missing.example.test', name: 'www', type: 'A', address: '192.0.2.9' },
          },
        }),
        code: 'NOT_FOUND',
        field: 'input.zone',
      },
      {
        name: 'update unknown record',
        request: () => ({
          document: UPDATE_RECORD,
          variables: { input: { id: 'ffffffffffffffffffffffff', address: '192.0.2.9' } },
        }),
        code: 'NOT_FOUND',
        field: 'input.id',
      },
      {
        name: 'update CNAME bad target',
        request: () => ({
          document: UPDATE_RECORD,
          variables: { input: { id: cnameId, target: 'bad_host' } },
        }),
        code: 'BAD_USER_INPUT',
        field: 'input.target',
      },
      {
        name: 'zone name with space',
        request: () => zoneNamed('exa mple.test'),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        name: 'zone name leading hyphen',
        request: () => zoneNamed('-bad.test'),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        name: 'zone name 300 characters',
        request: () => zoneNamed(`${'a'.repeat(60)}.`.repeat(5) + 'test'),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        name: 'zone bad name server',
        request: () => ({
          document: CREATE_ZONE,
          variables: { input: { name: 'ns.example.test', nameservers: ['ns_1.example.test'] } },
        }),
        code: 'BAD_USER_INPUT',
        field: 'input.nameservers[0]',
      },
      {
        name: 'records first 0',
        request: () => page({ first: 0 }),
        code: 'BAD_USER_INPUT',
        field: 'first',
      },
      {
        name: 'records first 10000',
        request: () => page({ first: 10000 }),
        code: 'BAD_USER_INPUT',
        field: 'first',
      },
      {
        name: 'records bad cursor',
        request: () => page({ after: 'not-a-cursor' }),
        code: 'BAD_USER_INPUT',
        field: 'after',
      },
    ];

    for (const c of cases) {
      test(c.name, async () => {
        const records = await recordCount(stack, zone);
        const zones = await zoneCount(stack);
        const { document, variables } = c.request();

        const response = await stack.graphql(document, variables);
        const error = firstError(response);
        assert.equal(error.extensions?.code, c.code, error.message);
        assert.equal(error.extensions?.field, c.field, error.message);

        assert.equal(await recordCount(stack, zone), records, 'records stored');
        assert.equal(await zoneCount(stack), zones, 'zones stored');
      });
    }

    test('update keeps record on error', async () => {
      const response = await stack.graphql(UPDATE_RECORD, {
        input: { id: cnameId, target: 'bad_host' },
      });
      assert.equal(firstError(response).extensions?.code, 'BAD_USER_INPUT');
      const served = await stack.query(`alias.${zone}`, 'CNAME');
      assert.deepEqual(answerData(served, 'CNAME'), [`www.${zone}.`]);
    });
  });

  test('dnsStats counts queries and REFUSED', async () => {
    await createZone(stack, { name: 'stats.example.test' });
    await createRecord(stack, {
      zone: 'stats.example.test',
      name: 'www',
      type: 'A',
      address: '192.0.2.60',
    });
    await waitForAnswer(stack, 'www.stats.example.test', 'A', (r) => r.answer.length > 0);

    type Stats = {
      dnsStats: Record<
        'queriesByType' | 'responsesByRcode' | 'queriesByTransport',
        { name: string; count: number }[]
      >;
    };
    const read = async () => {
      const { dnsStats } = await stack.mutate<Stats>(DNS_STATS);
      const count = (list: { name: string; count: number }[], name: string) =>
        list.find((c) => c.name === name)?.count ?? 0;
      return {
        a: count(dnsStats.queriesByType, 'A'),
        aaaa: count(dnsStats.queriesByType, 'AAAA'),
        noerror: count(dnsStats.responsesByRcode, 'NOERROR'),
        refused: count(dnsStats.responsesByRcode, 'REFUSED'),
        udp: count(dnsStats.queriesByTransport, 'udp'),
        tcp: count(dnsStats.queriesByTransport, 'tcp'),
      };
    };

    const before = await read();
    await stack.query('www.stats.example.test', 'A');
    await stack.query('www.stats.example.test', 'A', { tcp: true });
    await stack.query('www.stats.example.test', 'AAAA');
    const refused = await stack.query('www.elsewhere.test', 'A');
    assert.equal(refused.rcode, 'REFUSED');
    const after = await read();

    assert.equal(after.a - before.a, 3, 'A queries');
    assert.equal(after.aaaa - before.aaaa, 1, 'AAAA queries');
    assert.equal(after.noerror - before.noerror, 3, 'NOERROR responses');
    assert.equal(after.refused - before.refused, 1, 'REFUSED responses');
    assert.equal(after.udp - before.udp, 3, 'UDP messages');
    assert.equal(after.tcp - before.tcp, 1, 'TCP messages');
  });
});

describe('dns runtime settings', () => {
  let stack: TestStack;

  before(async () => {
    stack = await TestStack.start();
  });

  after(async () => {
    await stack.stop();
  });

  test('updateDnsSettings applies to next zone', async () => {
    await createZone(stack, { name: 'before.example.test' });
    const data = await stack.mutate<{ updateDnsSettings: Record<string, unknown> }>(
      UPDATE_DNS_SETTINGS,
      {
        input: {
          nameservers: ['NS1.Example.TEST', 'ns2.example.test.'],
          hostmaster: 'admin@example.test',
          defaultTtl: 600,
        },
      },
    );
    assert.deepEqual(data.updateDnsSettings, {
      nameservers: ['ns1.example.test', 'ns2.example.test'],
      hostmaster: 'admin.example.test',
      defaultTtl: 600,
    });

    const zone = await createZone(stack, { name: 'after.example.test' });
    assert.equal(zone.soa.primary, 'ns1.example.test');
    assert.equal(zone.soa.hostmaster, 'admin.example.test');
    const ns = await waitForAnswer(stack, 'after.example.test', 'NS', (r) => r.answer.length > 0);
    assert.deepEqual(answerData(ns, 'NS'), ['ns1.example.test.', 'ns2.example.test.']);
    const record = await createRecord(stack, {
      zone: 'after.example.test',
      name: 'www',
      type: 'A',
      address: '192.0.2.70',
    });
    assert.equal(record.ttl, 600);

    const old = await stack.query('before.example.test', 'NS');
    assert.deepEqual(answerData(old, 'NS'), ['ns1.paas-shack.test.', 'ns2.paas-shack.test.']);
  });

  const invalid: { name: string; input: Record<string, unknown>; field: string }[] = [
    {
      name: 'name server with space',
      input: { nameservers: ['ns 1.test'] },
      field: 'input.nameservers[0]',
    },
    { name: 'empty name server list', input: { nameservers: [] }, field: 'input.nameservers' },
    {
      name: 'hostmaster dotted mailbox',
      input: { hostmaster: 'a.b@example.test' },
      field: 'input.hostmaster',
    },
    { name: 'negative default TTL', input: { defaultTtl: -1 }, field: 'input.defaultTtl' },
    { name: 'negative refresh', input: { refresh: -5 }, field: 'input.refresh' },
  ];

  for (const c of invalid) {
    test(`updateDnsSettings ${c.name}`, async () => {
      const before = await stack.mutate(DNS_SETTINGS);
      const response = await stack.graphql(UPDATE_DNS_SETTINGS, { input: c.input });
      const error = firstError(response);
      assert.equal(error.extensions?.code, 'BAD_USER_INPUT', error.message);
      assert.equal(error.extensions?.field, c.field, error.message);
      assert.deepEqual(await stack.mutate(DNS_SETTINGS), before);
    });
  }
});

describe('dns restart', () => {
  test('zones survive restart', async () => {
    let stack = await TestStack.start();
    try {
      await createZone(stack, { name: 'persist.example.test' });
      await createRecord(stack, {
        zone: 'persist.example.test',
        name: 'www',
        type: 'A',
        address: '192.0.2.80',
      });
      await createRecord(stack, {
        zone: 'persist.example.test',
        name: '@',
        type: 'MX',
        preference: 10,
        target: 'mail.persist.example.test',
      });
      await stack.mutate(UPDATE_DNS_SETTINGS, { input: { defaultTtl: 900 } });
      const serial = await zoneSerial(stack, 'persist.example.test');
      const listed = await stack.mutate(ZONE, { name: 'persist.example.test' });

      stack = await stack.restart();

      const www = await stack.query('www.persist.example.test', 'A');
      assert.equal(www.aa, true);
      assert.deepEqual(answerData(www, 'A'), ['192.0.2.80']);
      const mx = await stack.query('persist.example.test', 'MX', { tcp: true });
      assert.deepEqual(answerData(mx, 'MX'), ['10 mail.persist.example.test.']);
      const soa = await stack.query('persist.example.test', 'SOA');
      assert.equal(soaSerialOf(soa), serial);
      assert.deepEqual(await stack.mutate(ZONE, { name: 'persist.example.test' }), listed);
      const settings = await stack.mutate<{ dnsSettings: { defaultTtl: number } }>(DNS_SETTINGS);
      assert.equal(settings.dnsSettings.defaultTtl, 900);

      await createRecord(stack, {
        zone: 'persist.example.test',
        name: 'api',
        type: 'A',
        address: '192.0.2.81',
      });
      assert.ok((await zoneSerial(stack, 'persist.example.test')) > serial);
    } finally {
      await stack.stop();
    }
  });
});

test('busy DNS port names the setting', async () => {
  const taken = createSocket('udp4');
  await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
  try {
    await assert.rejects(
      TestStack.start({ env: { PAAS_DNS_PORT: String(taken.address().port) } }),
      /already in use; change PAAS_DNS_PORT/,
    );
  } finally {
    taken.close();
  }
});

describe('dns data consistency rules', () => {
  let stack: TestStack;

  before(async () => {
    stack = await TestStack.start();
    await createZone(stack, { name: 'rules.example.test' });
  });

  after(async () => {
    await stack.stop();
  });

  const rejected: { name: string; input: Record<string, unknown>; code: string; field: string }[] =
    [
      {
        name: 'single-label target',
        input: { name: 'c1', type: 'CNAME', target: 'c2' },
        code: 'BAD_USER_INPUT',
        field: 'input.target',
      },
      {
        name: 'AAAA with zone index',
        input: { name: 'v6', type: 'AAAA', address: 'fe80::1%eth0' },
        code: 'BAD_USER_INPUT',
        field: 'input.address',
      },
    ];
  for (const { name, input, code, field } of rejected) {
    test(`rejects ${name}`, async () => {
      const before = await recordCount(stack, 'rules.example.test');
      const response = await stack.graphql(CREATE_RECORD, {
        input: { zone: 'rules.example.test', ...input },
      });
      const error = firstError(response);
      assert.equal(error.extensions?.code, code);
      assert.equal(error.extensions?.field, field);
      assert.equal(await recordCount(stack, 'rules.example.test'), before);
    });
  }

  test('accepts IPv4-mapped IPv6 network', async () => {
    const record = await createRecord(stack, {
      zone: 'rules.example.test',
      name: 'mapped',
      type: 'A',
      address: '192.0.2.50',
      networks: ['::ffff:127.0.0.0/104'],
    });
    assert.deepEqual(record.networks, ['::ffff:127.0.0.0/104']);
  });

  test('child zone over records is CONFLICT', async () => {
    await createRecord(stack, {
      zone: 'rules.example.test',
      name: 'x.child',
      type: 'A',
      address: '192.0.2.51',
    });
    const response = await stack.graphql(CREATE_ZONE, {
      input: { name: 'child.rules.example.test' },
    });
    const error = firstError(response);
    assert.equal(error.extensions?.code, 'CONFLICT');
    assert.match(error.message, /has 1 records at or below child\.rules\.example\.test/);
    const answer = await stack.query('x.child.rules.example.test', 'A');
    assert.deepEqual(answerData(answer, 'A'), ['192.0.2.51']);
  });

  test('last apex NS cannot be deleted', async () => {
    await createZone(stack, { name: 'onens.example.test', nameservers: ['ns1.example.test'] });
    const ns = await stack.mutate<{ records: { nodes: { id: string }[] } }>(
      'query { records(zone: "onens.example.test", type: NS) { nodes { id } } }',
    );
    assert.equal(ns.records.nodes.length, 1);
    const response = await stack.graphql(DELETE_RECORD, { input: { id: ns.records.nodes[0].id } });
    assert.equal(firstError(response).extensions?.code, 'CONFLICT');
  });

  test('more than 13 name servers rejected', async () => {
    const nameservers = Array.from({ length: 14 }, (_, i) => `ns${i}.example.test`);
    const response = await stack.graphql(CREATE_ZONE, {
      input: { name: 'manyns.example.test', nameservers },
    });
    const error = firstError(response);
    assert.equal(error.extensions?.field, 'input.nameservers');
    assert.equal(await zoneSerialOrNull(stack, 'manyns.example.test'), null);
  });

  test('record set over answer size rejected', async () => {
    const text = ['t'.repeat(40_000)];
    await createRecord(stack, { zone: 'rules.example.test', name: 'big', type: 'TXT', text });
    const response = await stack.graphql(CREATE_RECORD, {
      input: { zone: 'rules.example.test', name: 'big', type: 'TXT', text: ['u'.repeat(40_000)] },
    });
    const error = firstError(response);
    assert.equal(error.extensions?.code, 'CONFLICT');
    assert.match(error.message, /more than the 60000 that fit one answer/);
  });

  test('host accepts service owner names', async () => {
    await createRecord(stack, {
      zone: 'rules.example.test',
      name: '_sip._tcp',
      type: 'SRV',
      priority: 1,
      weight: 1,
      port: 5060,
      target: 'sip.rules.example.test',
    });
    const data = await stack.mutate<{ host: { records: { type: string }[] } }>(
      'query { host(name: "_sip._tcp.rules.example.test") { records { type } } }',
    );
    assert.deepEqual(
      data.host.records.map((r) => r.type),
      ['SRV'],
    );
  });

  test('failed mutation keeps others visible', async () => {
    const response = await stack.graphql(`
      mutation {
        good: createZone(input: { name: "ok.example.test" }) { name }
        bad: createZone(input: { name: "bad_name" }) { name }
      }`);
    const data = response.data as { good: { name: string } | null; bad: null };
    assert.equal(data.good?.name, 'ok.example.test');
    assert.equal(data.bad, null);
    assert.equal(firstError(response).extensions?.field, 'input.name');
  });

  test('IXFR is REFUSED', async () => {
    // kdig exits with an error when a transfer is refused, and names the response code.
    await assert.rejects(
      stack.kdig(['rules.example.test', 'IXFR=2026010100']),
      /server replied with error 'REFUSED'/,
    );
  });
});

async function zoneSerialOrNull(stack: TestStack, name: string): Promise<number | null> {
  const data = await stack.mutate<{ zone: { soa: { serial: number } } | null }>(
    'query ($name: String!) { zone(name: $name) { soa { serial } } }',
    { name },
  );
  return data.zone?.soa.serial ?? null;
}
