import { ClassType, Directive, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from '../errors';

// Every subgraph with a connection defines PageInfo, so federation needs it shareable.
@Directive('@shareable')
@ObjectType({ description: 'Position of a page within a list.' })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last edge; pass it as `after`.',
  })
  endCursor!: string | null;
}

export interface Page<T> {
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Creates the `XConnection` type of a node type: nodes, page info and total count. */
export function Connection<T extends object>(nodeType: ClassType<T>) {
  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [nodeType])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Number of items matching the filter, on all pages.' })
    totalCount!: number;
  }
  return ConnectionClass;
}

export const MAX_PAGE_SIZE = 500;

/** Checks `first` and decodes `after`; the cursor is the sort key of the last item seen. */
export function pageArguments(
  first: number,
  after: string | null | undefined,
): { first: number; after?: string } {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput('first', `${first} is outside 1..${MAX_PAGE_SIZE}`);
  }
  if (after === null || after === undefined) return { first };
  const decoded = Buffer.from(after, 'base64url').toString('utf8');
  if (!decoded.startsWith('c:')) throw badInput('after', 'not a cursor returned by this API');
  return { first, after: decoded.slice(2) };
}

export function encodeCursor(key: string): string {
  return Buffer.from(`c:${key}`, 'utf8').toString('base64url');
}

/** Builds a page from `first + 1` fetched items: the extra one only tells that more exist. */
export function toPage<T>(
  items: T[],
  first: number,
  totalCount: number,
  key: (item: T) => string,
): Page<T> {
  const nodes = items.slice(0, first);
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    totalCount,
    pageInfo: {
      hasNextPage: items.length > first,
      endCursor: last ? encodeCursor(key(last)) : null,
    },
  };
}
