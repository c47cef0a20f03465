import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Stack } from '../../bin/stack';
import { TestStack, waitFor as waitUntil, type GraphqlResponse } from '../helpers/stack';

const execFileAsync = promisify(execFile);

export type { GraphqlResponse };

/**
 * A whole test stack (see TestStack) with the syslog receiver's port and a `logger` runner.
 * Batches are flushed after 20 ms, so tests see stored messages soon.
 */
export class SyslogTestStack {
  private constructor(private readonly base: TestStack) {}

  static async start(env: Record<string, string> = {}): Promise<SyslogTestStack> {
    return new SyslogTestStack(
      await TestStack.start({ env: { PAAS_SYSLOG_BATCH_LATENCY: '20', ...env } }),
    );
  }

  get stack(): Stack {
    return this.base.stack;
  }

  /** UDP and TCP port of the syslog receiver. */
  get port(): number {
    const status = this.stack.service('syslog').instance.status() as { receiver: { port: number } };
    return status.receiver.port;
  }

  get gatewayUrl(): string {
    return this.base.gatewayUrl;
  }

  graphql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphqlResponse<T>> {
    return this.base.graphql<T>(query, variables);
  }

  /** Runs a request that must succeed; throws with the errors otherwise. */
  query<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    return this.base.mutate<T>(query, variables);
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

  stop(): Promise<void> {
    return this.base.stop();
  }
}

/** Calls `check` every 50 ms until it returns a truthy value and returns it (see waitFor). */
export function waitFor<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  return waitUntil(check, { what, timeoutMs, intervalMs: 50 });
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
