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

/** Limits per header rule list, so that a route cannot make every request too large for a target. */
export const MAX_HEADER_RULES = 50;
/** Limit of the bytes that the `set` rules of one list add, counted as `name: value\r\n`. */
export const MAX_HEADER_RULE_BYTES = 8192;
/** Limit of a target URL's length, in characters. */
export const MAX_TARGET_URL_LENGTH = 2048;

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

/**
 * Normalises a path prefix: '' and '/' mean every path, a trailing / is dropped. A prefix must be
 * in the form the data plane normalises request paths to, or it could never match: no empty
 * segments, no dot segments (also as %2e), and no encoded slash, backslash or NUL.
 */
export function pathPrefixValue(value: string | null | undefined, field: string): string {
  if (value === null || value === undefined) return '';
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === '/') return '';
  const prefix = trimmed.endsWith('/') ? trimmed.slice(0, -1) : trimmed;
  if (
    !prefix.startsWith('/') ||
    /[?#\s\\]/.test(prefix) ||
    trimmed.includes('//') ||
    /%(2f|5c|00)/i.test(prefix)
  ) {
    throw badInput(
      field,
      `${JSON.stringify(value)} must start with / and contain no ?, #, spaces, backslashes, encoded slashes or empty segments`,
    );
  }
  const segments = prefix.replace(/%2e/gi, '.').split('/');
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw badInput(field, `${JSON.stringify(value)} must not contain . or .. segments`);
  }
  if (prefix.length > 1024) throw badInput(field, 'is longer than 1024 characters');
  return prefix;
}

/** Checks for C0 control characters (NUL to US) and DEL. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Checks a target URL: scheme, host, port, no credentials, query or fragment. Without a port, the
 * scheme's default applies (80 for http and ws, 443 for https and wss).
 */
export function targetUrlValue(value: string, field: string): string {
  if (value.length > MAX_TARGET_URL_LENGTH) {
    throw badInput(field, `is longer than ${MAX_TARGET_URL_LENGTH} characters`);
  }
  // The URL parser would drop or percent-encode these without a word. Surrounding spaces are
  // trimmed, but a CR or LF at either end is rejected too.
  if (hasControlCharacter(value) || value.trim().includes(' ')) {
    throw badInput(field, 'must not contain spaces or control characters such as CR, LF or NUL');
  }
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
  const setInput = rules?.set ?? [];
  const removeInput = rules?.remove ?? [];
  for (const [list, entries] of [
    ['set', setInput],
    ['remove', removeInput],
  ] as const) {
    if (entries.length > MAX_HEADER_RULES) {
      throw badInput(`${field}.${list}`, `takes at most ${MAX_HEADER_RULES} headers`);
    }
  }

  const setNames = new Set<string>();
  let bytes = 0;
  const set = setInput.map((header, i) => {
    const name = headerNameValue(header.name, `${field}.set[${i}].name`);
    if (setNames.has(name)) {
      throw badInput(`${field}.set[${i}].name`, `${name} is listed twice (names ignore case)`);
    }
    setNames.add(name);
    if (!FIELD_VALUE.test(header.value) || header.value.length > 8192) {
      throw badInput(
        `${field}.set[${i}].value`,
        'must be at most 8192 characters without control characters such as CR or LF',
      );
    }
    bytes += name.length + Buffer.byteLength(header.value, 'latin1') + 4;
    return { name, value: header.value };
  });
  if (bytes > MAX_HEADER_RULE_BYTES) {
    throw badInput(
      `${field}.set`,
      `adds ${bytes} bytes of headers; the limit is ${MAX_HEADER_RULE_BYTES}`,
    );
  }

  const removeNames = new Set<string>();
  const remove = removeInput.map((header, i) => {
    const name = headerNameValue(header, `${field}.remove[${i}]`);
    if (removeNames.has(name)) {
      throw badInput(`${field}.remove[${i}]`, `${name} is listed twice (names ignore case)`);
    }
    removeNames.add(name);
    return name;
  });
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
