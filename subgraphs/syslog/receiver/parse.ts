import { isUtf8 } from 'node:buffer';
import { DEFAULT_FACILITY, DEFAULT_SEVERITY, PRI_MAX } from '../codes';
import type { ParsedMessage } from './header';
import { parseRfc3164 } from './rfc3164';
import { parseRfc5424 } from './rfc5424';

export type { ParsedMessage } from './header';

/** `<PRI>`: 1-3 digits without a leading zero (except `<0>`), at most 191. */
const PRI = /^<(0|[1-9]\d{0,2})>/;

export interface DecodedMessage {
  parsed: ParsedMessage;
  raw: string;
  /** The bytes in base64 when they are not valid UTF-8, so nothing received is lost. */
  rawBase64: string | null;
}

/**
 * Parses one received message, trying RFC 5424, then RFC 3164. A message without a valid PRI
 * is stored whole as the message of format `unknown`, with the priority rsyslog gives it
 * (user.notice).
 */
export function parseMessage(bytes: Buffer, receivedAt: Date): DecodedMessage {
  const raw = bytes.toString('utf8');
  const rawBase64 = isUtf8(bytes) ? null : bytes.toString('base64');
  return { parsed: parseText(raw, receivedAt), raw, rawBase64 };
}

/** Parses the text of one message; see parseMessage. */
export function parseText(text: string, receivedAt: Date): ParsedMessage {
  const pri = PRI.exec(text);
  const value = pri ? Number(pri[1]) : NaN;
  if (!pri || value > PRI_MAX) return unknownFormat(text);

  const priority = { facility: value >> 3, severity: value & 7 };
  const rest = text.slice(pri[0].length);
  return parseRfc5424(rest, priority) ?? parseRfc3164(rest, priority, receivedAt);
}

function unknownFormat(text: string): ParsedMessage {
  return {
    format: 'unknown',
    facility: DEFAULT_FACILITY,
    severity: DEFAULT_SEVERITY,
    timestamp: null,
    host: null,
    appName: null,
    procId: null,
    msgId: null,
    structuredData: [],
    message: text,
  };
}
