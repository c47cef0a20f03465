import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import mongoose, { Schema } from 'mongoose';
import { ChangeFeed, type Change } from '../../lib/changes';
import { silentLogger } from '../../lib/log';
import {
  defineModel,
  DocumentValidationError,
  DuplicateKeyError,
  EmbeddedStore,
  MongoStore,
  type Collection,
  type Filter,
  type FindOptions,
  type NewDocument,
  type Store,
  type StoredDocument,
} from '../../lib/store';

// The same cases run against every backend. The MongoDB run needs PAAS_TEST_MONGODB_URL, for
// example the URL that test/mongodb-server/start.sh prints; each run uses a fresh database.

interface Host extends StoredDocument {
  name: string;
  group: string;
  rank: number;
  state: string;
  enabled: boolean;
  seenAt?: Date;
  updatedAt?: Date;
  tags: string[];
  note?: string;
  meta?: { owner?: string; zone?: string };
}

const hostSchema = new Schema({
  name: { type: String, required: true },
  group: { type: String, required: true },
  rank: { type: Number, required: true, min: 0 },
  state: { type: String, default: 'new' },
  enabled: { type: Boolean, default: true },
  seenAt: { type: Date },
  updatedAt: { type: Date },
  tags: { type: [String], default: [] },
  note: { type: String },
  meta: { owner: { type: String }, zone: { type: String } },
});
hostSchema.index({ name: 1 }, { unique: true });
hostSchema.index({ group: 1, rank: -1 });

const HostModel = defineModel<Host>('contract_hosts', hostSchema);

/** Five hosts, inserted one by one in this order, so their ids ascend in this order too. */
const SEED: NewDocument<Host>[] = [
  {
    name: 'alpha',
    group: 'web',
    rank: 1,
    state: 'new',
    enabled: true,
    seenAt: new Date('2024-01-01T00:00:00.000Z'),
    tags: ['web', 'prod'],
    note: 'first host',
    meta: { owner: 'ops' },
  },
  {
    name: 'bravo',
    group: 'web',
    rank: 2,
    state: 'new',
    enabled: true,
    seenAt: new Date('2024-02-01T00:00:00.000Z'),
    tags: ['web'],
  },
  {
    name: 'charlie',
    group: 'db',
    rank: 3,
    state: 'new',
    enabled: true,
    seenAt: new Date('2024-03-01T00:00:00.000Z'),
    tags: ['db', 'prod'],
    note: 'Primary database',
  },
  {
    name: 'delta',
    group: 'db',
    rank: 2,
    state: 'new',
    enabled: false,
    seenAt: new Date('2024-04-01T00:00:00.000Z'),
    tags: [],
  },
  {
    name: 'echo',
    group: 'cache',
    rank: 5,
    state: 'new',
    enabled: true,
    seenAt: new Date('2024-05-01T00:00:00.000Z'),
    tags: ['cache'],
  },
];

const SEED_NAMES = SEED.map((host) => host.name);

/** Upper bound on waiting for another store's change; a guard against hanging, not a limit. */
const CHANGE_DEADLINE_MS = 15_000;
const CHANGE_POLL_MS = 50;

interface Backend {
  readonly kind: Store['kind'];
  /** Opens a new Store instance on this backend's data; every call opens the same data. */
  open(): Promise<Store>;
  /** Removes the data this backend created. */
  dispose(): Promise<void>;
}

interface Context {
  store: Store;
  hosts: Collection<Host>;
  /** Seeded documents by name, with the ids the store gave them. */
  seeded: Map<string, Host>;
}

function embeddedBackend(): Backend {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'paas-store-contract-'));
  return {
    kind: 'embedded',
    open: async () => new EmbeddedStore(dataDir),
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Points a MongoDB URL at another database, keeping host, credentials and options. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function mongodbBackend(serverUrl: string): Backend {
  const url = withDatabase(serverUrl, `paas_contract_${randomBytes(6).toString('hex')}`);
  return {
    kind: 'mongodb',
    open: () => MongoStore.connect(url, { serverSelectionTimeoutMs: 5_000 }),
    dispose: async () => {
      const connection = await mongoose
        .createConnection(url, { serverSelectionTimeoutMS: 5_000 })
        .asPromise();
      try {
        await connection.dropDatabase();
      } finally {
        await connection.close();
      }
    },
  };
}

/** Replaces the collection's contents by SEED. */
async function seed(context: Context): Promise<void> {
  await context.hosts.deleteMany({});
  context.seeded.clear();
  for (const input of SEED) {
    const host = await context.hosts.insertOne(input);
    context.seeded.set(host.name, host);
  }
}

function seededId(context: Context, name: string): string {
  const host = context.seeded.get(name);
  assert.ok(host, `host ${name} was not seeded`);
  return host.id;
}

function namesOf(hosts: Host[]): string[] {
  return hosts.map((host) => host.name);
}

async function sortedNames(context: Context, filter: Filter): Promise<string[]> {
  return namesOf(await context.hosts.find(filter)).sort();
}

/** Resolves with the promise's value, or rejects once deadlineMs has passed without one. */
async function withDeadline<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} after ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Read cases: each filter runs against the seeded hosts and lists the names it must match.
// ---------------------------------------------------------------------------------------------

interface FindCase {
  name: string;
  /** Builds the filter; a function because id filters need the ids the store assigned. */
  filter: (context: Context) => Filter;
  expected: string[];
}

const FIND_CASES: FindCase[] = [
  { name: 'empty filter matches all', filter: () => ({}), expected: SEED_NAMES },
  { name: 'string equality', filter: () => ({ group: 'web' }), expected: ['alpha', 'bravo'] },
  { name: 'boolean equality', filter: () => ({ enabled: false }), expected: ['delta'] },
  { name: 'explicit $eq', filter: () => ({ rank: { $eq: 2 } }), expected: ['bravo', 'delta'] },
  { name: 'dotted path equality', filter: () => ({ 'meta.owner': 'ops' }), expected: ['alpha'] },
  { name: 'equality matching nothing', filter: () => ({ group: 'mail' }), expected: [] },
  {
    name: '$in on numbers',
    filter: () => ({ rank: { $in: [2, 5] } }),
    expected: ['bravo', 'delta', 'echo'],
  },
  { name: '$in with empty list', filter: () => ({ group: { $in: [] } }), expected: [] },
  {
    name: '$nin on strings',
    filter: () => ({ group: { $nin: ['web', 'db'] } }),
    expected: ['echo'],
  },
  {
    name: '$nin includes missing fields',
    filter: () => ({ note: { $nin: ['first host'] } }),
    expected: ['bravo', 'charlie', 'delta', 'echo'],
  },
  {
    name: '$ne on strings',
    filter: () => ({ group: { $ne: 'web' } }),
    expected: ['charlie', 'delta', 'echo'],
  },
  {
    name: '$ne includes missing fields',
    filter: () => ({ note: { $ne: 'first host' } }),
    expected: ['bravo', 'charlie', 'delta', 'echo'],
  },
  {
    name: 'number range, both bounds',
    filter: () => ({ rank: { $gt: 1, $lte: 3 } }),
    expected: ['bravo', 'charlie', 'delta'],
  },
  {
    name: 'number range, lower bound',
    filter: () => ({ rank: { $gte: 3 } }),
    expected: ['charlie', 'echo'],
  },
  {
    name: 'number range, upper bound',
    filter: () => ({ rank: { $lt: 2 } }),
    expected: ['alpha'],
  },
  {
    name: 'Date range',
    filter: () => ({
      seenAt: {
        $gte: new Date('2024-02-01T00:00:00.000Z'),
        $lt: new Date('2024-04-01T00:00:00.000Z'),
      },
    }),
    expected: ['bravo', 'charlie'],
  },
  {
    name: 'Date equality',
    filter: () => ({ seenAt: new Date('2024-05-01T00:00:00.000Z') }),
    expected: ['echo'],
  },
  {
    name: '$exists true',
    filter: () => ({ note: { $exists: true } }),
    expected: ['alpha', 'charlie'],
  },
  {
    name: '$exists false',
    filter: () => ({ note: { $exists: false } }),
    expected: ['bravo', 'delta', 'echo'],
  },
  {
    name: '$regex string',
    filter: () => ({ name: { $regex: '^[a-c]' } }),
    expected: ['alpha', 'bravo', 'charlie'],
  },
  {
    name: '$regex string, case-sensitive',
    filter: () => ({ note: { $regex: 'primary' } }),
    expected: [],
  },
  {
    name: '$regex string with $options',
    filter: () => ({ note: { $regex: 'primary', $options: 'i' } }),
    expected: ['charlie'],
  },
  {
    name: '$regex RegExp, case-insensitive',
    filter: () => ({ note: { $regex: /^FIRST/i } }),
    expected: ['alpha'],
  },
  {
    name: '$or of two fields',
    filter: () => ({ $or: [{ group: 'cache' }, { rank: 1 }] }),
    expected: ['alpha', 'echo'],
  },
  {
    name: '$and of two conditions',
    filter: () => ({ $and: [{ group: 'db' }, { rank: { $gt: 2 } }] }),
    expected: ['charlie'],
  },
  {
    name: 'field beside nested $or',
    filter: () => ({ group: 'web', $or: [{ rank: 2 }, { note: { $exists: true } }] }),
    expected: ['alpha', 'bravo'],
  },
  {
    name: 'array equality matches element',
    filter: () => ({ tags: 'prod' }),
    expected: ['alpha', 'charlie'],
  },
  {
    name: 'array $in matches element',
    filter: () => ({ tags: { $in: ['cache', 'db'] } }),
    expected: ['charlie', 'echo'],
  },
  {
    name: 'array $ne excludes element',
    filter: () => ({ tags: { $ne: 'web' } }),
    expected: ['charlie', 'delta', 'echo'],
  },
  {
    name: 'array $regex matches element',
    filter: () => ({ tags: { $regex: '^ca' } }),
    expected: ['echo'],
  },
  {
    name: 'id equality',
    filter: (context) => ({ id: seededId(context, 'charlie') }),
    expected: ['charlie'],
  },
  {
    name: 'id $in',
    filter: (context) => ({ id: { $in: [seededId(context, 'alpha'), seededId(context, 'echo')] } }),
    expected: ['alpha', 'echo'],
  },
  {
    name: 'id $gt',
    filter: (context) => ({ id: { $gt: seededId(context, 'charlie') } }),
    expected: ['delta', 'echo'],
  },
  { name: 'invalid id string', filter: () => ({ id: 'nope' }), expected: [] },
  {
    name: 'invalid id in $in',
    filter: (context) => ({ id: { $in: ['nope', seededId(context, 'bravo')] } }),
    expected: ['bravo'],
  },
];

interface SortCase {
  name: string;
  options: FindOptions;
  expected: string[];
}

const SORT_CASES: SortCase[] = [
  {
    name: 'ascending then descending',
    options: { sort: { group: 1, rank: -1 } },
    expected: ['echo', 'charlie', 'delta', 'bravo', 'alpha'],
  },
  {
    name: 'descending then ascending',
    options: { sort: { rank: -1, name: 1 } },
    expected: ['echo', 'charlie', 'bravo', 'delta', 'alpha'],
  },
  {
    name: 'Date descending',
    options: { sort: { seenAt: -1 } },
    expected: ['echo', 'delta', 'charlie', 'bravo', 'alpha'],
  },
  {
    name: 'id descending',
    options: { sort: { id: -1 } },
    expected: ['echo', 'delta', 'charlie', 'bravo', 'alpha'],
  },
  { name: 'limit only', options: { sort: { name: 1 }, limit: 2 }, expected: ['alpha', 'bravo'] },
  { name: 'skip only', options: { sort: { name: 1 }, skip: 3 }, expected: ['delta', 'echo'] },
  {
    name: 'skip and limit',
    options: { sort: { name: 1 }, skip: 1, limit: 2 },
    expected: ['bravo', 'charlie'],
  },
  { name: 'skip past end', options: { sort: { name: 1 }, skip: 9 }, expected: [] },
];

// ---------------------------------------------------------------------------------------------
// Write cases: each starts from a freshly seeded collection.
// ---------------------------------------------------------------------------------------------

interface InvalidCase {
  name: string;
  document: Record<string, unknown>;
  field: string;
}

const INVALID_CASES: InvalidCase[] = [
  { name: 'missing required field', document: { group: 'web', rank: 1 }, field: 'name' },
  { name: 'number below minimum', document: { name: 'x', group: 'web', rank: -1 }, field: 'rank' },
  {
    name: 'string where number expected',
    document: { name: 'x', group: 'web', rank: 'many' },
    field: 'rank',
  },
  {
    name: 'invalid Date',
    document: { name: 'x', group: 'web', rank: 1, seenAt: 'yesterday' },
    field: 'seenAt',
  },
  {
    name: 'id not an ObjectId',
    document: { id: 'nope', name: 'x', group: 'web', rank: 1 },
    field: 'id',
  },
];

interface WriteCase {
  name: string;
  run: (context: Context) => Promise<void>;
}

async function rejectsWithField(promise: Promise<unknown>, field: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(err instanceof DocumentValidationError, `expected DocumentValidationError, got ${err}`);
  assert.equal(err.field, field);
  assert.equal(err.collection, HostModel.name);
}

async function rejectsWithDuplicate(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(err instanceof DuplicateKeyError, `expected DuplicateKeyError, got ${err}`);
  assert.equal(err.code, 11000);
  assert.equal(err.collection, HostModel.name);
}

const WRITE_CASES: WriteCase[] = [
  {
    name: 'insertOne returns id, defaults',
    run: async (context) => {
      const host = await context.hosts.insertOne({
        name: 'foxtrot',
        group: 'web',
        rank: 7,
      } as NewDocument<Host>);
      assert.equal(typeof host.id, 'string');
      assert.match(host.id, /^[0-9a-f]{24}$/);
      assert.equal(host.state, 'new');
      assert.equal(host.enabled, true);
      assert.deepEqual(host.tags, []);
      const stored = await context.hosts.findOne({ id: host.id });
      assert.equal(stored?.name, 'foxtrot');
      assert.equal(stored?.state, 'new');
    },
  },
  ...INVALID_CASES.map((invalid): WriteCase => ({
    name: `insertOne rejects ${invalid.name}`,
    run: async (context) => {
      await rejectsWithField(
        context.hosts.insertOne(invalid.document as NewDocument<Host>),
        invalid.field,
      );
      assert.equal(await context.hosts.count({}), SEED.length);
    },
  })),
  {
    name: 'updateOne rejects invalid value',
    run: async (context) => {
      await rejectsWithField(
        context.hosts.updateOne({ name: 'alpha' }, { $set: { rank: -5 } }),
        'rank',
      );
      const alpha = await context.hosts.findOne({ name: 'alpha' });
      assert.equal(alpha?.rank, 1);
    },
  },
  {
    name: 'unique index rejects insert',
    run: async (context) => {
      await rejectsWithDuplicate(
        context.hosts.insertOne({ name: 'alpha', group: 'db', rank: 9 } as NewDocument<Host>),
      );
      assert.equal(await context.hosts.count({ name: 'alpha' }), 1);
      assert.equal(await context.hosts.count({ group: 'db' }), 2);
    },
  },
  {
    name: 'unique index rejects update',
    run: async (context) => {
      await rejectsWithDuplicate(
        context.hosts.updateOne({ name: 'bravo' }, { $set: { name: 'alpha' } }),
      );
      assert.equal(await context.hosts.count({ name: 'alpha' }), 1);
      assert.equal(await context.hosts.count({ name: 'bravo' }), 1);
    },
  },
  {
    name: 'count with filters',
    run: async (context) => {
      assert.equal(await context.hosts.count({}), 5);
      assert.equal(await context.hosts.count({ group: 'web' }), 2);
      assert.equal(await context.hosts.count({ rank: { $gte: 2 } }), 4);
      assert.equal(await context.hosts.count({ group: 'mail' }), 0);
    },
  },
  {
    name: 'findOne honours sort',
    run: async (context) => {
      const top = await context.hosts.findOne({ group: 'db' }, { sort: { rank: -1 } });
      assert.equal(top?.name, 'charlie');
      const missing = await context.hosts.findOne({ group: 'mail' });
      assert.equal(missing, null);
    },
  },
  {
    name: 'paging by id $gt',
    run: async (context) => {
      const pages: string[][] = [];
      let filter: Filter = {};
      for (;;) {
        const page = await context.hosts.find(filter, { sort: { id: 1 }, limit: 2 });
        if (page.length === 0) break;
        pages.push(namesOf(page));
        filter = { id: { $gt: page[page.length - 1].id } };
      }
      assert.deepEqual(pages, [['alpha', 'bravo'], ['charlie', 'delta'], ['echo']]);
    },
  },
  {
    name: 'updateOne $set dotted path',
    run: async (context) => {
      const updated = await context.hosts.updateOne(
        { name: 'alpha' },
        { $set: { 'meta.zone': 'eu', state: 'live' } },
      );
      assert.equal(updated?.meta?.zone, 'eu');
      assert.equal(updated?.meta?.owner, 'ops');
      assert.equal(updated?.state, 'live');
      const stored = await context.hosts.findOne({ 'meta.zone': 'eu' });
      assert.equal(stored?.name, 'alpha');
    },
  },
  {
    name: 'updateOne $unset removes field',
    run: async (context) => {
      const updated = await context.hosts.updateOne({ name: 'alpha' }, { $unset: { note: '' } });
      assert.equal(updated?.name, 'alpha');
      assert.equal(updated?.note, undefined);
      assert.deepEqual(await sortedNames(context, { note: { $exists: true } }), ['charlie']);
    },
  },
  {
    name: 'updateOne $inc adds amount',
    run: async (context) => {
      const updated = await context.hosts.updateOne({ name: 'alpha' }, { $inc: { rank: 10 } });
      assert.equal(updated?.rank, 11);
      const decremented = await context.hosts.updateOne({ name: 'alpha' }, { $inc: { rank: -4 } });
      assert.equal(decremented?.rank, 7);
    },
  },
  {
    name: 'updateOne $push appends',
    run: async (context) => {
      const updated = await context.hosts.updateOne({ name: 'alpha' }, { $push: { tags: 'edge' } });
      assert.deepEqual(updated?.tags, ['web', 'prod', 'edge']);
      const empty = await context.hosts.updateOne({ name: 'delta' }, { $push: { tags: 'db' } });
      assert.deepEqual(empty?.tags, ['db']);
    },
  },
  {
    name: 'updateOne $pull removes element',
    run: async (context) => {
      const updated = await context.hosts.updateOne({ name: 'alpha' }, { $pull: { tags: 'web' } });
      assert.deepEqual(updated?.tags, ['prod']);
      assert.deepEqual(await sortedNames(context, { tags: 'web' }), ['bravo']);
    },
  },
  {
    name: 'updateOne leaves updatedAt alone',
    run: async (context) => {
      const before = new Date('2023-06-01T12:00:00.000Z');
      await context.hosts.updateOne({ name: 'alpha' }, { $set: { updatedAt: before } });
      const updated = await context.hosts.updateOne({ name: 'alpha' }, { $set: { rank: 4 } });
      assert.equal(updated?.updatedAt?.getTime(), before.getTime());
    },
  },
  {
    name: 'updateOne returns null on miss',
    run: async (context) => {
      const updated = await context.hosts.updateOne({ name: 'zulu' }, { $set: { rank: 1 } });
      assert.equal(updated, null);
      assert.equal(await context.hosts.count({}), SEED.length);
    },
  },
  {
    name: 'upsert copies filter equalities',
    run: async (context) => {
      const created = await context.hosts.updateOne(
        { name: 'golf', group: { $eq: 'edge' } },
        { $set: { rank: 4 }, $setOnInsert: { note: 'created' } },
        { upsert: true },
      );
      assert.match(created?.id ?? '', /^[0-9a-f]{24}$/);
      assert.equal(created?.name, 'golf');
      assert.equal(created?.group, 'edge');
      assert.equal(created?.rank, 4);
      assert.equal(created?.note, 'created');
      assert.equal(created?.state, 'new');
      assert.equal(await context.hosts.count({}), SEED.length + 1);
    },
  },
  {
    name: 'upsert updates existing match',
    run: async (context) => {
      const updated = await context.hosts.updateOne(
        { name: 'alpha' },
        { $set: { rank: 8 }, $setOnInsert: { note: 'created' } },
        { upsert: true },
      );
      assert.equal(updated?.id, seededId(context, 'alpha'));
      assert.equal(updated?.rank, 8);
      assert.equal(updated?.note, 'first host');
      assert.equal(await context.hosts.count({}), SEED.length);
    },
  },
  {
    name: 'updateMany returns count',
    run: async (context) => {
      const updated = await context.hosts.updateMany({ group: 'web' }, { $set: { state: 'live' } });
      assert.equal(updated, 2);
      assert.deepEqual(await sortedNames(context, { state: 'live' }), ['alpha', 'bravo']);
    },
  },
  {
    name: 'updateMany skips unchanged documents',
    run: async (context) => {
      await context.hosts.updateOne({ name: 'alpha' }, { $set: { state: 'live' } });
      const updated = await context.hosts.updateMany({ group: 'web' }, { $set: { state: 'live' } });
      assert.equal(updated, 1);
    },
  },
  {
    name: 'updateMany on no match',
    run: async (context) => {
      const updated = await context.hosts.updateMany({ group: 'mail' }, { $inc: { rank: 1 } });
      assert.equal(updated, 0);
    },
  },
  {
    name: 'deleteOne removes one match',
    run: async (context) => {
      assert.equal(await context.hosts.deleteOne({ group: 'web' }), true);
      assert.equal(await context.hosts.count({ group: 'web' }), 1);
      assert.equal(await context.hosts.deleteOne({ group: 'mail' }), false);
      assert.equal(await context.hosts.count({}), SEED.length - 1);
    },
  },
  {
    name: 'deleteMany returns count',
    run: async (context) => {
      assert.equal(await context.hosts.deleteMany({ group: 'db' }), 2);
      assert.deepEqual(await sortedNames(context, {}), ['alpha', 'bravo', 'echo']);
      assert.equal(await context.hosts.deleteMany({ group: 'db' }), 0);
    },
  },
  {
    name: 'insertMany returns count',
    run: async (context) => {
      const written = await context.hosts.insertMany([
        { name: 'foxtrot', group: 'mail', rank: 1 },
        { name: 'golf', group: 'mail', rank: 2 },
        { name: 'hotel', group: 'mail', rank: 3 },
      ] as NewDocument<Host>[]);
      assert.equal(written, 3);
      assert.deepEqual(await sortedNames(context, { group: 'mail' }), ['foxtrot', 'golf', 'hotel']);
      const stored = await context.hosts.findOne({ name: 'golf' });
      assert.equal(stored?.state, 'new');
      assert.equal(await context.hosts.insertMany([]), 0);
    },
  },
  {
    name: 'insertMany stops at duplicate',
    run: async (context) => {
      await rejectsWithDuplicate(
        context.hosts.insertMany([
          { name: 'foxtrot', group: 'mail', rank: 1 },
          { name: 'alpha', group: 'mail', rank: 2 },
          { name: 'hotel', group: 'mail', rank: 3 },
        ] as NewDocument<Host>[]),
      );
      assert.deepEqual(await sortedNames(context, { group: 'mail' }), ['foxtrot']);
    },
  },
  {
    name: 'insertMany validates before writing',
    run: async (context) => {
      await rejectsWithField(
        context.hosts.insertMany([
          { name: 'foxtrot', group: 'mail', rank: 1 },
          { name: 'golf', group: 'mail', rank: -2 },
        ] as NewDocument<Host>[]),
        'rank',
      );
      assert.equal(await context.hosts.count({ group: 'mail' }), 0);
    },
  },
  {
    name: 'Date round-trips as Date',
    run: async (context) => {
      const seenAt = new Date('2024-07-15T08:09:10.123Z');
      const inserted = await context.hosts.insertOne({
        name: 'foxtrot',
        group: 'mail',
        rank: 1,
        seenAt,
      } as NewDocument<Host>);
      assert.ok(inserted.seenAt instanceof Date);
      assert.equal(inserted.seenAt.getTime(), seenAt.getTime());
      const stored = await context.hosts.findOne({ name: 'foxtrot' });
      assert.ok(stored?.seenAt instanceof Date);
      assert.equal(stored.seenAt.getTime(), seenAt.getTime());
      const updated = await context.hosts.updateOne({ name: 'foxtrot' }, { $inc: { rank: 1 } });
      assert.ok(updated?.seenAt instanceof Date);
      assert.equal(updated.seenAt.getTime(), seenAt.getTime());
    },
  },
  {
    name: 'invalid id writes nothing',
    run: async (context) => {
      assert.equal(await context.hosts.count({ id: 'nope' }), 0);
      assert.equal(await context.hosts.findOne({ id: 'nope' }), null);
      assert.equal(await context.hosts.updateOne({ id: 'nope' }, { $set: { rank: 9 } }), null);
      assert.equal(await context.hosts.updateMany({ id: 'nope' }, { $set: { rank: 9 } }), 0);
      assert.equal(await context.hosts.deleteOne({ id: 'nope' }), false);
      assert.equal(await context.hosts.deleteMany({ id: { $in: ['nope'] } }), 0);
      assert.equal(await context.hosts.count({ rank: 9 }), 0);
      assert.equal(await context.hosts.count({}), SEED.length);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Suite
// ---------------------------------------------------------------------------------------------

function describeContract(backend: Backend): void {
  describe(`store contract (${backend.kind})`, () => {
    const context = { seeded: new Map<string, Host>() } as Context;

    before(async () => {
      context.store = await backend.open();
      context.hosts = context.store.collection(HostModel);
    });

    after(async () => {
      await context.store?.close();
      await backend.dispose();
    });

    test('store reports its kind', () => {
      assert.equal(context.store.kind, backend.kind);
    });

    describe('find', () => {
      before(() => seed(context));

      for (const findCase of FIND_CASES) {
        test(findCase.name, async () => {
          const names = await sortedNames(context, findCase.filter(context));
          assert.deepEqual(names, [...findCase.expected].sort());
        });
      }
    });

    describe('sort, skip and limit', () => {
      before(() => seed(context));

      for (const sortCase of SORT_CASES) {
        test(sortCase.name, async () => {
          const hosts = await context.hosts.find({}, sortCase.options);
          assert.deepEqual(namesOf(hosts), sortCase.expected);
        });
      }
    });

    describe('writes', () => {
      for (const writeCase of WRITE_CASES) {
        test(writeCase.name, async () => {
          await seed(context);
          await writeCase.run(context);
        });
      }
    });

    test('data survives reopening', async () => {
      const writer = await backend.open();
      const inserted = await writer
        .collection(HostModel)
        .insertOne({ name: 'persisted', group: 'mail', rank: 3, tags: ['a'] } as NewDocument<Host>);
      await writer.close();

      const reader = await backend.open();
      try {
        const stored = await reader.collection(HostModel).findOne({ id: inserted.id });
        assert.equal(stored?.name, 'persisted');
        assert.equal(stored?.rank, 3);
        assert.deepEqual(stored?.tags, ['a']);
        assert.equal(stored?.state, 'new');
      } finally {
        await reader.close();
      }
    });

    test('change feed crosses stores', async () => {
      const other = await backend.open();
      const publisher = new ChangeFeed(context.store, silentLogger(), 0);
      const listener = new ChangeFeed(other, silentLogger(), CHANGE_POLL_MS);
      try {
        await publisher.start();
        await listener.start();

        const local: Change[] = [];
        publisher.subscribe('zones', (change) => local.push(change));
        const remote = new Promise<Change>((resolve) => listener.subscribe('zones', resolve));

        await publisher.publish('zones', 'example.test');
        const change = await withDeadline(remote, CHANGE_DEADLINE_MS, 'no change seen by poll');

        assert.equal(change.topic, 'zones');
        assert.equal(change.key, undefined);
        assert.deepEqual(local, [{ topic: 'zones', key: 'example.test' }]);
      } finally {
        publisher.stop();
        listener.stop();
        await other.close();
      }
    });
  });
}

describeContract(embeddedBackend());

const mongodbUrl = process.env.PAAS_TEST_MONGODB_URL;
if (mongodbUrl) {
  describeContract(mongodbBackend(mongodbUrl));
} else {
  console.log('store contract (mongodb): not requested, because PAAS_TEST_MONGODB_URL is unset');
}
