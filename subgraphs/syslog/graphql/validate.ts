import { badInput } from '../../../lib/errors';
import { normalizeHost } from '../receiver/log-entry';
import type { LogQuery } from '../storage/log-search';
import type { RetentionPolicy } from '../storage/retention';
import { RETENTION_MAX_AGE_LIMIT, RETENTION_MAX_COUNT_LIMIT } from '../settings';
import type { LogFilter, UpdateSyslogSettingsInput } from './inputs';

const HOST_MAX = 255;
const APP_MAX = 48;
/** Maximum length of the text filter in Unicode code points, so 😀 (U+1F600) counts as one. */
const TEXT_MAX = 1024;

/** Checks a host name or address as stored: 1-255 printable US-ASCII characters. */
export function hostValue(value: string, field: string): string {
  const host = normalizeHost(value.trim());
  if (host.length === 0 || host.length > HOST_MAX || !/^[!-~]+$/.test(host)) {
    throw badInput(
      field,
      `${JSON.stringify(value)} is not a host name or address: use 1-${HOST_MAX} printable ASCII characters without spaces`,
    );
  }
  return host;
}

/** Checks a log filter and turns it into a store query; errors name the filter field. */
export function logQuery(filter: LogFilter | null | undefined, prefix = 'filter'): LogQuery {
  const query: LogQuery = {};
  if (!filter) return query;
  if (filter.host != null) query.host = hostValue(filter.host, `${prefix}.host`);
  if (filter.app != null) {
    if (filter.app.length === 0 || filter.app.length > APP_MAX || /\s/.test(filter.app))
      throw badInput(
        `${prefix}.app`,
        `${JSON.stringify(filter.app)} is not an app name: use 1-${APP_MAX} characters without spaces`,
      );
    query.appName = filter.app;
  }
  if (filter.severityAtMost != null) query.severityAtMost = filter.severityAtMost;
  if (filter.facility != null) {
    if (filter.facility.length === 0)
      throw badInput(`${prefix}.facility`, 'give at least one facility, or leave the field out');
    query.facilities = [...new Set(filter.facility)];
  }
  if (filter.since != null) query.since = filter.since;
  if (filter.until != null) query.until = filter.until;
  if (query.since && query.until && query.since > query.until) {
    throw badInput(
      `${prefix}.until`,
      `${query.until.toISOString()} is before since (${query.since.toISOString()})`,
    );
  }
  if (filter.text != null) {
    const characters = [...filter.text].length;
    if (characters === 0 || characters > TEXT_MAX)
      throw badInput(
        `${prefix}.text`,
        `${characters} characters is outside 1-${TEXT_MAX} (Unicode code points); shorten the text or leave the field out`,
      );
    query.text = filter.text;
  }
  return query;
}

/** Checks a settings change; every value is validated before anything is stored. */
export function retentionPatch(input: UpdateSyslogSettingsInput): Partial<RetentionPolicy> {
  const patch: Partial<RetentionPolicy> = {};
  if (input.retentionMaxAge != null) {
    const age = input.retentionMaxAge;
    if (!Number.isInteger(age) || age < 0 || age > RETENTION_MAX_AGE_LIMIT)
      throw badInput(
        'input.retentionMaxAge',
        `${age} is outside 0..${RETENTION_MAX_AGE_LIMIT} seconds`,
      );
    patch.maxAge = age;
  }
  if (input.retentionMaxCount != null) {
    const count = input.retentionMaxCount;
    if (!Number.isInteger(count) || count < 0 || count > RETENTION_MAX_COUNT_LIMIT)
      throw badInput(
        'input.retentionMaxCount',
        `${count} is not an integer in 0..${RETENTION_MAX_COUNT_LIMIT}`,
      );
    patch.maxCount = count;
  }
  return patch;
}
