import type { Logger } from '../../../lib/log';
import { badInput } from '../../../lib/errors';
import { encodeCursor, pageArguments } from '../../../lib/graphql/connection';
import { DuplicateKeyError, type Filter, type Store } from '../../../lib/store';
import { SEVERITY_NAMES } from '../codes';
import { LogSourceModel, type LogSourceDocument } from '../models';
import {
  hostSummary,
  sourceCursor,
  sourcesAfter,
  sourceSummary,
  type HostSummary,
  type LazyPage,
  type SourceSummary,
} from './source-pages';

/** Sources read per step while collecting a page of hosts. */
const HOST_SCAN_CHUNK = 500;

/** The fields of a message that its source's counts depend on. */
export interface SourceSample {
  host: string;
  appName?: string | null;
  severity: number;
  receivedAt: Date;
}

interface SourceDelta {
  host: string;
  appName: string;
  total: number;
  bySeverity: number[];
  firstSeen: Date;
  lastSeen: Date;
}

/**
 * Per host and app message counts by severity, with first and last receive time. The writer
 * adds each stored batch, retention subtracts what it deletes, so counts match stored messages.
 */
export class LogSources {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  private get collection() {
    return this.store.collection(LogSourceModel);
  }

  /** Adds a stored batch. */
  async add(messages: SourceSample[]): Promise<void> {
    for (const delta of group(messages)) {
      const update = {
        $inc: increments(delta, 1),
        $set: { lastSeen: delta.lastSeen },
        $setOnInsert: { firstSeen: delta.firstSeen },
      };
      const filter = { host: delta.host, appName: delta.appName };
      try {
        await this.collection.updateOne(filter, update, { upsert: true });
      } catch (err) {
        // Two replicas created the same source at once; the second write finds it now.
        if (!(err instanceof DuplicateKeyError)) throw err;
        await this.collection.updateOne(filter, update);
      }
    }
  }

  /** Subtracts deleted messages and deletes sources that have none left. */
  async remove(messages: SourceSample[]): Promise<void> {
    for (const delta of group(messages)) {
      await this.collection.updateOne(
        { host: delta.host, appName: delta.appName },
        { $inc: increments(delta, -1) },
      );
    }
    const emptied = await this.collection.deleteMany({ total: { $lte: 0 } });
    if (emptied > 0)
      this.logger.debug({ sources: emptied }, 'log sources without messages deleted');
  }

  /** Sources ordered by host and app name; `appName` '' selects messages without one. */
  async sourcesPage(
    where: { host?: string; appName?: string },
    first: number,
    after?: string | null,
  ): Promise<LazyPage<SourceSummary>> {
    const page = sourcesAfter(first, after);
    const filter: Filter = { ...where, ...page.filter };
    const items = await this.collection.find(filter, {
      sort: { host: 1, appName: 1 },
      limit: page.first + 1,
    });
    const nodes = items.slice(0, page.first);
    const last = nodes[nodes.length - 1];
    return {
      nodes: nodes.map(sourceSummary),
      pageInfo: {
        hasNextPage: items.length > page.first,
        endCursor: last ? sourceCursor(last) : null,
      },
      countTotal: () => this.collection.count(where),
    };
  }

  /** Hosts in name order, each with its sources added up. */
  async hostsPage(first: number, after?: string | null): Promise<LazyPage<HostSummary>> {
    const page = pageArguments(first, after);
    if (page.after?.includes('\n')) throw badInput('after', 'not a cursor returned by this API');
    const byHost = new Map<string, LogSourceDocument[]>();
    let scanned: LogSourceDocument[] = [];
    let filter: Filter = page.after === undefined ? {} : { host: { $gt: page.after } };
    // Reads sources in chunks until it has seen one host more than the page contains, or none is left.
    do {
      scanned = await this.collection.find(filter, {
        sort: { host: 1, appName: 1 },
        limit: HOST_SCAN_CHUNK,
      });
      for (const source of scanned) {
        const list = byHost.get(source.host) ?? [];
        list.push(source);
        byHost.set(source.host, list);
      }
      const last = scanned[scanned.length - 1];
      if (last) filter = sourcesAfter(HOST_SCAN_CHUNK, sourceCursor(last)).filter;
    } while (scanned.length === HOST_SCAN_CHUNK && byHost.size <= page.first);

    const hosts = [...byHost.values()].slice(0, page.first).map(hostSummary);
    const last = hosts[hosts.length - 1];
    return {
      nodes: hosts,
      pageInfo: {
        hasNextPage: byHost.size > page.first,
        endCursor: last ? encodeCursor(last.host) : null,
      },
      countTotal: () => this.countHosts(),
    };
  }

  /** Returns the summary of one host, or null when it has no stored messages. */
  async host(host: string): Promise<HostSummary | null> {
    const sources = await this.collection.find({ host }, { sort: { appName: 1 } });
    return sources.length > 0 ? hostSummary(sources) : null;
  }

  /** Counts distinct hosts by reading every source, since the store has no distinct(). */
  private async countHosts(): Promise<number> {
    const hosts = new Set<string>();
    let filter: Filter = {};
    for (;;) {
      const chunk = await this.collection.find(filter, {
        sort: { host: 1, appName: 1 },
        limit: HOST_SCAN_CHUNK,
      });
      for (const source of chunk) hosts.add(source.host);
      const last = chunk[chunk.length - 1];
      if (!last || chunk.length < HOST_SCAN_CHUNK) return hosts.size;
      filter = sourcesAfter(HOST_SCAN_CHUNK, sourceCursor(last)).filter;
    }
  }
}

function group(messages: SourceSample[]): SourceDelta[] {
  const deltas = new Map<string, SourceDelta>();
  for (const message of messages) {
    const appName = message.appName ?? '';
    const id = `${message.host}\u0000${appName}`;
    let delta = deltas.get(id);
    if (!delta) {
      delta = {
        host: message.host,
        appName,
        total: 0,
        bySeverity: SEVERITY_NAMES.map(() => 0),
        firstSeen: message.receivedAt,
        lastSeen: message.receivedAt,
      };
      deltas.set(id, delta);
    }
    delta.total += 1;
    delta.bySeverity[message.severity] += 1;
    if (message.receivedAt < delta.firstSeen) delta.firstSeen = message.receivedAt;
    if (message.receivedAt > delta.lastSeen) delta.lastSeen = message.receivedAt;
  }
  return [...deltas.values()];
}

function increments(delta: SourceDelta, sign: 1 | -1): Record<string, number> {
  const result: Record<string, number> = { total: sign * delta.total };
  delta.bySeverity.forEach((count, severity) => {
    if (count > 0) result[`severityCounts.${SEVERITY_NAMES[severity]}`] = sign * count;
  });
  return result;
}
