import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startStack, type Stack } from '../../bin/stack';
import { loopbackListeners } from '../helpers/stack';

const execFileAsync = promisify(execFile);

export interface GraphqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: {
    message: string;
    extensions?: { code?: string; field?: string; serviceName?: string };
  }[];
}

/** Builds the URL of a fresh test database, or '' for the embedded store. */
function mongodbUrl(database: string): string {
  const base = process.env.PAAS_TEST_MONGODB_URL;
  if (!base) return '';
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A whole stack (every service and the gateway) in this process, with every port 0, the
 * syslog receiver on loopback, and a store of its own: a temporary folder, or a fresh
 * database on the server named by PAAS_TEST_MONGODB_URL.
 */
export class SyslogTestStack {
  private constructor(
    readonly stack: Stack,
    private readonly dataDir: string,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<SyslogTestStack> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'paas-shack-syslog-'));
    const database = `paas_shack_syslog_${randomBytes(6).toString('hex')}`;
    try {
      const stack = await startStack({
        env: {
          ...loopbackListeners(),
          PAAS_SYSLOG_BATCH_LATENCY: '20',
          PAAS_LOG_LEVEL: 'silent',
          PAAS_REVISION_POLL_INTERVAL: '0',
          PAAS_DATA_DIR: dataDir,
          PAAS_MONGODB_URL: mongodbUrl(database),
          ...env,
        },
      });
      return new SyslogTestStack(stack, dataDir);
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** UDP and TCP port of the syslog receiver. */
  get port(): number {
    const status = this.stack.service('syslog').instance.status() as { receiver: { port: number } };
    return status.receiver.port;
  }

  get gatewayUrl(): string {
    if (!this.stack.gateway) throw new Error('this stack runs no gateway');
    return this.stack.gateway.url;
  }

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

  /** Runs a request that must succeed; throws with the errors otherwise. */
  async query<T = Record<string, unknown>>(
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

  /** Runs util-linux `logger` against the receiver (no shell); `input` goes to its stdin. */
  async logger(args: string[], input?: string): Promise<void> {
    const child = execFileAsync(
      'logger',
      ['--server', '127.0.0.1', '--port', String(this.port), ...args],
      { timeout: 120_000, maxBuffer: 1024 * 1024 },
    );
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    await child;
  }

  async stop(): Promise<void> {
    await this.stack.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Calls `check` until it returns a truthy value and returns it; throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
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
        `timed out after ${timeoutMs} ms waiting for ${what}; last result: ${detail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Fields the receiver tests read back through the gateway. */
export const LOG_FIELDS = `
  id receivedAt timestamp host appName procId msgId facility severity
  structuredData { id params { name value } }
  message raw rawBase64 sender transport format truncated
`;

export interface LogNode {
  id: string;
  receivedAt: string;
  timestamp: string | null;
  host: string;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  facility: string;
  severity: string;
  structuredData: { id: string; params: { name: string; value: string }[] }[];
  message: string;
  raw: string;
  rawBase64: string | null;
  sender: string;
  transport: string;
  format: string;
  truncated: boolean;
}

/** Finds stored messages whose text contains `text`, newest first. */
export async function findLogs(
  stack: SyslogTestStack,
  text: string,
  expected = 1,
): Promise<LogNode[]> {
  return waitFor(
    async () => {
      const data = await stack.query<{ logs: { nodes: LogNode[] } }>(
        `query ($text: String!, $first: Int!) { logs(filter: { text: $text }, first: $first) { nodes { ${LOG_FIELDS} } } }`,
        { text, first: Math.max(expected, 1) },
      );
      return data.logs.nodes.length >= expected ? data.logs.nodes : undefined;
    },
    `${expected} message(s) containing ${JSON.stringify(text)}`,
  );
}
