import mongoose, { type Model } from 'mongoose';
import { DocumentValidationError, type ModelDefinition, type StoredDocument } from './types';

/**
 * A mongoose instance that never connects: the embedded backend uses its models only to cast,
 * default and validate documents through the same schemas the MongoDB backend uses.
 */
const detached = new mongoose.Mongoose();
const models = new Map<string, Model<unknown>>();

export function detachedModel(definition: ModelDefinition<StoredDocument>): Model<unknown> {
  let model = models.get(definition.name);
  if (!model) {
    model = detached.model(
      definition.name,
      definition.schema,
      definition.name,
    ) as unknown as Model<unknown>;
    models.set(definition.name, model);
  }
  return model;
}

/** Converts a mongoose validation or cast error into one that names the field. */
export function validationError(collection: string, err: unknown): Error {
  // The store's interface names the document key `id`, so mongoose's `_id` is reported as `id`.
  const fieldName = (path: string) => (path === '_id' ? 'id' : path);
  if (err instanceof mongoose.Error.ValidationError) {
    const [field, detail] = Object.entries(err.errors)[0] ?? ['', err];
    return new DocumentValidationError(collection, fieldName(field), detail.message);
  }
  if (err instanceof mongoose.Error.CastError) {
    return new DocumentValidationError(collection, fieldName(err.path), err.message);
  }
  return err as Error;
}

/** Casts, defaults and validates a document; returns it as plain data with `_id` as `id`. */
export async function prepareDocument(
  definition: ModelDefinition<StoredDocument>,
  input: Record<string, unknown>,
): Promise<Record<string, unknown> & { id: string }> {
  const Model = detachedModel(definition);
  const { id, ...fields } = input;
  const document = new Model(id === undefined ? fields : { ...fields, _id: id });
  try {
    await document.validate();
  } catch (err) {
    throw validationError(definition.name, err);
  }
  return plain(document.toObject({ versionKey: false }) as Record<string, unknown>);
}

/** Casts stored JSON back into typed values (dates, numbers) through the schema. */
export function castDocument(
  definition: ModelDefinition<StoredDocument>,
  id: string,
  fields: Record<string, unknown>,
): Record<string, unknown> & { id: string } {
  const Model = detachedModel(definition);
  const document = new Model({ ...fields, _id: id });
  return plain(document.toObject({ versionKey: false }) as Record<string, unknown>);
}

/** Replaces `_id` by a string `id` and drops mongoose's version key. */
export function plain(object: Record<string, unknown>): Record<string, unknown> & { id: string } {
  const { _id, __v, ...fields } = object;
  void __v;
  return { id: String(_id), ...fields };
}
