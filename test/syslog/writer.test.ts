import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLogger } from '../../lib/log';
import type { Collection } from '../../lib/store';
import type { LogDocument } from '../../subgraphs/syslog/models';
import { CounterSet } from '../../subgraphs/syslog/receiver/counters';
import { logEntry } from '../../subgraphs/syslog/receiver/log-entry';
import type { LogSources } from '../../subgraphs/syslog/storage/log-sources';
import { LogWriter, type NewLog } from '../../subgraphs/syslog/storage/log-writer';
import { SortKeys } from '../../subgraphs/syslog/storage/sort-key';

const STOP_TIMEOUT_MS = 500;

/** Builds a log collection whose insertMany runs `insert`; its other methods throw. */
function fakeCollection(insert: (batch: NewLog[]) => Promise<number>): Collection<LogDocument> {
  const unused = () => {
    throw new Error('not used by LogWriter');
  };
  return {
    name: 'logs',
    insertMany: insert,
    insertOne: unused,
    findOne: unused,
    find: unused,
    count: unused,
    updateOne: unused,
    updateMany: unused,
    deleteOne: unused,
    deleteMany: unused,
  };
}

const sources = { add: async () => undefined } as unknown as LogSources;

/** Blocks the event loop like better-sqlite3 waiting out busy_timeout on a locked file. */
function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Busy wait on purpose.
  }
}

function writerWith(insert: (batch: NewLog[]) => Promise<number>) {
  const counters = new CounterSet();
  const writer = new LogWriter(
    fakeCollection(insert),
    sources,
    {
      batchSize: 100,
      batchLatencyMs: 10,
      queueMaxMessages: 10_000,
      queueMaxBytes: 64 * 1024 * 1024,
      stopTimeoutMs: STOP_TIMEOUT_MS,
    },
    counters,
    silentLogger(),
  );
  const keys = new SortKeys();
  const enqueue = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const bytes = Buffer.from(`<13>1 - host app - - - message ${i}`);
      const arrival = {
        transport: 'tcp' as const,
        sender: '127.0.0.1',
        receivedAt: new Date(),
        truncated: false,
      };
      writer.enqueue(logEntry(bytes, arrival, keys).document, bytes.length);
    }
  };
  return { writer, counters, enqueue };
}

async function timedStop(writer: LogWriter): Promise<number> {
  const started = Date.now();
  await writer.stop();
  return Date.now() - started;
}

describe('log writer stop', () => {
  test('locked store stop is bounded', async () => {
    let attempts = 0;
    const { writer, counters, enqueue } = writerWith(async () => {
      attempts += 1;
      blockFor(100);
      throw new Error('SQLITE_BUSY: database is locked');
    });
    enqueue(3000);
    const elapsed = await timedStop(writer);
    assert.ok(elapsed < 3 * STOP_TIMEOUT_MS, `stop took ${elapsed} ms`);
    const tcp = counters.snapshot().transports.tcp;
    assert.equal(tcp.stored, 0);
    assert.equal(tcp.dropped, 3000);
    assert.equal(counters.snapshot().drops['store-failed'], 3000);
    assert.ok(attempts <= 4, `${attempts} insert attempts`);
    assert.deepEqual(writer.queued, { messages: 0, bytes: 0 });
  });

  test('retry wait ends at stop', async () => {
    let attempts = 0;
    const { writer, counters, enqueue } = writerWith(async () => {
      attempts += 1;
      if (attempts <= 6) throw new Error('store down');
      return 100;
    });
    enqueue(100);
    // Six failures put the writer into a backoff wait of 3.2 s, longer than the stop timeout.
    const deadline = Date.now() + 10_000;
    while (attempts < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(attempts, 6);
    const elapsed = await timedStop(writer);
    assert.ok(elapsed < 3 * STOP_TIMEOUT_MS, `stop took ${elapsed} ms`);
    assert.equal(counters.snapshot().transports.tcp.stored, 100);
    assert.equal(counters.snapshot().transports.tcp.dropped, 0);
  });

  test('recovering store loses nothing', async () => {
    let attempts = 0;
    const { writer, counters, enqueue } = writerWith(async (batch) => {
      attempts += 1;
      if (attempts <= 2) throw new Error('store down');
      return batch.length;
    });
    enqueue(1000);
    await timedStop(writer);
    const tcp = counters.snapshot().transports.tcp;
    assert.equal(tcp.stored, 1000);
    assert.equal(tcp.dropped, 0);
  });

  test('slow store stops at deadline', async () => {
    const { writer, counters, enqueue } = writerWith(async (batch) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return batch.length;
    });
    enqueue(3000);
    const elapsed = await timedStop(writer);
    assert.ok(elapsed < 3 * STOP_TIMEOUT_MS, `stop took ${elapsed} ms`);
    const tcp = counters.snapshot().transports.tcp;
    assert.ok(tcp.stored > 0, 'some batches were written before the deadline');
    assert.ok(tcp.dropped > 0, 'the rest was dropped at the deadline');
    assert.equal(tcp.stored + tcp.dropped, 3000);
    assert.equal(counters.snapshot().drops['store-failed'], tcp.dropped);
  });
});
