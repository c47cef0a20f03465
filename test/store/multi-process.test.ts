import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Schema } from 'mongoose';
import { defineModel, EmbeddedStore, type StoredDocument } from '../../lib/store';

// Two OS processes write to one embedded data directory at the same time. The worker is a plain
// JavaScript file that loads the compiled store from dist/, so `npm run build` must run first.

const WORKER_SCRIPT = path.resolve(__dirname, '../../../test/store/fixtures/counter-writer.js');
const ITERATIONS = 500;
const WORKER_NAMES = ['first', 'second'];

// The same collection names and fields as in the worker script.
interface Counter extends StoredDocument {
  name: string;
  value: number;
}

interface WorkerEvent extends StoredDocument {
  worker: string;
  sequence: number;
}

const CounterModel = defineModel<Counter>(
  'mp_counters',
  new Schema({ name: String, value: Number }),
);
const EventModel = defineModel<WorkerEvent>(
  'mp_events',
  new Schema({ worker: String, sequence: Number }),
);

interface WorkerResult {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Worker {
  /** Resolves once the worker has opened the store; rejects if it exits first. */
  ready: Promise<void>;
  /** Sends the line that makes the worker start writing. */
  start(): void;
  exited: Promise<WorkerResult>;
}

function spawnWorker(dataDir: string, name: string): Worker {
  const child = spawn(process.execPath, [WORKER_SCRIPT, dataDir, name, String(ITERATIONS)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));

  const exited = new Promise<WorkerResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ name, code, signal, stdout, stderr }));
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.startsWith('ready\n')) resolve();
    });
    void exited.then(
      (result) => reject(new Error(`worker ${name} exited before it was ready: ${result.stderr}`)),
      reject,
    );
  });

  return { ready, exited, start: () => child.stdin.end('start\n') };
}

/** Parses the JSON line a worker prints after "ready" when it finishes. */
function summaryOf(result: WorkerResult): { values: number[] } {
  const line = result.stdout.split('\n')[1];
  assert.ok(line, `worker ${result.name} printed no summary: ${result.stdout}`);
  return JSON.parse(line) as { values: number[] };
}

describe('embedded store shared by two processes', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'paas-store-multi-process-'));
  const results: WorkerResult[] = [];
  let store: EmbeddedStore;

  before(async () => {
    // Both workers open the fresh directory at once, so they also race to create the tables.
    const workers = WORKER_NAMES.map((name) => spawnWorker(dataDir, name));
    await Promise.all(workers.map((worker) => worker.ready));
    for (const worker of workers) worker.start();
    results.push(...(await Promise.all(workers.map((worker) => worker.exited))));
    store = new EmbeddedStore(dataDir);
  });

  after(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('workers exit cleanly', () => {
    for (const result of results) {
      assert.equal(result.code, 0, `worker ${result.name} failed: ${result.stderr}`);
      assert.equal(result.signal, null);
      assert.doesNotMatch(result.stderr, /SQLITE_BUSY|database is locked/);
      assert.equal(result.stderr, '');
    }
  });

  test('workers report every iteration', () => {
    for (const result of results) {
      assert.equal(summaryOf(result).values.length, ITERATIONS);
    }
  });

  test('each increment returns distinct value', () => {
    // Without lost updates the two workers together saw every value from 1 to the total once.
    const total = ITERATIONS * WORKER_NAMES.length;
    const values = results.flatMap((result) => summaryOf(result).values).sort((a, b) => a - b);
    assert.deepEqual(
      values,
      Array.from({ length: total }, (_, index) => index + 1),
    );
  });

  test('counter loses no increment', async () => {
    const counters = await store.collection(CounterModel).find({ name: 'shared' });
    assert.equal(counters.length, 1);
    assert.equal(counters[0].value, ITERATIONS * WORKER_NAMES.length);
  });

  test('every insert is stored', async () => {
    const events = store.collection(EventModel);
    assert.equal(await events.count({}), ITERATIONS * WORKER_NAMES.length);
    for (const name of WORKER_NAMES) {
      assert.equal(await events.count({ worker: name }), ITERATIONS);
      const last = await events.findOne({ worker: name }, { sort: { sequence: -1 } });
      assert.equal(last?.sequence, ITERATIONS - 1);
    }
  });
});
