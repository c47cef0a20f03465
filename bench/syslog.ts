/**
 * Syslog receive benchmark: sends the same RFC 5424 messages with octet counting over one TCP
 * connection to rsyslogd (imtcp writing to a file) and to the syslog service (embedded store),
 * alternating between runs, and reports messages per second until the last one is stored.
 *
 *   npm run build && node dist/bench/syslog.js --runs 3 --messages 50000
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SyslogTestStack } from '../test/syslog/harness';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    messages: { type: 'string', default: '50000' },
  },
});
const RUNS = Number(values.runs);
const MESSAGES = Number(values.messages);

function payload(count: number): Buffer {
  const frames: string[] = [];
  for (let i = 0; i < count; i++) {
    const line = `<134>1 2026-01-02T03:04:05.678Z bench.example.test loadgen ${i} - [m@1 n="${i}"] benchmark message number ${i}\n`;
    frames.push(`${Buffer.byteLength(line)} ${line}`);
  }
  return Buffer.from(frames.join(''));
}

function send(port: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(data));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

async function runRsyslog(data: Buffer): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-rsyslog-'));
  const port = await freePort();
  const out = path.join(dir, 'out.log');
  writeFileSync(
    path.join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${port}")
action(type="omfile" file="${out}" template="RSYSLOG_FileFormat")
`,
  );
  const child = spawn(
    'rsyslogd',
    ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'pid')],
    {
      stdio: 'ignore',
    },
  );
  try {
    await until(async () => {
      try {
        await send(port, Buffer.from('5 <13>x'));
        return true;
      } catch {
        return false;
      }
    });
    await until(() => lineCount(out) >= 1);
    const started = process.hrtime.bigint();
    await send(port, data);
    await until(() => lineCount(out) >= MESSAGES + 1);
    return rate(started);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

function lineCount(file: string): number {
  try {
    if (statSync(file).size === 0) return 0;
    return readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

async function runPaasShack(data: Buffer): Promise<number> {
  const stack = await SyslogTestStack.start({ PAAS_SYSLOG_BATCH_LATENCY: '50' });
  try {
    const started = process.hrtime.bigint();
    await send(stack.port, data);
    const stored = async () => {
      const result = await stack.query<{ syslogStats: { transports: { stored: number }[] } }>(
        '{ syslogStats { transports { stored } } }',
      );
      return result.syslogStats.transports.reduce((sum, t) => sum + t.stored, 0) >= MESSAGES;
    };
    await until(stored);
    return rate(started);
  } finally {
    await stack.stop();
  }
}

function rate(started: bigint): number {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return Math.round(MESSAGES / seconds);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const data = payload(MESSAGES);
  const rsyslog: number[] = [];
  const paasShack: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    rsyslog.push(await runRsyslog(data));
    paasShack.push(await runPaasShack(data));
    console.log(`run ${run + 1}: rsyslog ${rsyslog[run]}/s, paas-shack ${paasShack[run]}/s`);
  }
  const ratio = median(paasShack) / median(rsyslog);
  console.log(
    `median rsyslog ${median(rsyslog)}/s, paas-shack ${median(paasShack)}/s, ratio ${ratio.toFixed(3)}`,
  );
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
