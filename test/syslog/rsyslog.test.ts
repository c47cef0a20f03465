import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findLogs, SyslogTestStack, waitFor } from './harness';

/** Asks the kernel for a free UDP port on loopback. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * Writes the config of an rsyslog of its own, which receives UDP on loopback and forwards over TCP to the receiver,
 * RFC 5424 with octet counting for tag `fwd5424`, the traditional format with LF framing for
 * everything else. No imuxsock or imklog: it never touches the system's logs.
 */
function rsyslogConfig(workDir: string, inputPort: number, targetPort: number): string {
  return `
global(workDirectory="${workDir}" maxMessageSize="64k")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="${inputPort}")
if $programname == "fwd5424" then {
  action(type="omfwd" target="127.0.0.1" port="${targetPort}" protocol="tcp"
         TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
} else {
  action(type="omfwd" target="127.0.0.1" port="${targetPort}" protocol="tcp"
         template="RSYSLOG_ForwardFormat")
}
`;
}

describe('rsyslog forwarding to the receiver', () => {
  let stack: SyslogTestStack;
  let rsyslog: ChildProcess;
  let workDir: string;
  let inputPort: number;

  before(async () => {
    stack = await SyslogTestStack.start();
    workDir = mkdtempSync(path.join(tmpdir(), 'paas-shack-rsyslog-'));
    inputPort = await freeUdpPort();
    const config = path.join(workDir, 'rsyslog.conf');
    writeFileSync(config, rsyslogConfig(workDir, inputPort, stack.port));
    rsyslog = spawn('rsyslogd', ['-n', '-f', config, '-i', path.join(workDir, 'rsyslogd.pid')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    rsyslog.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // rsyslog listens a moment after it starts: resend a probe until one arrives.
    await waitFor(
      async () => {
        if (rsyslog.exitCode !== null) throw new Error(`rsyslogd exited: ${stderr}`);
        await sendToRsyslog('probe: rsyslog-ready');
        const data = await stack.query<{ logs: { totalCount: number } }>(
          '{ logs(filter: { text: "rsyslog-ready" }) { totalCount } }',
        );
        return data.logs.totalCount > 0;
      },
      'rsyslogd to forward a probe',
      20_000,
    );
  });

  after(async () => {
    if (rsyslog && rsyslog.exitCode === null) {
      const exited = new Promise((resolve) => rsyslog.once('exit', resolve));
      rsyslog.kill('SIGTERM');
      await exited;
    }
    rmSync(workDir, { recursive: true, force: true });
    await stack.stop();
  });

  async function sendToRsyslog(line: string): Promise<void> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      socket.send(Buffer.from(line), inputPort, '127.0.0.1', (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    socket.close();
  }

  test('RFC 5424 with octet counting', async () => {
    await sendToRsyslog(
      '<165>1 2026-01-02T03:04:05.123456+02:00 app1.example.test fwd5424 77 ORDER [meta@32473 k="v\\"w"] forwarded-5424 body',
    );
    const [log] = await findLogs(stack, 'forwarded-5424');
    assert.equal(log.format, 'RFC5424');
    assert.equal(log.transport, 'TCP');
    assert.equal(log.host, 'app1.example.test');
    assert.equal(log.appName, 'fwd5424');
    assert.equal(log.procId, '77');
    assert.equal(log.msgId, 'ORDER');
    assert.equal(log.facility, 'LOCAL4');
    assert.equal(log.severity, 'NOTICE');
    assert.equal(log.timestamp, '2026-01-02T01:04:05.123Z');
    assert.deepEqual(log.structuredData, [
      { id: 'meta@32473', params: [{ name: 'k', value: 'v"w' }] },
    ]);
    assert.equal(log.message, 'forwarded-5424 body');
  });

  test('traditional format with LF framing', async () => {
    await sendToRsyslog('<30>Jan  2 03:04:05 db1.example.test postgres[901]: forwarded-3164 body');
    const [log] = await findLogs(stack, 'forwarded-3164');
    assert.equal(log.format, 'RFC3164');
    assert.equal(log.host, 'db1.example.test');
    assert.equal(log.appName, 'postgres');
    assert.equal(log.procId, '901');
    assert.equal(log.facility, 'DAEMON');
    assert.equal(log.severity, 'INFO');
    assert.equal(log.message, 'forwarded-3164 body');
  });

  test('many forwarded messages', async () => {
    for (let i = 0; i < 200; i++) {
      await sendToRsyslog(`<13>1 - many.example.test fwd5424 - - - forwarded-many ${i}`);
    }
    const logs = await findLogs(stack, 'forwarded-many', 200);
    assert.equal(new Set(logs.map((log) => log.message)).size, 200);
    assert.ok(readFileSync(path.join(workDir, 'rsyslogd.pid'), 'utf8').trim().length > 0);
  });
});
