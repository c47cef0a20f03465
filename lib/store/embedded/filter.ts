import type { Schema } from 'mongoose';
import {
  UnsupportedQueryError,
  type FieldOperators,
  type Filter,
  type FindOptions,
} from '../types';

/** A SQL fragment and its bound parameters. */
export interface SqlPart {
  sql: string;
  params: unknown[];
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Returns the SQL expression of a document field. Index definitions and queries must produce
 * the same text, or SQLite will not use the expression index.
 */
export function fieldExpression(path: string): string {
  if (path === 'id') return 'id';
  if (!PATH.test(path))
    throw new UnsupportedQueryError(`invalid field path ${JSON.stringify(path)}`);
  return `json_extract(doc, '$.${path}')`;
}

/** Converts a filter value to what SQLite compares with json_extract's result. */
function sqlValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value !== null && typeof value === 'object') {
    if (typeof (value as { toHexString?: unknown }).toHexString === 'function') {
      return (value as { toHexString(): string }).toHexString();
    }
    throw new UnsupportedQueryError(`unsupported filter value ${JSON.stringify(value)}`);
  }
  return value;
}

function isArrayPath(schema: Schema, path: string): boolean {
  return schema.path(path)?.instance === 'Array';
}

/** Builds a condition on the elements of an array field, MongoDB's match-any-element rule. */
function anyElement(path: string, condition: string, params: unknown[]): SqlPart {
  return {
    sql: `EXISTS (SELECT 1 FROM json_each(doc, '$.${path}') WHERE ${condition.replaceAll('$value', 'value')})`,
    params,
  };
}

function comparison(schema: Schema, path: string, op: string, value: unknown): SqlPart {
  const expression = fieldExpression(path);
  const array = isArrayPath(schema, path);
  const target = array ? '$value' : expression;
  const wrap = (part: SqlPart): SqlPart => (array ? anyElement(path, part.sql, part.params) : part);

  switch (op) {
    case '$eq':
      if (value === null) return { sql: `${expression} IS NULL`, params: [] };
      return wrap({ sql: `${target} = ?`, params: [sqlValue(value)] });
    case '$ne':
      if (value === null) return { sql: `${expression} IS NOT NULL`, params: [] };
      if (array) {
        const inner = anyElement(path, '$value = ?', [sqlValue(value)]);
        return { sql: `NOT ${inner.sql}`, params: inner.params };
      }
      return { sql: `(${expression} IS NULL OR ${expression} != ?)`, params: [sqlValue(value)] };
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const sqlOp = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op];
      return wrap({ sql: `${target} ${sqlOp} ?`, params: [sqlValue(value)] });
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(value)) throw new UnsupportedQueryError(`${op} of ${path} needs an array`);
      const values = value.filter((v) => v !== null).map(sqlValue);
      const hasNull = value.includes(null);
      const list = values.length > 0 ? `${target} IN (${values.map(() => '?').join(', ')})` : '0';
      const inner = wrap({ sql: list, params: values });
      const matched = hasNull
        ? { sql: `(${inner.sql} OR ${expression} IS NULL)`, params: inner.params }
        : inner;
      if (op === '$in') return matched;
      // A missing field makes `IN` yield NULL, but MongoDB's $nin matches missing fields.
      return { sql: `NOT coalesce((${matched.sql}), 0)`, params: matched.params };
    }
    case '$exists':
      return { sql: `${expression} IS ${value ? 'NOT ' : ''}NULL`, params: [] };
    default:
      throw new UnsupportedQueryError(`unsupported filter operator ${op} on ${path}`);
  }
}

function regexCondition(schema: Schema, path: string, operators: FieldOperators): SqlPart {
  const source =
    operators.$regex instanceof RegExp ? operators.$regex.source : String(operators.$regex);
  const flags =
    operators.$regex instanceof RegExp ? operators.$regex.flags : (operators.$options ?? '');
  if (/[^imsu]/.test(flags)) throw new UnsupportedQueryError(`unsupported regex flags ${flags}`);
  const target = isArrayPath(schema, path) ? '$value' : fieldExpression(path);
  const part = { sql: `regexp(?, ?, ${target})`, params: [source, flags] };
  return isArrayPath(schema, path) ? anyElement(path, part.sql, part.params) : part;
}

function isOperatorObject(value: unknown): value is FieldOperators {
  if (
    value === null ||
    typeof value !== 'object' ||
    value instanceof Date ||
    Array.isArray(value)
  ) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

/** Translates a filter into a WHERE clause; an empty filter matches everything. */
export function filterToSql(schema: Schema, filter: Filter): SqlPart {
  const parts: SqlPart[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (key === '$and' || key === '$or') {
      const branches = (value as Filter[]).map((branch) => filterToSql(schema, branch));
      if (branches.length === 0) {
        throw new UnsupportedQueryError(`${key} needs at least one condition`);
      }
      parts.push({
        sql: `(${branches.map((b) => `(${b.sql})`).join(key === '$and' ? ' AND ' : ' OR ')})`,
        params: branches.flatMap((b) => b.params),
      });
    } else if (key.startsWith('$')) {
      throw new UnsupportedQueryError(`unsupported filter operator ${key}`);
    } else if (value instanceof RegExp) {
      parts.push(regexCondition(schema, key, { $regex: value }));
    } else if (isOperatorObject(value)) {
      for (const [op, operand] of Object.entries(value)) {
        if (op === '$options') continue;
        if (op === '$regex') parts.push(regexCondition(schema, key, value));
        else parts.push(comparison(schema, key, op, operand));
      }
    } else {
      parts.push(comparison(schema, key, '$eq', value));
    }
  }
  if (parts.length === 0) return { sql: '1', params: [] };
  return {
    sql: parts.map((p) => `(${p.sql})`).join(' AND '),
    params: parts.flatMap((p) => p.params),
  };
}

/** Translates sort, limit and skip into SQL clauses. */
export function optionsToSql(options: FindOptions = {}): SqlPart {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const sort = Object.entries(options.sort ?? {});
  if (sort.length > 0) {
    clauses.push(
      `ORDER BY ${sort.map(([path, dir]) => `${fieldExpression(path)} ${dir === -1 ? 'DESC' : 'ASC'}`).join(', ')}`,
    );
  }
  if (options.limit !== undefined || options.skip !== undefined) {
    clauses.push('LIMIT ? OFFSET ?');
    params.push(options.limit ?? -1, options.skip ?? 0);
  }
  return { sql: clauses.join(' '), params };
}
