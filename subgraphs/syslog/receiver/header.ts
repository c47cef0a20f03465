import type { MessageFormat, SdElement } from '../models';

/** The fields a parser finds in one message; the receiver adds receive time, sender and raw. */
export interface ParsedMessage {
  format: MessageFormat;
  facility: number;
  severity: number;
  timestamp: Date | null;
  /** Host name from the header, or null when the header has none. */
  host: string | null;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  structuredData: SdElement[];
  message: string;
}

/** Strips the UTF-8 byte order mark RFC 5424 puts in front of a UTF-8 MSG. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
