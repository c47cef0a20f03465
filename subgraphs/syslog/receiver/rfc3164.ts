import type { ParsedMessage } from './header';
import { parseBsdTimestamp, parseRfc3339, RFC3339 } from './timestamp';

/** Characters rsyslog accepts in an RFC 3164 host name: letters, digits, `.`, `-`, `_`, `:`. */
const HOST_NAME = /^[A-Za-z0-9._:-]{1,255}$/;

/** TAG: the app name, an optional `[pid]`, and usually a colon, e.g. `sshd[42]:`. */
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\s\]]{1,128})\])?:?(?: |$)/;

/** Leading RFC 3339 timestamp, which rsyslog and syslog-ng accept in RFC 3164 messages too. */
const LEADING_RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\S+ /;

/**
 * Parses the text after `<PRI>` as a BSD syslog message (RFC 3164): `TIMESTAMP HOSTNAME
 * TAG[PID]: MSG`, each part optional. Never fails: what is not recognised is the message.
 *
 * Host names are looked for only after a timestamp, because without one the first word is
 * far more often a tag or the message itself. A timestamp with an impossible date (`Feb 30`)
 * counts, since the sender clearly wrote a header; its time is null. A word with characters a host name cannot have,
 * or ending in a colon, is the tag. Like rsyslog, the first word after the host is the tag
 * even without a colon.
 */
export function parseRfc3164(
  text: string,
  priority: { facility: number; severity: number },
  receivedAt: Date,
): ParsedMessage {
  let rest = text;
  let timestamp: Date | null = null;
  let hasTimestamp = false;

  const bsd = parseBsdTimestamp(rest, receivedAt);
  const rfc3339 = bsd ? undefined : LEADING_RFC3339.exec(rest);
  if (bsd) {
    timestamp = bsd.date ?? null;
    hasTimestamp = true;
    rest = rest.slice(bsd.length);
  } else if (rfc3339 && RFC3339.test(rfc3339[0].trimEnd())) {
    // Like a BSD timestamp, one with the right shape but an impossible date still ends the
    // timestamp field, so the host after it is found, and the timestamp is null.
    timestamp = parseRfc3339(rfc3339[0].trimEnd()) ?? null;
    hasTimestamp = true;
    rest = rest.slice(rfc3339[0].length);
  }

  let host: string | null = null;
  if (hasTimestamp) {
    const space = rest.indexOf(' ');
    const word = space === -1 ? '' : rest.slice(0, space);
    if (HOST_NAME.test(word) && !word.endsWith(':')) {
      host = word;
      rest = rest.slice(space + 1);
    }
  }

  let appName: string | null = null;
  let procId: string | null = null;
  const tag = TAG.exec(rest);
  if (tag) {
    appName = tag[1];
    procId = tag[2] ?? null;
    rest = rest.slice(tag[0].length);
  }

  return {
    format: 'rfc3164',
    ...priority,
    timestamp,
    host,
    appName,
    procId,
    msgId: null,
    structuredData: [],
    message: rest,
  };
}
