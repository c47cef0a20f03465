import { isIP } from 'node:net';
import { quoted } from '../config/spec';
import { badInput } from '../errors';

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Normalizes and checks the key of the shared `Host` entity: a DNS name (letters, digits,
 * hyphens and underscores, a leading `*` label) or an IP address, lower-case, without a
 * trailing dot. Every subgraph's `host(name)` uses this, because the gateway may send the query
 * to any of them and each must accept the same names.
 */
export function hostKey(input: string, field = 'name'): string {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  if (isIP(name) !== 0) return name;
  const labels = name.split('.');
  const valid =
    name.length > 0 &&
    name.length <= 253 &&
    labels.every((label, i) => (i === 0 && label === '*') || LABEL.test(label));
  if (!valid) {
    throw badInput(field, `${quoted(input)} is not a host name or IP address`);
  }
  return name;
}
