/** Error thrown when a write would pass the size limit, so the caller rolls back. */
export class MessageFullError extends Error {
  constructor() {
    super('DNS message size limit reached');
    this.name = 'MessageFullError';
  }
}

/** Position and compression-table size to return to when an RRset does not fit. */
export interface WriterCheckpoint {
  position: number;
  namesAdded: number;
}

/** Compression pointers have 14 bits of offset (RFC 1035 section 4.1.4). */
const POINTER_OFFSET_MAX = 0x3fff;

/**
 * Bounded byte writer for one DNS message with name compression. Compression keys keep their
 * letter case, so a pointer never changes the case of the name it stands for (the question's
 * 0x20 case stays exactly as the client sent it).
 */
export class MessageWriter {
  private readonly buffer: Buffer;
  private position = 0;
  private readonly names = new Map<string, number>();
  private readonly namesInOrder: string[] = [];

  constructor(private limit: number) {
    this.buffer = Buffer.alloc(limit);
  }

  get length(): number {
    return this.position;
  }

  /** Lowers the limit, e.g. to keep room for an OPT record that must always fit. */
  reserve(bytes: number): void {
    this.limit -= bytes;
  }

  release(bytes: number): void {
    this.limit += bytes;
  }

  checkpoint(): WriterCheckpoint {
    return { position: this.position, namesAdded: this.namesInOrder.length };
  }

  rollback(checkpoint: WriterCheckpoint): void {
    this.position = checkpoint.position;
    while (this.namesInOrder.length > checkpoint.namesAdded) {
      this.names.delete(this.namesInOrder.pop() as string);
    }
  }

  private ensure(bytes: number): void {
    if (this.position + bytes > this.limit) {
      throw new MessageFullError();
    }
  }

  writeUint8(value: number): void {
    this.ensure(1);
    this.buffer.writeUInt8(value, this.position);
    this.position += 1;
  }

  writeUint16(value: number): void {
    this.ensure(2);
    this.buffer.writeUInt16BE(value, this.position);
    this.position += 2;
  }

  writeUint32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32BE(value >>> 0, this.position);
    this.position += 4;
  }

  writeBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }

  patchUint16(offset: number, value: number): void {
    this.buffer.writeUInt16BE(value, offset);
  }

  /** Writes a byte string with its 1-byte length prefix (RFC 1035 character-string). */
  writeCharacterString(bytes: Uint8Array): void {
    if (bytes.length > 255) {
      throw new RangeError(`character-string of ${bytes.length} bytes exceeds 255`);
    }
    this.writeUint8(bytes.length);
    this.writeBytes(bytes);
  }

  /**
   * Writes a name without trailing dot (`''` is the root). Each label byte is the char code of
   * one string character, matching how query names are decoded. With `compress` false the name
   * is written in full, as RFC 2782 requires for SRV targets, but later names may point into it.
   */
  writeName(name: string, compress = true): void {
    let rest = name;
    while (rest !== '') {
      const pointer = compress ? this.names.get(rest) : undefined;
      if (pointer !== undefined) {
        this.writeUint16(0xc000 | pointer);
        return;
      }
      if (this.position <= POINTER_OFFSET_MAX && !this.names.has(rest)) {
        this.names.set(rest, this.position);
        this.namesInOrder.push(rest);
      }
      const dot = rest.indexOf('.');
      const label = dot < 0 ? rest : rest.slice(0, dot);
      if (label.length === 0 || label.length > 63) {
        throw new RangeError(`invalid label length ${label.length} in name ${name}`);
      }
      this.writeCharacterString(Buffer.from(label, 'latin1'));
      rest = dot < 0 ? '' : rest.slice(dot + 1);
    }
    this.writeUint8(0);
  }

  /** Returns a copy of the written bytes. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.position));
  }
}
