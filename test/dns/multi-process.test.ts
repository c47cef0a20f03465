import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '..', '..', 'bin', 'paas-shack.js');
const POLL_MS = 200;

/** Store settings shared by every process of one test: one MongoDB database, or one data dir. */
function sharedStore(dataDir: string): Record<string, string> {
  const base = process.env.PAAS_TEST_MONGODB_URL;
  if (!base) return { PAAS_DATA_DIR: dataDir };
  const url = new URL(base);
  url.pathname = `/multi_${randomBytes(6).toString('hex')}`;
  return { PAAS_MONGODB_URL: url.toString() };
}

interface Process {
  child: ChildProcess;
  /** Values read from its log lines: `dnsPort`, `subgraphUrl`, `gatewayUrl`. */
  seen: Record<string, string>;
}

/** Starts `paas-shack start` and resolves once its log says every wanted address. */
function startProcess(
  args: string[],
  env: Record<string, string>,
  wanted: string[],
): Promise<Process> {
  const child = spawn(process.execPath, [cli, 'start', ...args], {
    env: { ...process.env, PAAS_LOG_LEVEL: 'info', PAAS_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen: Record<string, string> = {};
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`paas-shack ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { msg?: string; port?: number; url?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === 'nameserver listening') seen.dnsPort = String(entry.port);
      if (entry.msg === 'subgraph listening') seen.subgraphUrl = String(entry.url);
      if (entry.msg === 'gateway listening') seen.gatewayUrl = String(entry.url);
      if (wanted.every((key) => key in seen)) resolve({ child, seen });
    });
  });
}

function dnsProcess(store: Record<string, string>): Promise<Process> {
  return startProcess(
    ['--service', 'dns'],
    {
      ...store,
      PAAS_DNS_HOST: '127.0.0.1',
      PAAS_DNS_PORT: '0',
      PAAS_DNS_GRAPHQL_PORT: '0',
      PAAS_REVISION_POLL_INTERVAL: String(POLL_MS),
    },
    ['dnsPort', 'subgraphUrl'],
  );
}

async function stop(
  process: Process | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!process || process.child.exitCode !== null || process.child.signalCode !== null) return;
  const exited = new Promise((resolve) => process.child.once('exit', resolve));
  process.child.kill(signal);
  await exited;
}

async function lookup(port: string, name: string): Promise<string> {
  const { stdout } = await run('kdig', [
    '@127.0.0.1',
    '-p',
    port,
    name,
    'A',
    '+short',
    '+time=1',
    '+retry=0',
  ]);
  return stdout.trim();
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20 * POLL_MS + 5000;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe(`several processes (${process.env.PAAS_TEST_MONGODB_URL ? 'mongodb' : 'embedded'} store)`, () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paas-multi-'));
  const store = sharedStore(dataDir);
  let first: Process | undefined;
  let second: Process | undefined;
  let gateway: Process | undefined;

  async function graphql(query: string): Promise<Record<string, unknown>> {
    const response = await fetch(gateway!.seen.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data!;
  }

  before(async () => {
    first = await dnsProcess(store);
    second = await dnsProcess(store);
    gateway = await startProcess(
      ['--service', 'gateway'],
      { PAAS_GATEWAY_PORT: '0', PAAS_GATEWAY_SUBGRAPHS: `dns=${first.seen.subgraphUrl}` },
      ['gatewayUrl'],
    );
  });

  after(async () => {
    await Promise.all([stop(first), stop(second), stop(gateway)]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('record reaches both nameservers', async () => {
    await graphql('mutation { createZone(input: { name: "multi.example.test" }) { name } }');
    await graphql(
      'mutation { createRecord(input: { zone: "multi.example.test", name: "www", type: A, address: "192.0.2.41" }) { id } }',
    );
    await eventually(
      async () => (await lookup(first!.seen.dnsPort, 'www.multi.example.test')) === '192.0.2.41',
      'first',
    );
    await eventually(
      async () => (await lookup(second!.seen.dnsPort, 'www.multi.example.test')) === '192.0.2.41',
      'second',
    );
  });

  it('killed process serves after restart', async () => {
    await stop(second, 'SIGKILL');
    second = await dnsProcess(store);
    assert.equal(await lookup(second.seen.dnsPort, 'www.multi.example.test'), '192.0.2.41');
  });

  it('restarted process sees later changes', async () => {
    await graphql(
      'mutation { createRecord(input: { zone: "multi.example.test", name: "api", type: A, address: "192.0.2.42" }) { id } }',
    );
    await eventually(
      async () => (await lookup(second!.seen.dnsPort, 'api.multi.example.test')) === '192.0.2.42',
      'restarted',
    );
  });
});
