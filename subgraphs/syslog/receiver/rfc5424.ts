import type { SdElement, SdParam } from '../models';
import type { ParsedMessage } from './header';
import { withoutBom } from './header';
import { parseRfc3339 } from './timestamp';

/** Maximum lengths of the header fields (RFC 5424 section 6). */
const FIELD_MAX = { host: 255, appName: 48, procId: 128, msgId: 32 } as const;

/** SD-NAME: 1-32 printable US-ASCII characters except `=`, space, `]` and `"`. */
const SD_NAME = /^[!#-<>-\\^-~]{1,32}/;

const NILVALUE = '-';

/** A cursor over the text after the PRI; every read either advances or reports failure. */
class Reader {
  position = 0;

  constructor(readonly text: string) {}

  /** Reads up to the next space and skips it; undefined when there is no space. */
  field(): string | undefined {
    const end = this.text.indexOf(' ', this.position);
    if (end === -1 || end === this.position) return undefined;
    const value = this.text.slice(this.position, end);
    this.position = end + 1;
    return value;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  rest(): string {
    return this.text.slice(this.position);
  }
}

/** Checks a header field: printable US-ASCII (33-126) of at most `max` characters. */
function headerValue(value: string, max: number): string | null | undefined {
  if (value.length > max || !/^[!-~]+$/.test(value)) return undefined;
  return value === NILVALUE ? null : value;
}

/**
 * Parses the text after `<PRI>` as an RFC 5424 message: `1 TIMESTAMP HOSTNAME APP-NAME PROCID
 * MSGID STRUCTURED-DATA [MSG]`. Returns undefined when it does not follow the grammar, so the
 * caller can try RFC 3164, as rsyslog's parser chain does.
 */
export function parseRfc5424(
  text: string,
  priority: { facility: number; severity: number },
): ParsedMessage | undefined {
  const reader = new Reader(text);
  if (reader.field() !== '1') return undefined;

  const stamp = reader.field();
  if (stamp === undefined) return undefined;
  const timestamp = stamp === NILVALUE ? null : parseRfc3339(stamp);
  if (timestamp === undefined) return undefined;

  const fields: (string | null)[] = [];
  for (const max of [FIELD_MAX.host, FIELD_MAX.appName, FIELD_MAX.procId, FIELD_MAX.msgId]) {
    const raw = reader.field();
    const value = raw === undefined ? undefined : headerValue(raw, max);
    if (value === undefined) return undefined;
    fields.push(value);
  }
  const [host, appName, procId, msgId] = fields;

  const structuredData = readStructuredData(reader);
  if (structuredData === undefined) return undefined;
  let message = reader.rest();
  if (message !== '') {
    if (message[0] !== ' ') return undefined;
    message = withoutBom(message.slice(1));
  }
  return {
    format: 'rfc5424',
    ...priority,
    timestamp,
    host,
    appName,
    procId,
    msgId,
    structuredData,
    message,
  };
}

/**
 * Reads STRUCTURED-DATA: `-`, or one or more `[SD-ID name="value" ...]` elements with no space
 * between them. Returns undefined when the syntax is broken.
 */
function readStructuredData(reader: Reader): SdElement[] | undefined {
  const text = reader.text;
  if (reader.peek() === NILVALUE) {
    reader.position += 1;
    return [];
  }
  const elements: SdElement[] = [];
  while (reader.peek() === '[') {
    reader.position += 1;
    const id = readName(reader);
    if (id === undefined) return undefined;
    const params: SdParam[] = [];
    while (text[reader.position] === ' ') {
      reader.position += 1;
      const param = readParam(reader);
      if (param === undefined) return undefined;
      params.push(param);
    }
    if (text[reader.position] !== ']') return undefined;
    reader.position += 1;
    elements.push({ id, params });
  }
  return elements.length > 0 ? elements : undefined;
}

function readName(reader: Reader): string | undefined {
  const match = SD_NAME.exec(reader.rest());
  if (!match) return undefined;
  reader.position += match[0].length;
  return match[0];
}

/**
 * Reads `name="value"`. Inside the value a backslash escapes `"`, `\` and `]`; before any other
 * character it is kept as written (RFC 5424 section 6.3.3).
 */
function readParam(reader: Reader): SdParam | undefined {
  const text = reader.text;
  const name = readName(reader);
  if (name === undefined || text[reader.position] !== '=' || text[reader.position + 1] !== '"')
    return undefined;
  let position = reader.position + 2;
  let value = '';
  let chunkStart = position;
  for (;;) {
    const quote = text.indexOf('"', position);
    const backslash = text.indexOf('\\', position);
    if (quote === -1) return undefined;
    if (backslash === -1 || quote < backslash) {
      value += text.slice(chunkStart, quote);
      reader.position = quote + 1;
      return { name, value };
    }
    const escaped = text[backslash + 1];
    if (escaped === '"' || escaped === '\\' || escaped === ']') {
      value += text.slice(chunkStart, backslash) + escaped;
      position = backslash + 2;
      chunkStart = position;
    } else {
      position = backslash + 1;
    }
  }
}
