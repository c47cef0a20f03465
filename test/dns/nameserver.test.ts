import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import pino, { type Logger } from 'pino';
import { Nameserver, type NameserverConfig } from '../../subgraphs/dns/server/nameserver';
import { resolveQuestion } from '../../subgraphs/dns/server/resolver';
import { ZoneDataError, ZoneIndex } from '../../subgraphs/dns/server/zone-index';
import type { RecordData, SoaData, ZoneData } from '../../subgraphs/dns/zone-data';

const execFileAsync = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Fixture zones
// ---------------------------------------------------------------------------------------------

const SOA: SoaData = {
  primary: 'ns1.example.test',
  hostmaster: 'hostmaster.example.test',
  serial: 2024010101,
  refresh: 3600,
  retry: 600,
  expire: 604800,
  minimum: 300,
  ttl: 3600,
};
/** min(SOA ttl, SOA minimum), the TTL of negative answers (RFC 2308). */
const NEGATIVE_TTL = 300;
const BIG_RECORD_COUNT = 100;

let nextId = 0;
function rr(zone: string, name: string, type: RecordData['type'], fields: Partial<RecordData>) {
  nextId += 1;
  return { id: `r${nextId}`, zone, name, type, ttl: 60, networks: [], ...fields } as RecordData;
}

function exampleZone(): ZoneData {
  const z = 'example.test';
  const records: RecordData[] = [
    rr(z, z, 'NS', { target: 'ns1.example.test' }),
    rr(z, z, 'NS', { target: 'ns2.example.test' }),
    rr(z, z, 'CAA', { flags: 0, tag: 'issue', value: 'ca.example.net' }),
    rr(z, z, 'CAA', { flags: 128, tag: 'iodef', value: 'mailto:security@example.test' }),
    rr(z, 'ns1.example.test', 'A', { address: '192.0.2.53' }),
    rr(z, 'ns1.example.test', 'AAAA', { address: '2001:db8::53' }),
    rr(z, 'www.example.test', 'A', { address: '192.0.2.1' }),
    rr(z, 'www.example.test', 'AAAA', { address: '2001:db8::1' }),
    rr(z, 'alias.example.test', 'CNAME', { target: 'www.example.test' }),
    rr(z, 'chain1.example.test', 'CNAME', { target: 'chain2.example.test' }),
    rr(z, 'chain2.example.test', 'CNAME', { target: 'www.example.test' }),
    rr(z, 'loop1.example.test', 'CNAME', { target: 'loop2.example.test' }),
    rr(z, 'loop2.example.test', 'CNAME', { target: 'loop1.example.test' }),
    rr(z, 'dangling.example.test', 'CNAME', { target: 'missing.example.test' }),
    rr(z, 'cross.example.test', 'CNAME', { target: 'www.other.test' }),
    rr(z, 'mail.example.test', 'MX', { preference: 10, target: 'mx1.example.test' }),
    rr(z, 'mx1.example.test', 'A', { address: '192.0.2.25' }),
    rr(z, 'txt.example.test', 'TXT', { text: ['v=spf1 -all', 'second string'] }),
    rr(z, '_sip._tcp.example.test', 'SRV', {
      priority: 10,
      weight: 20,
      port: 5060,
      target: 'www.example.test',
    }),
    rr(z, '*.wild.example.test', 'A', { address: '192.0.2.80' }),
    rr(z, 'exists.wild.example.test', 'TXT', { text: ['exists'] }),
    rr(z, 'host.ent.wild.example.test', 'A', { address: '192.0.2.81' }),
    rr(z, 'host.ent.example.test', 'A', { address: '192.0.2.82' }),
    rr(z, 'sub.example.test', 'NS', { target: 'ns.sub.example.test' }),
    rr(z, 'sub.example.test', 'NS', { target: 'ns1.example.test' }),
    rr(z, 'ns.sub.example.test', 'A', { address: '192.0.2.54' }),
    rr(z, 'split.example.test', 'A', { address: '192.0.2.10' }),
    rr(z, 'split.example.test', 'A', { address: '192.0.2.20', networks: ['127.0.0.2/32'] }),
    rr(z, 'split.example.test', 'A', { address: '192.0.2.30', networks: ['127.0.0.0/8'] }),
    rr(z, 'split6.example.test', 'A', { address: '192.0.2.10' }),
    rr(z, 'split6.example.test', 'A', { address: '192.0.2.40', networks: ['2001:db8::/32'] }),
  ];
  for (let i = 1; i <= BIG_RECORD_COUNT; i++) {
    records.push(rr(z, 'big.example.test', 'A', { address: `192.0.2.${i}` }));
  }
  return { name: z, soa: SOA, records };
}

function otherZone(): ZoneData {
  const z = 'other.test';
  return {
    name: z,
    soa: { ...SOA, primary: 'ns1.other.test', hostmaster: 'hostmaster.other.test' },
    records: [
      rr(z, z, 'NS', { target: 'ns1.example.test' }),
      rr(z, 'www.other.test', 'A', { address: '192.0.2.90' }),
    ],
  };
}

function reverseZone(): ZoneData {
  const z = '2.0.192.in-addr.arpa';
  return {
    name: z,
    soa: SOA,
    records: [
      rr(z, z, 'NS', { target: 'ns1.example.test' }),
      rr(z, '1.2.0.192.in-addr.arpa', 'PTR', { target: 'www.example.test' }),
    ],
  };
}

function loadIndex(): ZoneIndex {
  const index = new ZoneIndex();
  const issues = index.replaceAll([exampleZone(), otherZone(), reverseZone()]);
  assert.deepEqual(issues, []);
  return index;
}

// ---------------------------------------------------------------------------------------------
// Helpers: server, kdig, raw sockets
// ---------------------------------------------------------------------------------------------

const silentLogger = pino({ level: 'silent' });

function config(overrides: Partial<NameserverConfig> = {}): NameserverConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    udpPayloadMax: 1232,
    tcpIdleTimeoutMs: 5000,
    tcpMaxConnections: 50,
    ...overrides,
  };
}

async function startServer(
  overrides: Partial<NameserverConfig> = {},
  index: ZoneIndex = loadIndex(),
  logger: Logger = silentLogger,
): Promise<Nameserver> {
  const server = new Nameserver(config(overrides), index, logger);
  await server.start();
  return server;
}

interface DigRecord {
  NAME: string;
  TYPEname: string;
  TTL: number;
  CLASS: number;
  RDATAHEX?: string;
  [field: string]: unknown;
}

interface DigReply {
  RCODE: number;
  AA: number;
  TC: number;
  QNAME?: string;
  QDCOUNT: number;
  ANCOUNT: number;
  answerRRs?: DigRecord[];
  authorityRRs?: DigRecord[];
  additionalRRs?: DigRecord[];
}

/** Runs kdig with JSON output (RFC 8427) against a server; never through a shell. */
async function kdig(server: Nameserver, args: string[]): Promise<DigReply> {
  const { port } = server.address();
  const { stdout } = await execFileAsync('kdig', [
    '@127.0.0.1',
    '-p',
    String(port),
    '+json',
    '+norec',
    '+time=2',
    '+retry=0',
    ...args,
  ]);
  return JSON.parse(stdout) as DigReply;
}

/** Returns the presentation form of an RR's data as kdig prints it. */
function rdata(record: DigRecord): string {
  const text = record[`rdata${record.TYPEname}`];
  return typeof text === 'string' ? text.trim() : String(record.RDATAHEX);
}

function section(records: DigRecord[] | undefined, type?: string): string[] {
  return (records ?? [])
    .filter((record) => type === undefined || record.TYPEname === type)
    .map((record) => `${record.NAME} ${record.TYPEname} ${rdata(record)}`);
}

const TYPE_A = 1;
const TYPE_AXFR = 252;

/** Builds a query message by hand, so tests can also build broken ones. */
function buildQuery(
  id: number,
  name: string,
  type: number,
  options: { flags?: number; questionCount?: number; edns?: boolean } = {},
): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(options.flags ?? 0, 2);
  header.writeUInt16BE(options.questionCount ?? 1, 4);
  header.writeUInt16BE(options.edns ? 1 : 0, 10);
  const labels = name.split('.').filter((label) => label !== '');
  const parts: Buffer[] = [header];
  for (const label of labels) {
    parts.push(Buffer.from([label.length]), Buffer.from(label, 'latin1'));
  }
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3);
  parts.push(tail);
  if (options.edns) {
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE(4096, 3);
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

const responseRcode = (response: Buffer): number => response.readUInt16BE(2) & 0xf;
const responseAnswerCount = (response: Buffer): number => response.readUInt16BE(6);

/** Sends one datagram and returns the reply, or undefined when none arrives while waiting. */
function udpExchange(
  server: Nameserver,
  message: Buffer,
  waitMs = 400,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, waitMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    socket.send(message, server.address().port, '127.0.0.1');
  });
}

/** TCP client that splits the server's byte stream into DNS messages. */
class TcpClient {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private readonly messages: Buffer[] = [];
  private waiter: (() => void) | undefined;

  constructor(server: Nameserver) {
    this.socket = connect(server.address().port, '127.0.0.1');
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 2 && this.buffer.length >= 2 + this.buffer.readUInt16BE(0)) {
        const length = this.buffer.readUInt16BE(0);
        this.messages.push(this.buffer.subarray(2, 2 + length));
        this.buffer = this.buffer.subarray(2 + length);
      }
      this.waiter?.();
    });
  }

  connected(): Promise<void> {
    return new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }

  static frame(message: Buffer): Buffer {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(message.length, 0);
    return Buffer.concat([prefix, message]);
  }

  /** Waits until `count` messages have arrived or the wait ends; returns what arrived. */
  async receive(count: number, waitMs = 3000): Promise<Buffer[]> {
    const deadline = Date.now() + waitMs;
    while (this.messages.length < count && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.messages.splice(0, count);
  }
}

/** Waits for a promise, but at most `waitMs`; returns whether it settled. */
async function settlesWithin(promise: Promise<unknown>, waitMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), waitMs);
  });
  const settled = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return settled;
}

async function assertServerAnswers(server: Nameserver): Promise<void> {
  const reply = await udpExchange(server, buildQuery(4242, 'www.example.test', TYPE_A), 2000);
  assert.ok(reply, 'server stopped answering');
  assert.equal(reply.readUInt16BE(0), 4242);
  assert.equal(responseRcode(reply), 0);
  assert.equal(responseAnswerCount(reply), 1);
}

// ---------------------------------------------------------------------------------------------
// Tests against one shared server
// ---------------------------------------------------------------------------------------------

describe('nameserver with kdig', () => {
  let server: Nameserver;

  before(async () => {
    server = await startServer({ tcpIdleTimeoutMs: 500 });
  });

  after(async () => {
    await server.stop();
  });

  const typeCases: Array<{ name: string; args: string[]; answer: string[]; extra?: string[] }> = [
    { name: 'A', args: ['www.example.test', 'A'], answer: ['www.example.test. A 192.0.2.1'] },
    {
      name: 'AAAA',
      args: ['www.example.test', 'AAAA'],
      answer: ['www.example.test. AAAA 2001:db8::1'],
    },
    {
      name: 'CNAME itself',
      args: ['alias.example.test', 'CNAME'],
      answer: ['alias.example.test. CNAME www.example.test.'],
    },
    {
      name: 'MX with additional',
      args: ['mail.example.test', 'MX'],
      answer: ['mail.example.test. MX 10 mx1.example.test.'],
      extra: ['mx1.example.test. A 192.0.2.25'],
    },
    {
      name: 'NS at apex',
      args: ['example.test', 'NS'],
      answer: ['example.test. NS ns1.example.test.', 'example.test. NS ns2.example.test.'],
      extra: ['ns1.example.test. A 192.0.2.53', 'ns1.example.test. AAAA 2001:db8::53'],
    },
    {
      name: 'TXT two strings',
      args: ['txt.example.test', 'TXT'],
      answer: ['txt.example.test. TXT "v=spf1 -all" "second string"'],
    },
    {
      name: 'SRV',
      args: ['_sip._tcp.example.test', 'SRV'],
      answer: ['_sip._tcp.example.test. SRV 10 20 5060 www.example.test.'],
      extra: ['www.example.test. A 192.0.2.1', 'www.example.test. AAAA 2001:db8::1'],
    },
    {
      name: 'CAA',
      args: ['example.test', 'CAA'],
      answer: [
        'example.test. CAA 0 issue "ca.example.net"',
        'example.test. CAA 128 iodef "mailto:security@example.test"',
      ],
    },
    {
      name: 'PTR',
      args: ['-x', '192.0.2.1'],
      answer: ['1.2.0.192.in-addr.arpa. PTR www.example.test.'],
    },
    {
      name: 'SOA',
      args: ['example.test', 'SOA'],
      answer: [
        'example.test. SOA ns1.example.test. hostmaster.example.test. 2024010101 3600 600 604800 300',
      ],
    },
    {
      name: 'ANY returns one RRset',
      args: ['www.example.test', 'ANY'],
      answer: ['www.example.test. A 192.0.2.1'],
    },
  ];

  for (const c of typeCases) {
    test(`type ${c.name}`, async () => {
      const reply = await kdig(server, c.args);
      assert.equal(reply.RCODE, 0);
      assert.equal(reply.AA, 1);
      assert.deepEqual(section(reply.answerRRs), c.answer);
      if (c.extra !== undefined) {
        assert.deepEqual(section(reply.additionalRRs), c.extra);
      }
    });
  }

  test('CAA and SRV wire encoding', async () => {
    const caa = await kdig(server, ['example.test', 'CAA']);
    // flags 0, tag length 5, "issue", then the value without a length byte (RFC 8659).
    assert.equal(
      caa.answerRRs?.[0].RDATAHEX,
      Buffer.concat([Buffer.from([0, 5]), Buffer.from('issueca.example.net')])
        .toString('hex')
        .toUpperCase(),
    );
    const srv = await kdig(server, ['_sip._tcp.example.test', 'SRV']);
    // The SRV target is written in full, without a compression pointer (RFC 2782).
    const fullTarget = Buffer.from('\x03www\x07example\x04test\x00', 'latin1').toString('hex');
    assert.equal(
      srv.answerRRs?.[0].RDATAHEX,
      ('000a' + '0014' + '13c4' + fullTarget).toUpperCase(),
    );
  });

  const wildcardCases: Array<{
    name: string;
    qname: string;
    qtype: string;
    rcode: number;
    answer: string[];
  }> = [
    {
      name: 'synthesizes owner',
      qname: 'foo.wild.example.test',
      qtype: 'A',
      rcode: 0,
      answer: ['foo.wild.example.test. A 192.0.2.80'],
    },
    {
      name: 'covers deeper names',
      qname: 'a.b.wild.example.test',
      qtype: 'A',
      rcode: 0,
      answer: ['a.b.wild.example.test. A 192.0.2.80'],
    },
    {
      name: 'other type is NODATA',
      qname: 'foo.wild.example.test',
      qtype: 'TXT',
      rcode: 0,
      answer: [],
    },
    {
      name: 'existing name not covered',
      qname: 'exists.wild.example.test',
      qtype: 'A',
      rcode: 0,
      answer: [],
    },
    {
      name: 'existing name own data',
      qname: 'exists.wild.example.test',
      qtype: 'TXT',
      rcode: 0,
      answer: ['exists.wild.example.test. TXT "exists"'],
    },
    {
      name: 'empty non-terminal not covered',
      qname: 'ent.wild.example.test',
      qtype: 'A',
      rcode: 0,
      answer: [],
    },
    {
      name: 'below empty non-terminal',
      qname: 'x.ent.wild.example.test',
      qtype: 'A',
      rcode: 3,
      answer: [],
    },
    {
      name: 'below existing name',
      qname: 'x.exists.wild.example.test',
      qtype: 'A',
      rcode: 3,
      answer: [],
    },
  ];

  for (const c of wildcardCases) {
    test(`wildcard ${c.name}`, async () => {
      const reply = await kdig(server, [c.qname, c.qtype]);
      assert.equal(reply.RCODE, c.rcode);
      assert.equal(reply.AA, 1);
      assert.deepEqual(section(reply.answerRRs), c.answer);
      if (c.answer.length === 0) {
        assert.deepEqual(section(reply.authorityRRs, 'SOA').length, 1);
      }
    });
  }

  const cnameCases: Array<{
    name: string;
    qname: string;
    rcode: number;
    answer: string[];
    soa: boolean;
  }> = [
    {
      name: 'single hop',
      qname: 'alias.example.test',
      rcode: 0,
      answer: ['alias.example.test. CNAME www.example.test.', 'www.example.test. A 192.0.2.1'],
      soa: false,
    },
    {
      name: 'chain',
      qname: 'chain1.example.test',
      rcode: 0,
      answer: [
        'chain1.example.test. CNAME chain2.example.test.',
        'chain2.example.test. CNAME www.example.test.',
        'www.example.test. A 192.0.2.1',
      ],
      soa: false,
    },
    {
      name: 'loop stops',
      qname: 'loop1.example.test',
      rcode: 0,
      answer: [
        'loop1.example.test. CNAME loop2.example.test.',
        'loop2.example.test. CNAME loop1.example.test.',
      ],
      soa: false,
    },
    {
      name: 'dangling is NXDOMAIN',
      qname: 'dangling.example.test',
      rcode: 3,
      answer: ['dangling.example.test. CNAME missing.example.test.'],
      soa: true,
    },
    {
      name: 'into other zone',
      qname: 'cross.example.test',
      rcode: 0,
      answer: ['cross.example.test. CNAME www.other.test.', 'www.other.test. A 192.0.2.90'],
      soa: false,
    },
  ];

  for (const c of cnameCases) {
    test(`cname ${c.name}`, async () => {
      const reply = await kdig(server, [c.qname, 'A']);
      assert.equal(reply.RCODE, c.rcode);
      assert.equal(reply.AA, 1);
      assert.deepEqual(section(reply.answerRRs), c.answer);
      assert.equal(section(reply.authorityRRs, 'SOA').length, c.soa ? 1 : 0);
    });
  }

  for (const qname of ['sub.example.test', 'host.sub.example.test']) {
    test(`referral for ${qname.split('.')[0]}`, async () => {
      const reply = await kdig(server, [qname, 'A']);
      assert.equal(reply.RCODE, 0);
      assert.equal(reply.AA, 0);
      assert.deepEqual(section(reply.answerRRs), []);
      assert.deepEqual(section(reply.authorityRRs), [
        'sub.example.test. NS ns.sub.example.test.',
        'sub.example.test. NS ns1.example.test.',
      ]);
      assert.deepEqual(section(reply.additionalRRs), [
        'ns.sub.example.test. A 192.0.2.54',
        'ns1.example.test. A 192.0.2.53',
        'ns1.example.test. AAAA 2001:db8::53',
      ]);
    });
  }

  test('DS at cut from parent', async () => {
    const reply = await kdig(server, ['sub.example.test', 'DS']);
    assert.equal(reply.RCODE, 0);
    assert.equal(reply.AA, 1);
    assert.deepEqual(section(reply.answerRRs), []);
    assert.equal(section(reply.authorityRRs, 'SOA').length, 1);
  });

  const negativeCases: Array<{ name: string; qname: string; qtype: string; rcode: number }> = [
    { name: 'NXDOMAIN', qname: 'nope.example.test', qtype: 'A', rcode: 3 },
    { name: 'NODATA', qname: 'www.example.test', qtype: 'MX', rcode: 0 },
    { name: 'empty non-terminal', qname: 'ent.example.test', qtype: 'A', rcode: 0 },
    { name: 'unknown type', qname: 'www.example.test', qtype: 'TYPE65', rcode: 0 },
    { name: 'SOA below apex', qname: 'www.example.test', qtype: 'SOA', rcode: 0 },
  ];

  for (const c of negativeCases) {
    test(`negative ${c.name}`, async () => {
      const reply = await kdig(server, [c.qname, c.qtype]);
      assert.equal(reply.RCODE, c.rcode);
      assert.equal(reply.AA, 1);
      assert.equal(reply.ANCOUNT, 0);
      const soa = reply.authorityRRs ?? [];
      assert.equal(soa.length, 1);
      assert.equal(soa[0].NAME, 'example.test.');
      assert.equal(soa[0].TYPEname, 'SOA');
      assert.equal(soa[0].TTL, NEGATIVE_TTL);
    });
  }

  const refusedCases: Array<{ name: string; args: string[] }> = [
    { name: 'outside zones', args: ['www.example.org', 'A'] },
    { name: 'parent of zone', args: ['test', 'SOA'] },
    { name: 'class CH', args: ['-c', 'CH', 'version.bind', 'TXT'] },
  ];

  for (const c of refusedCases) {
    test(`refused ${c.name}`, async () => {
      const reply = await kdig(server, c.args);
      assert.equal(reply.RCODE, 5);
      assert.equal(reply.AA, 0);
      assert.equal(reply.ANCOUNT, 0);
    });
  }

  test('refused zone transfer', async () => {
    const client = new TcpClient(server);
    await client.connected();
    client.socket.write(TcpClient.frame(buildQuery(31, 'example.test', TYPE_AXFR)));
    const [reply] = await client.receive(1);
    assert.ok(reply);
    assert.equal(reply.readUInt16BE(0), 31);
    assert.equal(responseRcode(reply), 5);
    client.socket.destroy();
  });

  test('case echo with dig', async () => {
    const { port } = server.address();
    const run = async (qname: string, qtype: string): Promise<string> => {
      const { stdout } = await execFileAsync('dig', [
        '@127.0.0.1',
        '-p',
        String(port),
        '+norec',
        '+noedns',
        '+nocookie',
        qname,
        qtype,
      ]);
      return stdout;
    };
    const soa = await run('ExAmPlE.TeSt', 'SOA');
    assert.match(soa, /^;ExAmPlE\.TeSt\.\s+IN\s+SOA$/m);
    assert.match(soa, /^ExAmPlE\.TeSt\.\s+3600\s+IN\s+SOA\s+ns1\.example\.test\./m);
    const wild = await run('FoO.WiLd.ExAmPlE.TeSt', 'A');
    assert.match(wild, /^FoO\.WiLd\.ExAmPlE\.TeSt\.\s+60\s+IN\s+A\s+192\.0\.2\.80$/m);
  });

  test('case echo raw bytes', async () => {
    const query = buildQuery(7, 'wWw.ExAmPlE.tEsT', TYPE_A);
    const reply = await udpExchange(server, query);
    assert.ok(reply);
    const questionBytes = query.subarray(12);
    assert.deepEqual(reply.subarray(12, 12 + questionBytes.length), questionBytes);
    assert.equal(responseAnswerCount(reply), 1);
  });

  test('split horizon by source', async () => {
    const fromDefault = await kdig(server, ['split.example.test', 'A']);
    assert.deepEqual(section(fromDefault.answerRRs), ['split.example.test. A 192.0.2.30']);
    const fromHost = await kdig(server, ['-b', '127.0.0.2', 'split.example.test', 'A']);
    assert.deepEqual(section(fromHost.answerRRs), ['split.example.test. A 192.0.2.20']);
    const outside = await kdig(server, ['-b', '127.0.0.2', 'split6.example.test', 'A']);
    assert.deepEqual(section(outside.answerRRs), ['split6.example.test. A 192.0.2.10']);
  });

  test('truncation then TCP', async () => {
    const udp = await kdig(server, ['+bufsize=1232', '+ignore', 'big.example.test', 'A']);
    assert.equal(udp.TC, 1);
    assert.equal(udp.ANCOUNT, 0);
    assert.equal(udp.QDCOUNT, 1);
    const tcp = await kdig(server, ['+tcp', 'big.example.test', 'A']);
    assert.equal(tcp.TC, 0);
    assert.equal(tcp.ANCOUNT, BIG_RECORD_COUNT);
    assert.equal(section(tcp.answerRRs).length, BIG_RECORD_COUNT);
  });

  test('truncation without EDNS', async () => {
    // The 100-record answer (about 1.6 kB) exceeds 512 bytes, while a 1-record answer fits.
    const classic = await kdig(server, ['+noedns', '+ignore', 'big.example.test', 'A']);
    assert.equal(classic.TC, 1);
    const small = await kdig(server, ['+noedns', 'www.example.test', 'A']);
    assert.equal(small.TC, 0);
  });

  const ednsCases: Array<{ name: string; args: string[]; opt: boolean }> = [
    { name: 'no OPT without EDNS', args: ['+noedns'], opt: false },
    { name: 'OPT echoed', args: ['+edns'], opt: true },
    { name: 'payload capped', args: ['+bufsize=4096'], opt: true },
    { name: 'client subnet ignored', args: ['+subnet=192.0.2.0/24'], opt: true },
    { name: 'cookie ignored', args: ['+cookie'], opt: true },
    { name: 'padding ignored', args: ['+padding'], opt: true },
  ];

  for (const c of ednsCases) {
    test(`edns ${c.name}`, async () => {
      const reply = await kdig(server, [...c.args, 'www.example.test', 'A']);
      assert.equal(reply.RCODE, 0);
      assert.equal(reply.ANCOUNT, 1);
      const opt = (reply.additionalRRs ?? []).filter((record) => record.TYPEname === 'OPT');
      assert.equal(opt.length, c.opt ? 1 : 0);
      if (c.opt) {
        assert.equal(opt[0].CLASS, 1232);
      }
    });
  }

  test('edns payload cap truncates', async () => {
    // The client offers 4096 bytes, but the 1.6 kB answer is cut at udpPayloadMax (1232).
    const reply = await kdig(server, ['+bufsize=4096', '+ignore', 'big.example.test', 'A']);
    assert.equal(reply.TC, 1);
  });

  test('edns version 1 BADVERS', async () => {
    const reply = await kdig(server, ['+edns=1', 'www.example.test', 'A']);
    const opt = (reply.additionalRRs ?? []).find((record) => record.TYPEname === 'OPT');
    assert.ok(opt);
    // BADVERS is rcode 16: header rcode 0 and extended rcode 1 in the OPT TTL's top byte.
    assert.equal(reply.RCODE & 0xf, 0);
    assert.equal(Number(opt.TTL) >>> 24, 1);
    assert.equal(reply.ANCOUNT, 0);
  });

  test('tcp pipelined queries', async () => {
    const client = new TcpClient(server);
    await client.connected();
    const ids = [101, 102, 103, 104];
    const frames = ids.map((id) => TcpClient.frame(buildQuery(id, 'www.example.test', TYPE_A)));
    client.socket.write(Buffer.concat(frames.slice(0, 3)));
    // The fourth query arrives in two segments.
    client.socket.write(frames[3].subarray(0, 7));
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.socket.write(frames[3].subarray(7));
    const replies = await client.receive(4);
    assert.deepEqual(
      replies.map((reply) => reply.readUInt16BE(0)),
      ids,
    );
    for (const reply of replies) {
      assert.equal(responseRcode(reply), 0);
      assert.equal(responseAnswerCount(reply), 1);
    }
    client.socket.destroy();
  });

  test('tcp huge length prefix', async () => {
    const client = new TcpClient(server);
    await client.connected();
    client.socket.write(Buffer.from([0xff, 0xff, 1, 2, 3]));
    assert.ok(await settlesWithin(client.closed, 3000), 'connection stayed open');
    await assertServerAnswers(server);
  });

  test('tcp stalled half message', async () => {
    const before = server.counters().drops['tcp-idle-timeout'] ?? 0;
    const client = new TcpClient(server);
    await client.connected();
    const frame = TcpClient.frame(buildQuery(5, 'www.example.test', TYPE_A));
    client.socket.write(frame.subarray(0, 10));
    // The server's idle timeout is 500 ms in this suite.
    assert.ok(await settlesWithin(client.closed, 5000), 'connection stayed open');
    assert.equal(server.counters().drops['tcp-idle-timeout'], before + 1);
    await assertServerAnswers(server);
  });

  const malformedCases: Array<{ name: string; message: Buffer; rcode?: number }> = [
    // These bytes have QR=0 and opcode 6, so the readable header gets NOTIMP.
    { name: 'random bytes', message: pseudoRandomBytes(97, 1234), rcode: 4 },
    { name: 'random with QR set', message: withQrSet(pseudoRandomBytes(97, 99)) },
    { name: 'short header', message: Buffer.from([1, 2, 3, 4, 5]) },
    { name: 'empty datagram', message: Buffer.alloc(0) },
    {
      name: 'QDCOUNT 0',
      message: buildQuery(9, 'www.example.test', TYPE_A, { questionCount: 0 }),
      rcode: 1,
    },
    {
      name: 'QDCOUNT 2',
      message: buildQuery(9, 'www.example.test', TYPE_A, { questionCount: 2 }),
      rcode: 1,
    },
    { name: 'QR set', message: buildQuery(9, 'www.example.test', TYPE_A, { flags: 0x8000 }) },
    {
      name: 'opcode STATUS',
      message: buildQuery(9, 'www.example.test', TYPE_A, { flags: 2 << 11 }),
      rcode: 4,
    },
    {
      name: 'truncated question',
      message: buildQuery(9, 'www.example.test', TYPE_A).subarray(0, 20),
      rcode: 1,
    },
    { name: 'pointer loop', message: pointerLoopQuery(), rcode: 1 },
    {
      name: 'label past end',
      message: Buffer.concat([buildQuery(9, '', TYPE_A).subarray(0, 12), Buffer.from([63, 1, 2])]),
      rcode: 1,
    },
    { name: 'huge counts', message: hugeCountQuery(), rcode: 1 },
  ];

  for (const c of malformedCases) {
    test(`malformed ${c.name}`, async () => {
      const reply = await udpExchange(server, c.message);
      if (c.rcode === undefined) {
        assert.equal(reply, undefined);
      } else {
        assert.ok(reply);
        assert.equal(reply.readUInt16BE(0), c.message.readUInt16BE(0));
        assert.equal(responseRcode(reply), c.rcode);
      }
      await assertServerAnswers(server);
    });
  }

  test('malformed random fuzz', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const base = buildQuery(seed, 'www.example.test', TYPE_A, { edns: true });
      const mutated = Buffer.from(base);
      const noise = pseudoRandomBytes(4, seed);
      mutated[12 + (noise[0] % (mutated.length - 12))] = noise[1];
      mutated[noise[2] % mutated.length] = noise[3];
      await udpExchange(server, mutated, 20);
    }
    await assertServerAnswers(server);
  });
});

/** Deterministic bytes, so a failing case can be replayed. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

function withQrSet(message: Buffer): Buffer {
  message[2] |= 0x80;
  return message;
}

/** Query whose name is a compression pointer to itself. */
function pointerLoopQuery(): Buffer {
  const header = buildQuery(11, '', TYPE_A).subarray(0, 12);
  return Buffer.concat([header, Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
}

/** Query that claims 65535 additional records but carries none. */
function hugeCountQuery(): Buffer {
  const message = buildQuery(12, 'www.example.test', TYPE_A);
  message.writeUInt16BE(0xffff, 10);
  return message;
}

// ---------------------------------------------------------------------------------------------
// Tests that need their own server or no server
// ---------------------------------------------------------------------------------------------

describe('nameserver lifecycle and limits', () => {
  test('handler error gives SERVFAIL', async () => {
    class FailingIndex extends ZoneIndex {
      override findZone(): never {
        throw new Error('injected lookup failure');
      }
    }
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const server = await startServer({}, new FailingIndex(), pino({ level: 'info' }, sink));
    try {
      const reply = await kdig(server, ['www.example.test', 'A']);
      assert.equal(reply.RCODE, 2);
      assert.equal(reply.QNAME, 'www.example.test.');
      const errors = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 50);
      assert.equal(errors.length, 1);
      assert.equal(errors[0].err.message, 'injected lookup failure');
      assert.equal(server.counters().handlerErrors, 1);
      assert.equal(server.counters().responses.SERVFAIL, 1);
    } finally {
      await server.stop();
    }
  });

  test('counters by type and reason', async () => {
    const server = await startServer();
    try {
      await kdig(server, ['www.example.test', 'A']);
      await kdig(server, ['www.example.test', 'AAAA']);
      await kdig(server, ['+tcp', 'nope.example.test', 'A']);
      await udpExchange(server, Buffer.from([1, 2, 3]));
      const reply = await udpExchange(server, buildQuery(1, 'x', TYPE_A, { questionCount: 0 }));
      assert.ok(reply);
      const counters = server.counters();
      assert.deepEqual(counters.queries, { A: 2, AAAA: 1 });
      assert.deepEqual(counters.responses, { NOERROR: 2, NXDOMAIN: 1, FORMERR: 1 });
      assert.deepEqual(counters.drops, { malformed: 1 });
      assert.deepEqual(counters.transports, { udp: 4, tcp: 1 });
      assert.equal(counters.tcpConnectionsAccepted, 1);
    } finally {
      await server.stop();
    }
  });

  test('tcp connection limit', async () => {
    const server = await startServer({ tcpMaxConnections: 2 });
    const clients = [new TcpClient(server), new TcpClient(server)];
    try {
      await Promise.all(clients.map((client) => client.connected()));
      // Wait until the server has accepted both before opening the extra one.
      while (server.counters().tcpConnectionsOpen < 2) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const extra = new TcpClient(server);
      assert.ok(await settlesWithin(extra.closed, 3000), 'extra connection stayed open');
      assert.equal(server.counters().drops['tcp-connection-limit'], 1);
      clients[0].socket.write(TcpClient.frame(buildQuery(77, 'www.example.test', TYPE_A)));
      const [reply] = await clients[0].receive(1);
      assert.equal(reply.readUInt16BE(0), 77);
    } finally {
      clients.forEach((client) => client.socket.destroy());
      await server.stop();
    }
  });

  test('tcp query limit closes', async () => {
    const server = await startServer({ maxTcpQueriesPerConnection: 2 });
    const client = new TcpClient(server);
    try {
      await client.connected();
      const frames = [1, 2, 3].map((id) =>
        TcpClient.frame(buildQuery(id, 'www.example.test', TYPE_A)),
      );
      client.socket.write(Buffer.concat(frames));
      const replies = await client.receive(3, 1000);
      assert.deepEqual(
        replies.map((reply) => reply.readUInt16BE(0)),
        [1, 2],
      );
      assert.ok(await settlesWithin(client.closed, 3000), 'connection stayed open');
    } finally {
      client.socket.destroy();
      await server.stop();
    }
  });

  test('busy port rejects start', async () => {
    const first = await startServer();
    try {
      const { port } = first.address();
      const second = new Nameserver(config({ port }), loadIndex(), silentLogger);
      await assert.rejects(second.start(), (err: Error) => {
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.match(err.message, /port setting/);
        return true;
      });
    } finally {
      await first.stop();
    }
  });

  test('stop closes open connections', async () => {
    const server = await startServer();
    const client = new TcpClient(server);
    await client.connected();
    await server.stop();
    assert.ok(await settlesWithin(client.closed, 3000), 'connection stayed open');
    assert.throws(() => server.address(), /not started/);
  });

  test('dual-stack mapped client', async (t) => {
    let server: Nameserver;
    try {
      server = await startServer({ host: '::' });
    } catch (err) {
      // Hosts without IPv6 cannot bind '::'; the resolver test below covers mapped addresses.
      t.skip(`IPv6 unavailable: ${(err as Error).message}`);
      return;
    }
    try {
      const reply = await kdig(server, ['-b', '127.0.0.2', 'split.example.test', 'A']);
      assert.deepEqual(section(reply.answerRRs), ['split.example.test. A 192.0.2.20']);
    } finally {
      await server.stop();
    }
  });

  test('config validation', () => {
    const cases: Array<[Partial<NameserverConfig>, RegExp]> = [
      [{ host: 'localhost' }, /host/],
      [{ port: 70000 }, /port/],
      [{ udpPayloadMax: 100 }, /udpPayloadMax/],
      [{ tcpIdleTimeoutMs: 0 }, /tcpIdleTimeoutMs/],
      [{ tcpMaxConnections: 1.5 }, /tcpMaxConnections/],
      [{ maxTcpQueriesPerConnection: 0 }, /maxTcpQueriesPerConnection/],
    ];
    for (const [overrides, pattern] of cases) {
      assert.throws(
        () => new Nameserver(config(overrides), new ZoneIndex(), silentLogger),
        pattern,
      );
    }
  });
});

describe('resolver and zone index', () => {
  const index = loadIndex();
  const ask = (name: string, client: string) =>
    resolveQuestion(index, { name, type: TYPE_A, class: 1 }, client);
  const addresses = (name: string, client: string): string[] =>
    ask(name, client).answer.map((record) =>
      record.type === 'SOA' ? 'SOA' : String(record.record.address),
    );

  const splitCases: Array<[string, string, string[]]> = [
    ['127.0.0.1', 'split.example.test', ['192.0.2.30']],
    ['127.0.0.2', 'split.example.test', ['192.0.2.20']],
    ['::ffff:127.0.0.2', 'split.example.test', ['192.0.2.20']],
    ['198.51.100.7', 'split.example.test', ['192.0.2.10']],
    ['2001:db8::99', 'split6.example.test', ['192.0.2.40']],
    ['2001:db9::1', 'split6.example.test', ['192.0.2.10']],
    ['fe80::1%eth0', 'split6.example.test', ['192.0.2.10']],
  ];

  for (const [client, name, expected] of splitCases) {
    test(`split horizon ${client}`, () => {
      assert.deepEqual(addresses(name, client), expected);
    });
  }

  test('mixed case owner', () => {
    const resolution = ask('WwW.eXaMpLe.TeSt', '192.0.2.1');
    assert.equal(resolution.answer[0].owner, 'WwW.eXaMpLe.TeSt');
  });

  test('index reports bad records', () => {
    const local = new ZoneIndex();
    const z = 'bad.test';
    const issues = local.upsertZone({
      name: z,
      soa: SOA,
      records: [
        rr(z, 'www.elsewhere.test', 'A', { id: 'outside', address: '192.0.2.1' }),
        rr(z, 'a.bad.test', 'A', { id: 'bad-address', address: '2001:db8::1' }),
        rr(z, 'a.bad.test', 'TXT', { id: 'long-txt', text: ['x'.repeat(256)] }),
        rr(z, 'c.bad.test', 'CNAME', { id: 'cname-conflict', target: 'a.bad.test' }),
        rr(z, 'c.bad.test', 'A', { id: 'kept', address: '192.0.2.2' }),
        rr(z, 'n.bad.test', 'A', { id: 'bad-network', address: '192.0.2.3', networks: ['10/8'] }),
      ],
    });
    assert.deepEqual(issues.map((issue) => issue.recordId).sort(), [
      'bad-address',
      'bad-network',
      'cname-conflict',
      'long-txt',
      'outside',
    ]);
    assert.deepEqual(local.zoneNames(), ['bad.test']);
  });

  test('index rejects bad zone atomically', () => {
    const local = loadIndex();
    assert.throws(
      () =>
        local.replaceAll([
          exampleZone(),
          { name: 'x.test', soa: { ...SOA, serial: -1 }, records: [] },
        ]),
      ZoneDataError,
    );
    assert.deepEqual(local.zoneNames(), ['2.0.192.in-addr.arpa', 'example.test', 'other.test']);
  });

  test('index remove and upsert', () => {
    const local = loadIndex();
    assert.equal(local.removeZone('Other.Test'), true);
    assert.equal(local.removeZone('other.test'), false);
    assert.equal(
      resolveQuestion(local, { name: 'www.other.test', type: TYPE_A, class: 1 }, '127.0.0.1').rcode,
      5,
    );
    local.upsertZone(otherZone());
    assert.equal(
      resolveQuestion(local, { name: 'www.other.test', type: TYPE_A, class: 1 }, '127.0.0.1').rcode,
      0,
    );
  });

  test('ANY at apex is SOA', () => {
    const resolution = resolveQuestion(index, { name: 'example.test', type: 255, class: 1 }, '');
    assert.deepEqual(
      resolution.answer.map((record) => record.type),
      ['SOA'],
    );
  });
});
