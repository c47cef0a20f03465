import { isIPv4 } from 'node:net';
import { CLASS_IN, TYPE_CODES } from './dns-constants';
import { parseIPv4, parseIPv6 } from './ip-prefix';
import { MessageFullError, MessageWriter } from './message-writer';
import type { Question, ResponseRecord } from './resolver';

/** Header fields of a response that are not derived from the sections. */
export interface ResponseHeader {
  id: number;
  opcode: number;
  authoritative: boolean;
  recursionDesired: boolean;
  checkingDisabled: boolean;
  /** Full rcode; values above 15 carry their upper 8 bits in the OPT record. */
  rcode: number;
}

/** OPT record of the response (RFC 6891). */
export interface ResponseOpt {
  udpPayloadSize: number;
  dnssecOk: boolean;
}

export interface ResponseContent {
  header: ResponseHeader;
  question?: Question;
  answer: ResponseRecord[];
  authority: ResponseRecord[];
  additional: ResponseRecord[];
  /** Whether additional records that do not fit must set TC (referral glue). */
  additionalRequired: boolean;
  opt?: ResponseOpt;
}

const HEADER_BYTES = 12;
const OPT_BYTES = 11;

/**
 * Encodes a response within `limit` bytes. When answer or authority RRsets do not fit, whole
 * RRsets are dropped from that point on and TC is set. Additional RRsets that do not fit are
 * dropped silently unless `additionalRequired` is set. The question and the OPT record are
 * always kept.
 */
export function encodeResponse(content: ResponseContent, limit: number): Buffer {
  const writer = new MessageWriter(limit);
  writer.writeBytes(Buffer.alloc(HEADER_BYTES));
  if (content.question !== undefined) {
    writer.writeName(content.question.name);
    writer.writeUint16(content.question.type);
    writer.writeUint16(content.question.class);
  }
  const optBytes = content.opt === undefined ? 0 : OPT_BYTES;
  writer.reserve(optBytes);

  let truncated = false;
  const answerCount = writeSection(writer, content.answer);
  truncated = answerCount < content.answer.length;
  let authorityCount = 0;
  let additionalCount = 0;
  if (!truncated) {
    authorityCount = writeSection(writer, content.authority);
    truncated = authorityCount < content.authority.length;
  }
  if (!truncated) {
    additionalCount = writeSection(writer, content.additional);
    truncated = content.additionalRequired && additionalCount < content.additional.length;
  }
  writer.release(optBytes);
  if (content.opt !== undefined) {
    writeOpt(writer, content.opt, content.header.rcode);
    additionalCount += 1;
  }

  const header = content.header;
  const flags =
    0x8000 |
    ((header.opcode & 0xf) << 11) |
    (header.authoritative ? 0x0400 : 0) |
    (truncated ? 0x0200 : 0) |
    (header.recursionDesired ? 0x0100 : 0) |
    (header.checkingDisabled ? 0x0010 : 0) |
    (header.rcode & 0xf);
  writer.patchUint16(0, header.id);
  writer.patchUint16(2, flags);
  writer.patchUint16(4, content.question === undefined ? 0 : 1);
  writer.patchUint16(6, answerCount);
  writer.patchUint16(8, authorityCount);
  writer.patchUint16(10, additionalCount);
  return writer.toBuffer();
}

/** Writes whole RRsets until one does not fit; returns the number of records written. */
function writeSection(writer: MessageWriter, records: ResponseRecord[]): number {
  let written = 0;
  let start = 0;
  while (start < records.length) {
    let end = start + 1;
    while (end < records.length && sameRRset(records[start], records[end])) {
      end++;
    }
    const checkpoint = writer.checkpoint();
    try {
      for (let i = start; i < end; i++) {
        writeRecord(writer, records[i]);
      }
    } catch (error) {
      if (!(error instanceof MessageFullError)) {
        throw error;
      }
      writer.rollback(checkpoint);
      return written;
    }
    written += end - start;
    start = end;
  }
  return written;
}

function sameRRset(a: ResponseRecord, b: ResponseRecord): boolean {
  return a.type === b.type && a.owner.toLowerCase() === b.owner.toLowerCase();
}

function writeRecord(writer: MessageWriter, rr: ResponseRecord): void {
  writer.writeName(rr.owner);
  writer.writeUint16(TYPE_CODES[rr.type]);
  writer.writeUint16(CLASS_IN);
  writer.writeUint32(rr.ttl);
  const lengthOffset = writer.length;
  writer.writeUint16(0);
  writeRdata(writer, rr);
  writer.patchUint16(lengthOffset, writer.length - lengthOffset - 2);
}

function writeRdata(writer: MessageWriter, rr: ResponseRecord): void {
  if (rr.type === 'SOA') {
    writer.writeName(rr.soa.primary);
    writer.writeName(rr.soa.hostmaster);
    writer.writeUint32(rr.soa.serial);
    writer.writeUint32(rr.soa.refresh);
    writer.writeUint32(rr.soa.retry);
    writer.writeUint32(rr.soa.expire);
    writer.writeUint32(rr.soa.minimum);
    return;
  }
  const record = rr.record;
  switch (rr.type) {
    case 'A':
    case 'AAAA': {
      const address = record.address as string;
      writer.writeBytes(isIPv4(address) ? parseIPv4(address) : parseIPv6(address));
      return;
    }
    case 'CNAME':
    case 'NS':
    case 'PTR':
      writer.writeName(record.target as string);
      return;
    case 'MX':
      writer.writeUint16(record.preference as number);
      writer.writeName(record.target as string);
      return;
    case 'SRV':
      writer.writeUint16(record.priority as number);
      writer.writeUint16(record.weight as number);
      writer.writeUint16(record.port as number);
      writer.writeName(record.target as string, false);
      return;
    case 'TXT':
      for (const part of record.text as string[]) {
        writer.writeCharacterString(Buffer.from(part, 'utf8'));
      }
      return;
    case 'CAA':
      // RFC 8659: flags, tag length, tag, then the value up to the end of RDATA.
      writer.writeUint8(record.flags as number);
      writer.writeCharacterString(Buffer.from(record.tag as string, 'ascii'));
      writer.writeBytes(Buffer.from(record.value as string, 'utf8'));
      return;
  }
}

/** Writes the OPT record; the TTL field carries extended rcode, version 0 and DO. */
function writeOpt(writer: MessageWriter, opt: ResponseOpt, rcode: number): void {
  writer.writeUint8(0);
  writer.writeUint16(TYPE_CODES.OPT);
  writer.writeUint16(opt.udpPayloadSize);
  writer.writeUint8((rcode >> 4) & 0xff);
  writer.writeUint8(0);
  writer.writeUint16(opt.dnssecOk ? 0x8000 : 0);
  writer.writeUint16(0);
}
