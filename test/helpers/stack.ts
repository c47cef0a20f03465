import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { startStack, type Stack } from '../../bin/stack';
import { services } from '../../bin/services';
import { platformSettings } from '../../lib/config/platform';
import type { SettingSpec } from '../../lib/config/spec';

const execFileAsync = promisify(execFile);

/** One entry of a GraphQL response's `errors` list. */
export interface GraphqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

export interface GraphqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: GraphqlError[];
}

/** One resource record of a kdig response, with its RDATA in presentation format and in hex. */
export interface DnsResourceRecord {
  name: string;
  type: string;
  ttl: number;
  data: string;
  hex: string;
}

/** A DNS response as kdig prints it with +json (RFC 8427). */
export interface DnsResponse {
  rcode: string;
  aa: boolean;
  tc: boolean;
  answer: DnsResourceRecord[];
  authority: DnsResourceRecord[];
  additional: DnsResourceRecord[];
}

export interface DnsQueryOptions {
  /** Query over TCP instead of UDP. */
  tcp?: boolean;
  /** Source address to send from, such as 127.0.0.2 (kdig -b). */
  source?: string;
}

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

interface KdigJsonRecord {
  NAME: string;
  TYPEname: string;
  TTL: number;
  RDATAHEX: string;
  [key: string]: unknown;
}

function resourceRecords(records: KdigJsonRecord[] | undefined): DnsResourceRecord[] {
  return (records ?? []).map((record) => {
    // kdig names the presentation field after the type: rdataA, rdataMX, rdataCAA, ...
    const dataKey = Object.keys(record).find((key) => key.startsWith('rdata'));
    return {
      name: record.NAME,
      type: record.TYPEname,
      ttl: record.TTL,
      data: dataKey ? String(record[dataKey]).trim() : '',
      hex: record.RDATAHEX,
    };
  });
}

/** Parses the output of `kdig +json`. */
export function parseKdigJson(stdout: string): DnsResponse {
  const message = JSON.parse(stdout) as {
    RCODE: number;
    AA: number;
    TC: number;
    answerRRs?: KdigJsonRecord[];
    authorityRRs?: KdigJsonRecord[];
    additionalRRs?: KdigJsonRecord[];
  };
  return {
    rcode: RCODE_NAMES[message.RCODE] ?? `RCODE${message.RCODE}`,
    aa: message.AA === 1,
    tc: message.TC === 1,
    answer: resourceRecords(message.answerRRs),
    authority: resourceRecords(message.authorityRRs),
    additional: resourceRecords(message.additionalRRs),
  };
}

/**
 * Returns settings that put every listener of every registered service on a free loopback
 * port: each port setting becomes 0 and each bind address 127.0.0.1.
 */
export function loopbackListeners(): Record<string, string> {
  const specs: SettingSpec[] = [
    ...Object.values(platformSettings),
    ...services.flatMap((service) => Object.values(service.settings) as SettingSpec[]),
  ];
  const env: Record<string, string> = {};
  for (const spec of specs) {
    if (spec.unit === 'port') env[spec.env] = '0';
    if (spec.unit === 'IP address') env[spec.env] = '127.0.0.1';
  }
  return env;
}

export interface TestStackOptions {
  /** Extra settings, merged over the test defaults. */
  env?: Record<string, string>;
  /** Reuse this data folder instead of creating a temporary one. */
  dataDir?: string;
  /** MongoDB database name; a fresh one is made when PAAS_TEST_MONGODB_URL is set. */
  database?: string;
  /** Services to run, as `startStack` takes them; all of them and the gateway when left out. */
  only?: string[];
}

/**
 * Builds the MongoDB URL of one test database from PAAS_TEST_MONGODB_URL, or returns '' so the
 * stack uses the embedded store.
 */
function mongodbUrl(database: string): string {
  const base = process.env.PAAS_TEST_MONGODB_URL;
  if (!base) return '';
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A whole PaaS-Shack stack started in this process. Every port is 0 (picked by the OS) and the
 * nameserver binds 127.0.0.1. The store is a fresh temporary folder, or a fresh database on the
 * MongoDB server named by PAAS_TEST_MONGODB_URL.
 */
export class TestStack {
  private stopped = false;

  private constructor(
    readonly stack: Stack,
    readonly dataDir: string,
    readonly database: string,
    private readonly options: TestStackOptions,
  ) {}

  static async start(options: TestStackOptions = {}): Promise<TestStack> {
    const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'paas-shack-test-'));
    const database = options.database ?? `paas_shack_test_${randomBytes(6).toString('hex')}`;
    const env: NodeJS.ProcessEnv = {
      ...loopbackListeners(),
      PAAS_LOG_LEVEL: 'silent',
      PAAS_REVISION_POLL_INTERVAL: '0',
      PAAS_DATA_DIR: dataDir,
      PAAS_MONGODB_URL: mongodbUrl(database),
      ...options.env,
    };
    let stack: Stack;
    try {
      stack = await startStack({ env, only: options.only });
    } catch (err) {
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    return new TestStack(stack, dataDir, database, { ...options, dataDir, database });
  }

  get gatewayUrl(): string {
    if (!this.stack.gateway) throw new Error('this stack runs no gateway');
    return this.stack.gateway.url;
  }

  /** Gateway origin without a path, for `/health/live` and `/health/ready`. */
  get baseUrl(): string {
    if (!this.stack.gateway) throw new Error('this stack runs no gateway');
    return this.stack.gateway.baseUrl;
  }

  /** UDP and TCP port of the nameserver. */
  get dnsPort(): number {
    const status = this.stack.service('dns').instance.status() as {
      nameserver: { host: string; port: number };
    };
    return status.nameserver.port;
  }

  /** Sends one GraphQL request to the gateway and returns the HTTP status and parsed body. */
  async graphql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphqlResponse<T>> {
    const response = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphqlResponse<T>, 'status'>;
    return { status: response.status, ...body };
  }

  /**
   * Runs a GraphQL request that must succeed and returns its data; throws with the errors
   * otherwise, so a failing step names its cause.
   */
  async mutate<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    const response = await this.graphql<T>(query, variables);
    if (response.errors?.length || !response.data) {
      throw new Error(
        `GraphQL request failed (HTTP ${response.status}): ${JSON.stringify(response.errors)}`,
      );
    }
    return response.data;
  }

  /** Runs kdig against this stack's nameserver and returns its standard output. */
  kdig(args: string[]): Promise<string> {
    return kdig(['@127.0.0.1', '-p', String(this.dnsPort), '+timeout=2', '+retry=1', ...args]);
  }

  /** Sends one query with kdig and returns the parsed response. */
  async query(name: string, type: string, options: DnsQueryOptions = {}): Promise<DnsResponse> {
    const args = ['+json', name, type];
    if (options.tcp) args.unshift('+tcp');
    if (options.source) args.unshift('-b', options.source);
    return parseKdigJson(await this.kdig(args));
  }

  /** Stops the stack and deletes its data folder, and its MongoDB database when it used one. */
  async stop(): Promise<void> {
    await this.stopStack();
    rmSync(this.dataDir, { recursive: true, force: true });
    const url = mongodbUrl(this.database);
    if (url) {
      const connection = await mongoose.createConnection(url).asPromise();
      try {
        await connection.dropDatabase();
      } finally {
        await connection.close();
      }
    }
  }

  /**
   * Stops this stack and starts a new one on the same data folder (or MongoDB database); the
   * new stack owns the folder from then on.
   */
  async restart(): Promise<TestStack> {
    await this.stopStack();
    return TestStack.start(this.options);
  }

  private async stopStack(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.stack.stop();
  }
}

/** Runs kdig with `args` (no shell) and returns its standard output. */
export async function kdig(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('kdig', args, { timeout: 15_000 });
  return stdout;
}

/**
 * Calls `check` until it returns a value other than undefined, null or false, and returns that
 * value. Throws once `timeoutMs` has passed, with the last value or error in the message.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? 'the condition'}; last result: ${detail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
