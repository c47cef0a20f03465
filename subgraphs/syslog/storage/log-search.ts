import { badInput } from '../../../lib/errors';
import { pageArguments, toPage, type Page } from '../../../lib/graphql/connection';
import type { Filter, Store } from '../../../lib/store';
import { LogModel, type LogDocument } from '../models';
import { isSortKey, timeKey } from './sort-key';

/** Conditions of a log search, already validated; every one set must match. */
export interface LogQuery {
  host?: string;
  appName?: string;
  /** Numeric severity: messages of this severity or more severe (lower numbers). */
  severityAtMost?: number;
  facilities?: number[];
  /** Receive time, inclusive. */
  since?: Date;
  /** Receive time, inclusive. */
  until?: Date;
  /** Text the message contains, compared case-insensitively. */
  text?: string;
}

/** A page of messages plus the filter that produced it, for a lazily counted total. */
export type LogPage = Omit<Page<LogDocument>, 'totalCount'> & { filter: Filter };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Translates a query into a store filter on the indexed fields. */
export function logFilter(query: LogQuery): Filter {
  const filter: Filter = {};
  if (query.host !== undefined) filter.host = query.host;
  if (query.appName !== undefined) filter.appName = query.appName;
  if (query.severityAtMost !== undefined) filter.severity = { $lte: query.severityAtMost };
  if (query.facilities !== undefined) filter.facility = { $in: query.facilities };
  if (query.since !== undefined || query.until !== undefined) {
    const range: { $gte?: string; $lt?: string } = {};
    if (query.since !== undefined) range.$gte = timeKey(query.since);
    if (query.until !== undefined) range.$lt = timeKey(new Date(query.until.getTime() + 1));
    filter.key = range;
  }
  // NOTE: neither backend has a text index here, so this condition is checked message by
  // message; newest-first paging stops early, but totalCount reads every candidate.
  if (query.text !== undefined)
    filter.message = { $regex: escapeRegExp(query.text), $options: 'i' };
  return filter;
}

/** Searches stored messages, newest first, in pages of cursor connections. */
export class LogSearch {
  constructor(private readonly store: Store) {}

  private get collection() {
    return this.store.collection(LogModel);
  }

  /** `after` is a cursor from a previous page: the sort key of the last message it returned. */
  async page(query: LogQuery, first: number, after?: string | null): Promise<LogPage> {
    const page = pageArguments(first, after);
    if (page.after !== undefined && !isSortKey(page.after))
      throw badInput('after', 'not a cursor returned by this API');
    const filter = logFilter(query);
    const paged: Filter =
      page.after === undefined ? filter : { $and: [filter, { key: { $lt: page.after } }] };
    const items = await this.collection.find(paged, { sort: { key: -1 }, limit: page.first + 1 });
    const { nodes, pageInfo } = toPage(items, page.first, 0, (item) => item.key);
    return { nodes, pageInfo, filter };
  }

  count(filter: Filter): Promise<number> {
    return this.collection.count(filter);
  }
}
