import mongoose, { type Connection, type Model } from 'mongoose';
import { plain, validationError } from './documents';
import {
  DocumentValidationError,
  DuplicateKeyError,
  type Collection,
  type Filter,
  type FindOptions,
  type ModelDefinition,
  type NewDocument,
  type Store,
  type StoredDocument,
  type Update,
} from './types';

/** Hides the password of a MongoDB URL so it can be logged. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

/**
 * The MongoDB backend: mongoose models on one connection. It uses only operations that
 * MongoDB 6+ and FerretDB 1.24 both support: no transactions, change streams or projections
 * on findOneAndUpdate.
 */
export class MongoStore implements Store {
  readonly kind = 'mongodb';
  readonly location: string;
  private readonly collections = new Map<string, MongoCollection<StoredDocument>>();

  private constructor(
    private readonly connection: Connection,
    url: string,
  ) {
    this.location = redactUrl(url);
  }

  static async connect(
    url: string,
    options: { serverSelectionTimeoutMs?: number } = {},
  ): Promise<MongoStore> {
    const connection = mongoose.createConnection(url, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 10_000,
      autoIndex: true,
      autoCreate: true,
    });
    await connection.asPromise();
    return new MongoStore(connection, url);
  }

  collection<T extends StoredDocument>(model: ModelDefinition<T>): Collection<T> {
    let collection = this.collections.get(model.name);
    if (!collection) {
      const mongooseModel = this.connection.model(model.name, model.schema, model.name);
      collection = new MongoCollection(model.name, mongooseModel as unknown as Model<unknown>);
      this.collections.set(model.name, collection);
    }
    return collection as unknown as Collection<T>;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/** Renames `id` to `_id` throughout a filter; an id that is no ObjectId matches nothing. */
function mongoFilter(filter: Filter): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (key === '$and' || key === '$or') {
      result[key] = (value as Filter[]).map(mongoFilter);
    } else if (key === 'id') {
      result._id = castId(value);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function castId(value: unknown): unknown {
  if (typeof value === 'string') return validId(value);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([op, operand]) => [
        op,
        Array.isArray(operand)
          ? operand.map((v) => (typeof v === 'string' ? validId(v) : v))
          : castId(operand),
      ]),
    );
  }
  return value;
}

// A fresh ObjectId matches no stored document, which is what an id of the wrong form should do.
function validId(id: string): mongoose.Types.ObjectId {
  return mongoose.isValidObjectId(id) && /^[0-9a-f]{24}$/i.test(id)
    ? new mongoose.Types.ObjectId(id)
    : new mongoose.Types.ObjectId();
}

function mapError(collection: string, err: unknown): Error {
  const mongoError = err as { code?: number; keyValue?: Record<string, unknown>; message?: string };
  if (mongoError.code === 11000)
    return new DuplicateKeyError(collection, mongoError.keyValue ?? {});
  // FerretDB 1.24 reports a unique-index violation by an update as InternalError (code 1).
  if (mongoError.code === 1 && mongoError.message?.includes('UNIQUE constraint failed')) {
    return new DuplicateKeyError(collection, {});
  }
  return validationError(collection, err);
}

class MongoCollection<T extends StoredDocument> implements Collection<T> {
  private ready: Promise<unknown>;

  constructor(
    readonly name: string,
    private readonly model: Model<unknown>,
  ) {
    // Unique indexes must exist before the first write, or duplicates slip through.
    this.ready = model.init();
  }

  private async run<R>(operation: () => Promise<R>): Promise<R> {
    await this.ready;
    try {
      return await operation();
    } catch (err) {
      throw mapError(this.name, err);
    }
  }

  private toDocument(object: unknown): T {
    return plain(object as Record<string, unknown>) as unknown as T;
  }

  /** Renames `id` to `_id`; an id that is not 24 hex digits fails, as in the embedded store. */
  private input(document: NewDocument<T>): Record<string, unknown> {
    const { id, ...fields } = document as Record<string, unknown>;
    if (id === undefined) return fields;
    if (typeof id !== 'string' || !/^[0-9a-f]{24}$/i.test(id)) {
      throw new DocumentValidationError(
        this.name,
        'id',
        `invalid id ${JSON.stringify(id)} in ${this.name}: expected 24 hexadecimal digits`,
      );
    }
    return { ...fields, _id: new mongoose.Types.ObjectId(id) };
  }

  async insertOne(document: NewDocument<T>): Promise<T> {
    return this.run(async () => {
      const created = await this.model.create(this.input(document));
      return this.toDocument(created.toObject({ versionKey: false }));
    });
  }

  async insertMany(documents: NewDocument<T>[]): Promise<number> {
    if (documents.length === 0) return 0;
    return this.run(async () => {
      const created = await this.model.insertMany(
        documents.map((d) => this.input(d)),
        { ordered: true },
      );
      return created.length;
    });
  }

  async findOne(filter: Filter, options: FindOptions = {}): Promise<T | null> {
    const [first] = await this.find(filter, { ...options, limit: 1 });
    return first ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.run(async () => {
      let query = this.model.find(mongoFilter(filter)).lean();
      if (options.sort) query = query.sort(sortSpec(options.sort));
      if (options.skip) query = query.skip(options.skip);
      if (options.limit !== undefined) query = query.limit(options.limit);
      const documents = (await query.exec()) as unknown[];
      return documents.map((d) => this.toDocument(d));
    });
  }

  async count(filter: Filter): Promise<number> {
    return this.run(() => this.model.countDocuments(mongoFilter(filter)).exec());
  }

  async updateOne(
    filter: Filter,
    update: Update,
    options: { upsert?: boolean } = {},
  ): Promise<T | null> {
    return this.run(async () => {
      const document = await this.model
        .findOneAndUpdate(mongoFilter(filter), update, {
          returnDocument: 'after',
          upsert: options.upsert === true,
          runValidators: true,
          timestamps: false,
        })
        .lean()
        .exec();
      return document ? this.toDocument(document) : null;
    });
  }

  async updateMany(filter: Filter, update: Update): Promise<number> {
    return this.run(async () => {
      const result = await this.model
        .updateMany(mongoFilter(filter), update, { runValidators: true })
        .exec();
      return result.modifiedCount;
    });
  }

  async deleteOne(filter: Filter): Promise<boolean> {
    return this.run(
      async () => (await this.model.deleteOne(mongoFilter(filter)).exec()).deletedCount > 0,
    );
  }

  async deleteMany(filter: Filter): Promise<number> {
    return this.run(
      async () => (await this.model.deleteMany(mongoFilter(filter)).exec()).deletedCount,
    );
  }
}

function sortSpec(sort: Record<string, 1 | -1>): Record<string, 1 | -1> {
  return Object.fromEntries(Object.entries(sort).map(([k, v]) => [k === 'id' ? '_id' : k, v]));
}
