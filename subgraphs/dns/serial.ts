const SERIAL_SPACE = 2 ** 32;

/**
 * Returns the next SOA serial in the date-based form YYYYMMDDnn (UTC). The result is always
 * greater than `current` in RFC 1982 serial arithmetic: after 99 changes in one day the serial
 * runs ahead into the next day's numbers, as BIND and PowerDNS do, and past 2^32 - 1 it wraps.
 */
export function nextSerial(current: number, now: Date = new Date()): number {
  const today =
    now.getUTCFullYear() * 1_000_000 + (now.getUTCMonth() + 1) * 10_000 + now.getUTCDate() * 100;
  const next = Math.max(current + 1, today);
  return next < SERIAL_SPACE ? next : (current + 1) % SERIAL_SPACE;
}
