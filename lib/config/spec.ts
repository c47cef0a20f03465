import { isIP } from 'node:net';

/**
 * Boot settings: declared once with their default, unit and meaning, read from the environment
 * in one place (readSettings) and validated at start.
 */

export interface SettingSpec<T = unknown> {
  /** Environment variable, e.g. `PAAS_DNS_PORT`. */
  env: string;
  /** Default as written in the environment; '' means unset. */
  default: string;
  /** Unit or accepted form, shown in `--help` and the README table. */
  unit: string;
  description: string;
  parse(raw: string): T;
}

/** Raised when a setting's value is invalid; the message names the variable, value and rule. */
export class SettingError extends Error {
  constructor(
    readonly env: string,
    readonly value: string,
    readonly rule: string,
  ) {
    super(`invalid ${env}=${JSON.stringify(value)}: ${rule}`);
  }
}

/** Raised when one or more settings are invalid; lists every problem, one per line. */
export class SettingsError extends Error {
  constructor(readonly problems: SettingError[]) {
    super(problems.map((p) => p.message).join('\n'));
  }
}

export function integer(min: number, max: number): (raw: string) => number {
  return (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`expected an integer from ${min} to ${max}`);
    const value = Number(raw);
    if (value < min || value > max) throw new Error(`expected an integer from ${min} to ${max}`);
    return value;
  };
}

export const port = integer(0, 65535);

export function oneOf<T extends string>(...choices: T[]): (raw: string) => T {
  return (raw) => {
    if (!(choices as string[]).includes(raw))
      throw new Error(`expected one of ${choices.join(', ')}`);
    return raw as T;
  };
}

export function text(raw: string): string {
  return raw;
}

export function boolean(raw: string): boolean {
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off', ''].includes(raw.toLowerCase())) return false;
  throw new Error('expected true or false');
}

export function ipAddress(raw: string): string {
  if (isIP(raw) === 0) throw new Error('expected an IPv4 or IPv6 address such as 127.0.0.1 or ::');
  return raw;
}

export function url(protocols: string[]): (raw: string) => string {
  return (raw) => {
    if (raw === '') return raw;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error(`expected a URL starting with ${protocols.join(' or ')}`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new Error(`expected a URL starting with ${protocols.join(' or ')}`);
    }
    return raw;
  };
}

/** Parses a comma-separated list of host names, e.g. `ns1.example.test,ns2.example.test`. */
export function hostNameList(raw: string): string[] {
  const names = raw
    .split(',')
    .map((name) => name.trim().toLowerCase().replace(/\.$/, ''))
    .filter((name) => name !== '');
  for (const name of names) {
    if (!isHostName(name)) throw new Error(`${JSON.stringify(name)} is not a valid host name`);
  }
  return names;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Checks a host name per RFC 1123: labels of letters, digits and inner hyphens, 253 bytes max,
 * and a top-level label that is not all digits, so that an IPv4 address is not taken for a name.
 */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (/^\d+$/.test(labels[labels.length - 1])) return false;
  return labels.every((label) => LABEL.test(label));
}

/** Shortens a user-supplied value for an error message, so a huge input is not echoed whole. */
export function quoted(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}...` : value);
}
