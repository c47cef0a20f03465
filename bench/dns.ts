/**
 * Measures the dns service's UDP query rate against Knot DNS on the same machine and zone data,
 * with dnsperf as the client, and prints a Markdown table of median rates and their ratio.
 *
 * Usage: node dist/bench/dns.js [--runs 3] [--seconds 10] [--clients 4]
 * Needs knotd (package knot) and dnsperf (package dnsperf).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const ZONE = 'bench.example.test';
const HOSTS = 200;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
  },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const clients = Number(values.clients);

function address(i: number): string {
  return `198.51.100.${i % 250}`;
}

function zoneFile(): string {
  const lines = [
    `$ORIGIN ${ZONE}.`,
    '$TTL 3600',
    '@ IN SOA ns1.paas-shack.test. hostmaster.paas-shack.test. 2026120400 10800 3600 1209600 3600',
    '@ IN NS ns1.paas-shack.test.',
    '@ IN NS ns2.paas-shack.test.',
  ];
  for (let i = 0; i < HOSTS; i++) lines.push(`host${i} IN A ${address(i)}`);
  return `${lines.join('\n')}\n`;
}

/** Queries: existing names, missing names (NXDOMAIN) and a type with no data (NODATA). */
function queryFile(): string {
  const lines: string[] = [];
  for (let i = 0; i < HOSTS; i++) {
    lines.push(`host${i}.${ZONE} A`);
    if (i % 4 === 0) lines.push(`missing${i}.${ZONE} A`);
    if (i % 8 === 0) lines.push(`host${i}.${ZONE} AAAA`);
  }
  return `${lines.join('\n')}\n`;
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function answers(port: number): Promise<boolean> {
  const { stdout } = await run('kdig', [
    `@127.0.0.1`,
    '-p',
    String(port),
    `host1.${ZONE}`,
    'A',
    '+short',
  ]);
  return stdout.trim() === address(1);
}

async function startKnot(dir: string, port: number): Promise<ChildProcess> {
  writeFileSync(path.join(dir, `${ZONE}.zone`), zoneFile());
  writeFileSync(
    path.join(dir, 'knot.conf'),
    [
      'server:',
      `  listen: 127.0.0.1@${port}`,
      `  rundir: ${dir}`,
      'database:',
      `  storage: ${dir}`,
      'log:',
      '  - target: stderr',
      '    any: error',
      'zone:',
      `  - domain: ${ZONE}`,
      `    storage: ${dir}`,
      `    file: ${ZONE}.zone`,
      '',
    ].join('\n'),
  );
  const knot = spawn('knotd', ['-c', path.join(dir, 'knot.conf')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(() => answers(port), 'knotd');
  return knot;
}

async function startPaasShack(dir: string, port: number): Promise<ChildProcess> {
  const gatewayPort = await freePort();
  const subgraphPort = await freePort();
  const cli = path.resolve(__dirname, '..', 'bin', 'paas-shack.js');
  const child = spawn(
    process.execPath,
    [cli, 'start', '--service', 'dns', '--service', 'gateway'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        PAAS_DATA_DIR: path.join(dir, 'data'),
        PAAS_DNS_HOST: '127.0.0.1',
        PAAS_DNS_PORT: String(port),
        PAAS_GATEWAY_PORT: String(gatewayPort),
        PAAS_DNS_GRAPHQL_PORT: String(subgraphPort),
        PAAS_LOG_LEVEL: 'warn',
      },
    },
  );
  const graphql = async (query: string) => {
    const response = await fetch(`http://127.0.0.1:${gatewayPort}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${gatewayPort}/health/ready`)).ok,
    'paas-shack',
  );
  await graphql(`mutation { createZone(input: { name: "${ZONE}" }) { name } }`);
  for (let i = 0; i < HOSTS; i++) {
    await graphql(
      `mutation { createRecord(input: { zone: "${ZONE}", name: "host${i}", type: A, address: "${address(i)}" }) { id } }`,
    );
  }
  await waitFor(() => answers(port), 'paas-shack nameserver');
  return child;
}

async function dnsperf(port: number, queries: string): Promise<number> {
  const { stdout } = await run('dnsperf', [
    '-s',
    '127.0.0.1',
    '-p',
    String(port),
    '-d',
    queries,
    '-l',
    String(seconds),
    '-c',
    String(clients),
    '-q',
    '100',
  ]);
  const match = /Queries per second:\s+([\d.]+)/.exec(stdout);
  const lost = /Queries lost:\s+(\d+)/.exec(stdout);
  if (!match) throw new Error(`dnsperf output not understood:\n${stdout}`);
  process.stderr.write(`  ${Number(match[1]).toFixed(0)} queries/s, lost ${lost?.[1] ?? '?'}\n`);
  return Number(match[1]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paas-bench-dns-'));
  const queries = path.join(dir, 'queries.txt');
  writeFileSync(queries, queryFile());
  const knotPort = await freePort();
  const ourPort = await freePort();
  const children: ChildProcess[] = [];
  try {
    children.push(await startKnot(dir, knotPort));
    children.push(await startPaasShack(dir, ourPort));
    const knot: number[] = [];
    const ours: number[] = [];
    // Alternate the servers so that drift in machine load hits both alike.
    for (let i = 1; i <= runs; i++) {
      process.stderr.write(`run ${i}/${runs}: knotd\n`);
      knot.push(await dnsperf(knotPort, queries));
      process.stderr.write(`run ${i}/${runs}: paas-shack dns\n`);
      ours.push(await dnsperf(ourPort, queries));
    }
    const [knotRate, ourRate] = [median(knot), median(ours)];
    console.log(`| server | median queries/s (${runs} runs of ${seconds} s, ${clients} clients) |`);
    console.log('|---|---|');
    console.log(
      `| Knot DNS ${(await run('knotd', ['--version'])).stdout.trim().split(' ').pop()} | ${knotRate.toFixed(0)} |`,
    );
    console.log(`| paas-shack dns | ${ourRate.toFixed(0)} |`);
    console.log(`\nratio paas-shack / knot: ${(ourRate / knotRate).toFixed(3)}`);
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

main().catch((err: unknown) => {
  console.error(`bench/dns: ${(err as Error).message}`);
  process.exitCode = 1;
});
