import type { Schema } from 'mongoose';

/** A stored document as services see it: plain fields plus a string `id`. */
export interface StoredDocument {
  id: string;
}

export type NewDocument<T extends StoredDocument> = Omit<T, 'id'> & { id?: string };

type Scalar = string | number | boolean | Date | null;

/** Comparison operators of the MongoDB subset both backends support. */
export interface FieldOperators {
  $eq?: Scalar;
  $ne?: Scalar;
  $in?: Scalar[];
  $nin?: Scalar[];
  $gt?: Scalar;
  $gte?: Scalar;
  $lt?: Scalar;
  $lte?: Scalar;
  $exists?: boolean;
  $regex?: string | RegExp;
  $options?: string;
}

/**
 * A MongoDB-style filter restricted to equality, `$in`/`$nin`, ranges, `$exists`, `$regex`,
 * `$and` and `$or`. The `id` field stands for `_id`.
 */
export type Filter = {
  $and?: Filter[];
  $or?: Filter[];
} & { [field: string]: Scalar | FieldOperators | Filter[] | undefined };

/** Update operators both backends support. */
export interface Update {
  $set?: Record<string, unknown>;
  $unset?: Record<string, unknown>;
  $inc?: Record<string, number>;
  $push?: Record<string, unknown>;
  $pull?: Record<string, unknown>;
  $setOnInsert?: Record<string, unknown>;
}

export interface FindOptions {
  /** Field to sort direction; ties keep insertion order on neither backend, so add `id` last. */
  sort?: Record<string, 1 | -1>;
  limit?: number;
  skip?: number;
}

export interface Collection<T extends StoredDocument> {
  readonly name: string;
  insertOne(doc: NewDocument<T>): Promise<T>;
  /**
   * Validates all documents, then inserts them in order; returns how many were written. A
   * validation error writes none. A duplicate key stops the inserts, and the documents before
   * it stay stored.
   */
  insertMany(docs: NewDocument<T>[]): Promise<number>;
  findOne(filter: Filter, options?: FindOptions): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  count(filter: Filter): Promise<number>;
  /**
   * Updates the first match and returns it as it is after the update, or null. Neither backend
   * maintains timestamps, so callers `$set` fields such as `updatedAt` themselves.
   * NOTE: an upsert whose filter has an invalid `id` fails validation on the embedded store but
   * creates a document with a new id on MongoDB.
   */
  updateOne(filter: Filter, update: Update, options?: { upsert?: boolean }): Promise<T | null>;
  /** Updates every match; returns how many documents changed, like MongoDB's modifiedCount. */
  updateMany(filter: Filter, update: Update): Promise<number>;
  deleteOne(filter: Filter): Promise<boolean>;
  deleteMany(filter: Filter): Promise<number>;
}

/** A collection's name and its mongoose schema, the one description of its documents. */
export interface ModelDefinition<T extends StoredDocument> {
  readonly name: string;
  readonly schema: Schema;
  /** Phantom field that carries the document type; never set. */
  readonly _type?: T;
}

export function defineModel<T extends StoredDocument>(
  name: string,
  schema: Schema,
): ModelDefinition<T> {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) {
    throw new Error(
      `invalid collection name ${JSON.stringify(name)}: use lower-case letters, digits and _`,
    );
  }
  return { name, schema };
}

export interface Store {
  readonly kind: 'embedded' | 'mongodb';
  /** Where the data lives, for logs: a file path or a URL without credentials. */
  readonly location: string;
  collection<T extends StoredDocument>(model: ModelDefinition<T>): Collection<T>;
  close(): Promise<void>;
}

/**
 * Raised by both backends when a unique index rejects a write, like MongoDB's E11000.
 * NOTE: `keyValue` is empty when the server omits it, as FerretDB 1.24 does.
 */
export class DuplicateKeyError extends Error {
  readonly code = 11000;
  constructor(
    readonly collection: string,
    readonly keyValue: Record<string, unknown>,
  ) {
    super(`duplicate key in ${collection}: ${JSON.stringify(keyValue)}`);
  }
}

/** Raised when a document fails its schema's validation; `field` names the first bad path. */
export class DocumentValidationError extends Error {
  constructor(
    readonly collection: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Raised for a filter or update the store does not support, which is a programming error. */
export class UnsupportedQueryError extends Error {}
