import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { castDocument, prepareDocument } from '../documents';
import {
  DuplicateKeyError,
  type Collection,
  type Filter,
  type FindOptions,
  type ModelDefinition,
  type NewDocument,
  type Store,
  type StoredDocument,
  type Update,
} from '../types';
import { fieldExpression, filterToSql, optionsToSql } from './filter';
import { applyUpdate, equalityFields } from './update';

export const EMBEDDED_FILE = 'paas-shack.db';

const MAX_UPDATE_ATTEMPTS = 50;

/**
 * The embedded backend: one SQLite file in WAL mode, one table of JSON documents per
 * collection. WAL lets several processes on one machine share the file safely; writers wait
 * up to busyTimeout for each other.
 */
export class EmbeddedStore implements Store {
  readonly kind = 'embedded';
  readonly location: string;
  private readonly db: Database.Database;
  private readonly collections = new Map<string, EmbeddedCollection<StoredDocument>>();
  private readonly patterns = new Map<string, RegExp>();

  constructor(dataDir: string, options: { busyTimeoutMs?: number } = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.location = path.resolve(dataDir, EMBEDDED_FILE);
    this.db = new Database(this.location);
    // The timeout comes first, so that switching to WAL also waits while another process
    // holds a lock on the file.
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.function('regexp', { deterministic: true }, (source, flags, value) => {
      if (typeof value !== 'string') return 0;
      return this.pattern(String(source), String(flags)).test(value) ? 1 : 0;
    });
  }

  private pattern(source: string, flags: string): RegExp {
    const key = `${flags}/${source}`;
    let regex = this.patterns.get(key);
    if (!regex) {
      regex = new RegExp(source, flags);
      if (this.patterns.size > 1000) this.patterns.clear();
      this.patterns.set(key, regex);
    }
    return regex;
  }

  collection<T extends StoredDocument>(model: ModelDefinition<T>): Collection<T> {
    let collection = this.collections.get(model.name);
    if (!collection) {
      collection = new EmbeddedCollection(this.db, model as ModelDefinition<StoredDocument>);
      this.collections.set(model.name, collection);
    }
    return collection as unknown as Collection<T>;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

interface Row {
  id: string;
  doc: string;
}

class EmbeddedCollection<T extends StoredDocument> implements Collection<T> {
  readonly name: string;
  private readonly table: string;
  private readonly uniqueIndexes = new Map<string, string[]>();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly model: ModelDefinition<StoredDocument>,
  ) {
    this.name = model.name;
    this.table = `"c_${model.name}"`;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`);
    this.createIndexes();
  }

  /** Turns the schema's declared indexes into SQLite expression indexes. */
  private createIndexes(): void {
    for (const [fields, options] of this.model.schema.indexes()) {
      const paths = Object.keys(fields);
      const name = `i_${this.model.name}_${paths.join('_').replaceAll('.', '_')}`;
      const columns = paths
        .map(
          (p) =>
            `${fieldExpression(p)} ${(fields as Record<string, unknown>)[p] === -1 ? 'DESC' : 'ASC'}`,
        )
        .join(', ');
      const unique = (options as { unique?: boolean }).unique === true;
      this.db.exec(
        `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${name}" ON ${this.table} (${columns})`,
      );
      if (unique) this.uniqueIndexes.set(name, paths);
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      // Filters with $in lists of varying length make distinct SQL, so the cache is bounded.
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private toDocument(row: Row): T {
    return castDocument(this.model, row.id, JSON.parse(row.doc)) as unknown as T;
  }

  private serialize(document: Record<string, unknown>): Row {
    const { id, ...fields } = document;
    return { id: String(id), doc: JSON.stringify(fields) };
  }

  /** Runs a write and maps SQLite's unique-constraint failure to DuplicateKeyError. */
  private write<R>(document: Record<string, unknown>, run: () => R): R {
    try {
      return run();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new DuplicateKeyError(this.name, this.conflictingKey(String(err), document));
      }
      throw err;
    }
  }

  private conflictingKey(message: string, document: Record<string, unknown>) {
    for (const [index, paths] of this.uniqueIndexes) {
      if (message.includes(index)) {
        return Object.fromEntries(paths.map((p) => [p, document[p]]));
      }
    }
    return { id: document.id };
  }

  private insertRow(document: Record<string, unknown>): void {
    const row = this.serialize(document);
    this.write(document, () =>
      this.statement(`INSERT INTO ${this.table} (id, doc) VALUES (?, ?)`).run(row.id, row.doc),
    );
  }

  async insertOne(input: NewDocument<T>): Promise<T> {
    const document = await prepareDocument(this.model, input as Record<string, unknown>);
    this.insertRow(document);
    return document as unknown as T;
  }

  /**
   * Validates all documents, then writes them in order in one transaction. Like MongoDB's
   * ordered insertMany, a duplicate key stops the writes but keeps the documents before it.
   */
  async insertMany(inputs: NewDocument<T>[]): Promise<number> {
    const documents = await Promise.all(
      inputs.map((input) => prepareDocument(this.model, input as Record<string, unknown>)),
    );
    let failure: unknown;
    this.db.transaction(() => {
      for (const document of documents) {
        try {
          this.insertRow(document);
        } catch (err) {
          failure = err;
          return;
        }
      }
    })();
    if (failure !== undefined) throw failure;
    return documents.length;
  }

  private select(filter: Filter, options?: FindOptions): Row[] {
    const where = filterToSql(this.model.schema, filter);
    const tail = optionsToSql(options);
    const sql = `SELECT id, doc FROM ${this.table} WHERE ${where.sql} ${tail.sql}`;
    return this.statement(sql).all(...where.params, ...tail.params) as Row[];
  }

  async findOne(filter: Filter, options?: FindOptions): Promise<T | null> {
    const [row] = this.select(filter, { ...options, limit: 1 });
    return row ? this.toDocument(row) : null;
  }

  async find(filter: Filter, options?: FindOptions): Promise<T[]> {
    return this.select(filter, options).map((row) => this.toDocument(row));
  }

  async count(filter: Filter): Promise<number> {
    const where = filterToSql(this.model.schema, filter);
    const sql = `SELECT count(*) AS n FROM ${this.table} WHERE ${where.sql}`;
    return (this.statement(sql).get(...where.params) as { n: number }).n;
  }

  private async updated(row: Row, update: Update): Promise<Record<string, unknown>> {
    const { id, ...fields } = castDocument(this.model, row.id, JSON.parse(row.doc));
    return prepareDocument(this.model, { ...applyUpdate(fields, update), id });
  }

  /**
   * Writes an updated document only if the stored one is still the one it was computed from.
   * Validation is asynchronous, so it cannot run inside a SQLite transaction; this
   * compare-and-set keeps concurrent updates, from this process or another, from being lost.
   */
  private replaceIfUnchanged(row: Row, document: Record<string, unknown>): boolean {
    const next = this.serialize(document);
    const sql = `UPDATE ${this.table} SET doc = ? WHERE id = ? AND doc = ?`;
    return this.write(
      document,
      () => this.statement(sql).run(next.doc, next.id, row.doc).changes === 1,
    );
  }

  async updateOne(
    filter: Filter,
    update: Update,
    options: { upsert?: boolean } = {},
  ): Promise<T | null> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const [row] = this.select(filter, { limit: 1 });
      if (row) {
        const document = await this.updated(row, update);
        if (this.replaceIfUnchanged(row, document)) return document as T;
        continue;
      }
      if (!options.upsert) return null;
      const document = await prepareDocument(
        this.model,
        applyUpdate(equalityFields(filter), update, true),
      );
      try {
        this.insertRow(document);
        return document as T;
      } catch (err) {
        // Another writer inserted the same unique key first: update that document instead.
        if (!(err instanceof DuplicateKeyError)) throw err;
      }
    }
    throw new Error(
      `update of ${this.name} kept conflicting with concurrent writes; retry the request`,
    );
  }

  async updateMany(filter: Filter, update: Update): Promise<number> {
    let updated = 0;
    for (const row of this.select(filter)) {
      let current: Row | undefined = row;
      for (let attempt = 0; current && attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
        const document = await this.updated(current, update);
        // MongoDB counts only modified documents, so an update that changes nothing is skipped.
        if (this.serialize(document).doc === current.doc) break;
        if (this.replaceIfUnchanged(current, document)) {
          updated++;
          break;
        }
        current = this.statement(`SELECT id, doc FROM ${this.table} WHERE id = ?`).get(row.id) as
          Row | undefined;
      }
    }
    return updated;
  }

  async deleteOne(filter: Filter): Promise<boolean> {
    const where = filterToSql(this.model.schema, filter);
    const sql = `DELETE FROM ${this.table} WHERE id IN (SELECT id FROM ${this.table} WHERE ${where.sql} LIMIT 1)`;
    return this.statement(sql).run(...where.params).changes > 0;
  }

  async deleteMany(filter: Filter): Promise<number> {
    const where = filterToSql(this.model.schema, filter);
    return this.statement(`DELETE FROM ${this.table} WHERE ${where.sql}`).run(...where.params)
      .changes;
  }
}
