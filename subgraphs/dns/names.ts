import { isHostName } from '../../lib/config/spec';
import { badInput } from '../../lib/errors';

export { isHostName };

/** Lower-cases a domain name and drops one trailing dot. */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

const OWNER_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Checks an owner name: host name labels, plus underscores (`_sip._tcp`) and a leading `*`
 * label for wildcards (RFC 4592).
 */
export function isOwnerName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every((label, i) => (i === 0 && label === '*') || OWNER_LABEL.test(label));
}

/** True when `name` is the apex or lies below it. */
export function isInZone(name: string, apex: string): boolean {
  return name === apex || name.endsWith(`.${apex}`);
}

/**
 * Resolves an owner name given in a mutation: `@` or empty is the apex, a name that ends in the
 * apex is absolute, anything else is relative to the apex. A name with a trailing dot is
 * absolute as in a zone file, so one outside the zone is rejected rather than made relative.
 */
export function ownerName(input: string, apex: string, field = 'input.name'): string {
  const name = normalizeName(input);
  if (name === '' || name === '@') return apex;
  if (isInZone(name, apex)) return name;
  if (input.trim().endsWith('.')) {
    throw badInput(
      field,
      `${JSON.stringify(input)} is outside zone ${apex}; give a name inside it, or drop the trailing dot to make it relative`,
    );
  }
  return `${name}.${apex}`;
}
