import type { NewLog } from '../storage/log-writer';
import type { SortKeys } from '../storage/sort-key';
import type { Transport } from '../models';
import { parseMessage, type ParsedMessage } from './parse';

/** Where and how one message arrived. */
export interface Arrival {
  transport: Transport;
  /** Peer IP address, IPv4-mapped addresses written as IPv4. */
  sender: string;
  receivedAt: Date;
  truncated: boolean;
}

/** Lower-cases a host name and drops a trailing dot, so searches and Host joins match it. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Parses one frame or datagram into the document the writer stores. */
export function logEntry(
  bytes: Buffer,
  arrival: Arrival,
  keys: SortKeys,
): { document: NewLog; parsed: ParsedMessage } {
  const { parsed, raw, rawBase64 } = parseMessage(bytes, arrival.receivedAt);
  const document: NewLog = {
    key: keys.next(arrival.receivedAt),
    receivedAt: arrival.receivedAt,
    host: parsed.host === null ? arrival.sender : normalizeHost(parsed.host),
    facility: parsed.facility,
    severity: parsed.severity,
    message: parsed.message,
    raw,
    sender: arrival.sender,
    transport: arrival.transport,
    format: parsed.format,
    truncated: arrival.truncated,
  };
  // Absent fields are left out rather than stored as null, which keeps documents small.
  if (parsed.timestamp !== null) document.timestamp = parsed.timestamp;
  if (parsed.appName !== null) document.appName = parsed.appName;
  if (parsed.procId !== null) document.procId = parsed.procId;
  if (parsed.msgId !== null) document.msgId = parsed.msgId;
  if (parsed.structuredData.length > 0) document.structuredData = parsed.structuredData;
  if (rawBase64 !== null) document.rawBase64 = rawBase64;
  return { document, parsed };
}
