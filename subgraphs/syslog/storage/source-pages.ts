import { badInput } from '../../../lib/errors';
import { encodeCursor, pageArguments } from '../../../lib/graphql/connection';
import type { Filter } from '../../../lib/store';
import { SEVERITY_NAMES } from '../codes';
import type { LogSourceDocument } from '../models';

/** A per-source or per-host summary as GraphQL returns it. */
export interface SourceSummary {
  host: string;
  appName: string | null;
  total: number;
  severityCounts: { severity: number; count: number }[];
  firstSeen: Date;
  lastSeen: Date;
}

export interface HostSummary extends Omit<SourceSummary, 'appName'> {
  sources: SourceSummary[];
}

/** A page whose total is counted only when a query selects it. */
export interface LazyPage<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  countTotal(): Promise<number>;
}

export function sourceSummary(document: LogSourceDocument): SourceSummary {
  return {
    host: document.host,
    appName: document.appName === '' ? null : document.appName,
    total: document.total,
    severityCounts: severityList(SEVERITY_NAMES.map((name) => document.severityCounts[name] ?? 0)),
    firstSeen: document.firstSeen,
    lastSeen: document.lastSeen,
  };
}

/** Adds up the sources of one host; `sources` must all belong to it and be non-empty. */
export function hostSummary(sources: LogSourceDocument[]): HostSummary {
  const bySeverity = SEVERITY_NAMES.map(() => 0);
  let total = 0;
  let firstSeen = sources[0].firstSeen;
  let lastSeen = sources[0].lastSeen;
  for (const source of sources) {
    total += source.total;
    SEVERITY_NAMES.forEach((name, code) => (bySeverity[code] += source.severityCounts[name] ?? 0));
    if (source.firstSeen < firstSeen) firstSeen = source.firstSeen;
    if (source.lastSeen > lastSeen) lastSeen = source.lastSeen;
  }
  return {
    host: sources[0].host,
    total,
    severityCounts: severityList(bySeverity),
    firstSeen,
    lastSeen,
    sources: sources.map(sourceSummary),
  };
}

function severityList(counts: number[]): { severity: number; count: number }[] {
  return counts.map((count, severity) => ({ severity, count })).filter((entry) => entry.count > 0);
}

/** Source cursors carry host and app name, which cannot contain a newline. */
export function sourceCursor(document: LogSourceDocument): string {
  return encodeCursor(`${document.host}\n${document.appName}`);
}

/** Decodes `first` and `after` of a source page into a limit and a filter after the cursor. */
export function sourcesAfter(first: number, after: string | null | undefined) {
  const page = pageArguments(first, after);
  if (page.after === undefined) return { first: page.first, filter: {} as Filter };
  const parts = page.after.split('\n');
  if (parts.length !== 2) throw badInput('after', 'not a cursor returned by this API');
  const [host, appName] = parts;
  const filter: Filter = { $or: [{ host: { $gt: host } }, { host, appName: { $gt: appName } }] };
  return { first: page.first, filter };
}
