/** Timestamp formats of syslog headers: RFC 3339 (RFC 5424) and BSD `Mmm dd hh:mm:ss` (RFC 3164). */

export const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** How far ahead of the receive time a year-less timestamp may be: sender clocks run fast. */
const FUTURE_TOLERANCE_MS = 31 * 86_400_000;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * BSD timestamp at the start of a string: month name, day (space-padded or not), an optional
 * year, time, optional fraction, and the space after it. Some Cisco devices add a colon.
 */
const BSD = /^([A-Za-z]{3}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?:? /;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** Checks a time of day; second 60 is a leap second, which RFC 3339 allows (time-second). */
function validTime(hour: number, minute: number, second: number): boolean {
  return hour <= 23 && minute <= 59 && second <= 60;
}

/** Milliseconds of a fraction of a second written with 1-9 digits; finer digits are cut off. */
function fractionMs(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(3, '0').slice(0, 3));
}

/**
 * Returns the second and millisecond to store. JavaScript dates have no leap seconds, so a
 * leap second (:60, any fraction) is stored as the last millisecond before it, :59.999, which
 * keeps it in its minute and day and before the next second. Like rsyslog, second 60 is
 * accepted at any minute, not only at 23:59 UTC at the end of a month.
 */
function storedSecond(second: number, fraction: string | undefined): [number, number] {
  return second === 60 ? [59, 999] : [second, fractionMs(fraction)];
}

/**
 * Parses an RFC 3339 timestamp as RFC 5424 uses it (section 6.2.3): date, `T`, time with an
 * optional fraction, and `Z` or a numeric offset. Returns undefined when it is invalid.
 */
export function parseRfc3339(text: string): Date | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  const [year, month, day] = [Number(y), Number(mo) - 1, Number(d)];
  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  if (month > 11 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (!validTime(hour, minute, second)) return undefined;

  let offsetMinutes = 0;
  if (offset !== 'Z' && offset !== 'z') {
    const [oh, om] = [Number(offset.slice(1, 3)), Number(offset.slice(4, 6))];
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const [storedSeconds, milliseconds] = storedSecond(second, fraction);
  const utc = Date.UTC(year, month, day, hour, minute, storedSeconds, milliseconds);
  return new Date(utc - offsetMinutes * 60_000);
}

export interface BsdTimestamp {
  /** The time, or undefined when the text has the shape of a timestamp but impossible values. */
  date: Date | undefined;
  /** Characters the timestamp and the space after it take up. */
  length: number;
}

/**
 * Parses a BSD timestamp at the start of `text`, in the receiver's local time zone as rsyslog
 * does. A timestamp without a year gets the latest year that puts it at most a month after
 * `receivedAt`: a `Dec 31` message received on January 1st lands in the previous year, a
 * `Jan 1` message received on December 31st in the next. A day that none of the three nearest
 * years has (Feb 29 between leap years) gives no date.
 */
export function parseBsdTimestamp(text: string, receivedAt: Date): BsdTimestamp | undefined {
  const match = BSD.exec(text);
  if (!match) return undefined;
  const [whole, monthName, d, y, h, mi, s, fraction] = match;
  const month = MONTHS.indexOf(monthName.toLowerCase());
  if (month === -1) return undefined;
  const [day, hour, minute, second] = [Number(d), Number(h), Number(mi), Number(s)];
  const length = whole.length;
  if (day < 1 || day > 31 || !validTime(hour, minute, second)) return { date: undefined, length };

  const at = (year: number): Date | undefined => {
    const [storedSeconds, milliseconds] = storedSecond(second, fraction);
    const date = new Date(year, month, day, hour, minute, storedSeconds, milliseconds);
    // Feb 29 of a common year rolls over to March 1: that year does not have the day.
    return date.getMonth() === month ? date : undefined;
  };
  if (y !== undefined) return { date: at(Number(y)), length };

  // The latest year that does not put the message more than a month after its receive time.
  const latest = receivedAt.getTime() + FUTURE_TOLERANCE_MS;
  const year = receivedAt.getFullYear();
  for (const candidate of [at(year + 1), at(year), at(year - 1)]) {
    if (candidate !== undefined && candidate.getTime() <= latest)
      return { date: candidate, length };
  }
  return { date: undefined, length };
}
