import { Packet } from 'dns2';
import { CLASSIC_UDP_MAX, RCODES, TYPE_CODES } from './dns-constants';
import type { Question } from './resolver';

/** EDNS values of the query's OPT record. */
export interface QueryOpt {
  udpPayloadSize: number;
  version: number;
  dnssecOk: boolean;
}

/** Header fields copied into every response. */
export interface QueryHeader {
  id: number;
  opcode: number;
  recursionDesired: boolean;
  checkingDisabled: boolean;
}

/** Reason for sending no response at all, also used as the drop counter key. */
export type DropReason = 'malformed' | 'oversized' | 'response-packet';

export type ParsedQuery =
  | { kind: 'drop'; reason: DropReason }
  /** Answered with `rcode` and no data; `question` and `opt` are echoed when they parsed. */
  | { kind: 'error'; header: QueryHeader; rcode: number; question?: Question; opt?: QueryOpt }
  | { kind: 'query'; header: QueryHeader; question: Question; opt?: QueryOpt };

/**
 * Largest query accepted. Real queries are a few hundred bytes at most, and the dns2 reader
 * works bit by bit, so big hostile messages are refused before parsing.
 * NOTE: the limit is a guess. Signed (TSIG) queries are not supported anyway.
 */
export const QUERY_BYTES_MAX = 4096;

/** Queries carry no answer or authority records and rarely more than OPT (and TSIG). */
const QUERY_RECORDS_MAX = 4;

const HEADER_BYTES = 12;

/** dns2 decodes OPT fields that its typings omit. */
interface DecodedOpt {
  name: string;
  type: number;
  class: number;
  version?: number;
  doFlag?: boolean;
}

/**
 * Parses and checks a query message with dns2. Malformed messages with a readable header get
 * FORMERR, responses (QR=1) are dropped, opcodes other than QUERY get NOTIMP, classes other
 * than IN get REFUSED, zone transfers (AXFR, IXFR) get REFUSED and EDNS versions above 0 get
 * BADVERS.
 */
export function parseQuery(message: Buffer): ParsedQuery {
  if (message.length > QUERY_BYTES_MAX) {
    return { kind: 'drop', reason: 'oversized' };
  }
  if (message.length < HEADER_BYTES) {
    return { kind: 'drop', reason: 'malformed' };
  }
  const flags = message.readUInt16BE(2);
  if (flags & 0x8000) {
    return { kind: 'drop', reason: 'response-packet' };
  }
  const header: QueryHeader = {
    id: message.readUInt16BE(0),
    opcode: (flags >> 11) & 0xf,
    recursionDesired: (flags & 0x0100) !== 0,
    checkingDisabled: (flags & 0x0010) !== 0,
  };
  if (header.opcode !== 0) {
    return { kind: 'error', header, rcode: RCODES.NOTIMP };
  }
  const questionCount = message.readUInt16BE(4);
  const answerCount = message.readUInt16BE(6);
  const authorityCount = message.readUInt16BE(8);
  const additionalCount = message.readUInt16BE(10);
  const formerr: ParsedQuery = { kind: 'error', header, rcode: RCODES.FORMERR };
  if (
    questionCount !== 1 ||
    answerCount !== 0 ||
    authorityCount > 1 ||
    additionalCount > QUERY_RECORDS_MAX
  ) {
    return formerr;
  }

  let packet: Packet;
  try {
    packet = Packet.parse(message);
  } catch {
    return formerr;
  }
  // dns2 skips records it fails to decode instead of throwing, so compare the counts.
  if (packet.questions.length !== 1 || packet.additionals.length !== additionalCount) {
    return formerr;
  }
  const parsed = packet.questions[0];
  const question: Question = { name: parsed.name, type: parsed.type, class: parsed.class };
  if (!isWellFormedName(question.name)) {
    return formerr;
  }
  // Only an IXFR request carries an authority record: the SOA the client has (RFC 1995).
  if (authorityCount !== 0 && question.type !== TYPE_CODES.IXFR) {
    return formerr;
  }

  const optRecords = packet.additionals.filter((record) => record.type === TYPE_CODES.OPT);
  if (optRecords.length > 1) {
    return formerr;
  }
  let opt: QueryOpt | undefined;
  if (optRecords.length === 1) {
    const decoded = optRecords[0] as unknown as DecodedOpt;
    // RFC 6891 section 6.1.1: the OPT owner is the root name.
    if (decoded.name !== '') {
      return formerr;
    }
    opt = {
      udpPayloadSize: Math.max(decoded.class, CLASSIC_UDP_MAX),
      version: decoded.version ?? 0,
      dnssecOk: decoded.doFlag === true,
    };
    if (opt.version > 0) {
      return { kind: 'error', header, rcode: RCODES.BADVERS, question, opt };
    }
  }

  if (question.class !== 1) {
    return { kind: 'error', header, rcode: RCODES.REFUSED, question, opt };
  }
  if (question.type === TYPE_CODES.AXFR || question.type === TYPE_CODES.IXFR) {
    return { kind: 'error', header, rcode: RCODES.REFUSED, question, opt };
  }
  return { kind: 'query', header, question, opt };
}

/**
 * Rejects names with empty labels, which only a label containing a dot byte can produce because
 * dns2 joins decoded labels with '.'.
 * NOTE: a label with a dot byte in its middle (`a.b` as one label) cannot be detected after
 * dns2 decoding, so it is looked up and echoed as two labels.
 */
function isWellFormedName(name: string): boolean {
  if (name === '') {
    return true;
  }
  return name.split('.').every((label) => label.length > 0 && label.length <= 63);
}
