import { isHostName } from '../../lib/config/spec';
import { badInput } from '../../lib/errors';
import type { HeaderRules, HealthCheckData, TargetData } from './route-data';

/** Target URL schemes; ws: and wss: are proxied as http: and https:. */
export const TARGET_SCHEMES = ['http:', 'https:', 'ws:', 'wss:'];

/** Headers a route may neither set nor remove: hop-by-hop ones and the framing of the message. */
const RESERVED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'host',
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function hostPatternValue(value: string, field: string): string {
  const pattern = value.trim().toLowerCase().replace(/\.$/, '');
  const name = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  if (!isHostName(name) || name.includes('*')) {
    throw badInput(
      field,
      `${JSON.stringify(value)} is neither a host name (app.example.com) nor a wildcard (*.example.com)`,
    );
  }
  return pattern;
}

/** Normalises a path prefix: '' and '/' mean every path, a trailing / is dropped. */
export function pathPrefixValue(value: string | null | undefined, field: string): string {
  if (value === null || value === undefined) return '';
  const prefix = value.trim().replace(/\/+$/, '');
  if (prefix === '') return '';
  if (!prefix.startsWith('/') || /[?#\s]/.test(prefix) || prefix.includes('//')) {
    throw badInput(
      field,
      `${JSON.stringify(value)} must start with / and contain no ?, #, spaces or empty segments`,
    );
  }
  if (prefix.length > 1024) throw badInput(field, 'is longer than 1024 characters');
  return prefix;
}

/** Checks a target URL: scheme, host, explicit or default port, no credentials, query or fragment. */
export function targetUrlValue(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw badInput(field, `${JSON.stringify(value)} is not a URL such as http://10.0.0.5:8080`);
  }
  if (!TARGET_SCHEMES.includes(url.protocol)) {
    throw badInput(field, `scheme ${url.protocol} is not one of ${TARGET_SCHEMES.join(', ')}`);
  }
  if (url.hostname === '') throw badInput(field, `${JSON.stringify(value)} has no host`);
  if (url.port === '0') throw badInput(field, 'port 0 is not a valid target port; use 1..65535');
  if (url.username || url.password) {
    throw badInput(field, 'credentials in target URLs are not supported; set a request header');
  }
  if (url.search || url.hash) throw badInput(field, 'a target URL takes no query or fragment');
  return url.href.replace(/\/$/, '');
}

export function targetValues(
  targets: { url: string; weight?: number | null; enabled?: boolean | null }[],
  field: string,
): TargetData[] {
  if (targets.length === 0) throw badInput(field, 'a route needs at least one target');
  if (targets.length > 100) throw badInput(field, 'a route takes at most 100 targets');
  const seen = new Set<string>();
  return targets.map((target, i) => {
    const url = targetUrlValue(target.url, `${field}[${i}].url`);
    if (seen.has(url)) throw badInput(`${field}[${i}].url`, `${url} is listed twice`);
    seen.add(url);
    const weight = target.weight ?? 1;
    integerValue(weight, 1, 1000, `${field}[${i}].weight`);
    return { url, weight, enabled: target.enabled ?? true };
  });
}

export function integerValue(value: number, min: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badInput(field, `${value} is outside ${min}..${max}`);
  }
  return value;
}

export function headerNameValue(value: string, field: string): string {
  const name = value.trim().toLowerCase();
  if (!TOKEN.test(name)) throw badInput(field, `${JSON.stringify(value)} is not a header name`);
  if (RESERVED_HEADERS.has(name)) {
    throw badInput(field, `${name} is managed by the proxy and cannot be changed by a route`);
  }
  return name;
}

export function headerRulesValue(
  rules: { set?: { name: string; value: string }[] | null; remove?: string[] | null } | null,
  field: string,
): HeaderRules {
  const set = (rules?.set ?? []).map((header, i) => {
    const name = headerNameValue(header.name, `${field}.set[${i}].name`);
    if (!FIELD_VALUE.test(header.value) || header.value.length > 8192) {
      throw badInput(
        `${field}.set[${i}].value`,
        'must be at most 8192 characters without control characters such as CR or LF',
      );
    }
    return { name, value: header.value };
  });
  const remove = (rules?.remove ?? []).map((name, i) =>
    headerNameValue(name, `${field}.remove[${i}]`),
  );
  return { set, remove };
}

export interface HealthCheckFields {
  path?: string | null;
  intervalMs?: number | null;
  timeoutMs?: number | null;
  expectedStatus?: number | null;
  healthyThreshold?: number | null;
  unhealthyThreshold?: number | null;
}

export function healthCheckValue(input: HealthCheckFields, field: string): HealthCheckData {
  const path = input.path ?? '/';
  if (!path.startsWith('/') || /[\s#]/.test(path)) {
    throw badInput(`${field}.path`, `${JSON.stringify(path)} must start with / and have no spaces`);
  }
  const check = {
    path,
    intervalMs: integerValue(input.intervalMs ?? 10_000, 100, 3_600_000, `${field}.intervalMs`),
    timeoutMs: integerValue(input.timeoutMs ?? 2_000, 10, 600_000, `${field}.timeoutMs`),
    expectedStatus: integerValue(input.expectedStatus ?? 200, 100, 599, `${field}.expectedStatus`),
    healthyThreshold: integerValue(
      input.healthyThreshold ?? 2,
      1,
      100,
      `${field}.healthyThreshold`,
    ),
    unhealthyThreshold: integerValue(
      input.unhealthyThreshold ?? 3,
      1,
      100,
      `${field}.unhealthyThreshold`,
    ),
  };
  if (check.timeoutMs > check.intervalMs) {
    throw badInput(`${field}.timeoutMs`, 'must not be longer than intervalMs');
  }
  return check;
}

export function timeoutValue(value: number | null, field: string): number | null {
  return value === null ? null : integerValue(value, 1, 86_400_000, field);
}

export function usernameValue(value: string, field: string): string {
  if (value === '' || value.includes(':') || !/^[\x21-\x7e]+$/.test(value) || value.length > 128) {
    throw badInput(field, 'must be 1..128 visible ASCII characters without a colon');
  }
  return value;
}

export function passwordValue(value: string, field: string): string {
  // bcrypt reads at most 72 bytes; a longer password would match on its first 72 alone.
  if (value.length === 0 || Buffer.byteLength(value) > 72) {
    throw badInput(field, 'must be 1..72 bytes');
  }
  return value;
}
