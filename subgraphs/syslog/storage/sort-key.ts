import { randomBytes } from 'node:crypto';

/** Width of the millisecond part: enough for any date before the year 33658. */
const TIME_DIGITS = 15;

/** The part of a sort key that a receive time fixes; every key of that millisecond starts so. */
export function timeKey(date: Date): string {
  return String(Math.max(0, date.getTime())).padStart(TIME_DIGITS, '0');
}

/**
 * Makes sort keys that order messages by receive time, then by writer and arrival. The writer
 * id keeps keys of several processes writing in the same millisecond apart.
 */
export class SortKeys {
  private readonly writer = randomBytes(4).toString('hex');
  private counter = 0;

  next(receivedAt: Date): string {
    this.counter = (this.counter + 1) % 0x100000000;
    return `${timeKey(receivedAt)}.${this.writer}.${this.counter.toString(16).padStart(8, '0')}`;
  }
}

const SORT_KEY = /^\d{15}\.[0-9a-f]{8}\.[0-9a-f]{8}$/;

export function isSortKey(text: string): boolean {
  return SORT_KEY.test(text);
}
