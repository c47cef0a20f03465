import { isDeepStrictEqual } from 'node:util';
import { UnsupportedQueryError, type Filter, type Update } from '../types';

const OPERATORS = new Set(['$set', '$unset', '$inc', '$push', '$pull', '$setOnInsert']);

function parentOf(document: Record<string, unknown>, path: string, create: boolean) {
  const keys = path.split('.');
  let node: Record<string, unknown> = document;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined || node[key] === null) {
      if (!create) return undefined;
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  return { node, key: keys[keys.length - 1] };
}

function comparable(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * Applies update operators to a copy of a plain document, with MongoDB's meaning for each.
 * `inserting` also applies `$setOnInsert`.
 */
export function applyUpdate(
  document: Record<string, unknown>,
  update: Update,
  inserting = false,
): Record<string, unknown> {
  const result = structuredClone(document);
  for (const op of Object.keys(update)) {
    if (!OPERATORS.has(op)) throw new UnsupportedQueryError(`unsupported update operator ${op}`);
  }
  const assignments = { ...update.$set, ...(inserting ? update.$setOnInsert : {}) };
  for (const [path, value] of Object.entries(assignments)) {
    const target = parentOf(result, path, true)!;
    target.node[target.key] = value;
  }
  for (const path of Object.keys(update.$unset ?? {})) {
    const target = parentOf(result, path, false);
    if (target) delete target.node[target.key];
  }
  for (const [path, amount] of Object.entries(update.$inc ?? {})) {
    const target = parentOf(result, path, true)!;
    const current = target.node[target.key] ?? 0;
    if (typeof current !== 'number') throw new UnsupportedQueryError(`$inc on non-number ${path}`);
    target.node[target.key] = current + amount;
  }
  for (const [path, value] of Object.entries(update.$push ?? {})) {
    const target = parentOf(result, path, true)!;
    const list = (target.node[target.key] ?? []) as unknown[];
    if (!Array.isArray(list)) throw new UnsupportedQueryError(`$push on non-array ${path}`);
    const each = (value as { $each?: unknown[] })?.$each;
    target.node[target.key] = [...list, ...(Array.isArray(each) ? each : [value])];
  }
  for (const [path, value] of Object.entries(update.$pull ?? {})) {
    const target = parentOf(result, path, false);
    const list = target?.node[target.key];
    if (!target || !Array.isArray(list)) continue;
    target.node[target.key] = list.filter(
      (item) => !isDeepStrictEqual(comparable(item), comparable(value)),
    );
  }
  return result;
}

/** Collects the plain equality fields of a filter, which an upsert copies into the new document. */
export function equalityFields(filter: Filter): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$') || value === undefined) continue;
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const eq = (value as { $eq?: unknown }).$eq;
      if (eq !== undefined) fields[key] = eq;
      continue;
    }
    fields[key] = value;
  }
  return fields;
}
