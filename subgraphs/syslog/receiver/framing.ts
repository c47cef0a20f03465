/**
 * TCP framing of syslog per RFC 6587, chosen by the first byte of a connection: a digit starts
 * octet counting (`LEN SP MSG`), anything else newline-delimited frames, ended by LF or by NUL
 * as rsyslog can send them. Every frame is cut at maxMessageSize, so memory per connection is
 * bounded whatever the peer sends.
 */

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;

/** Longest MSG-LEN accepted, in digits: up to 999,999,999 bytes, of which maxMessageSize are kept. */
const OCTET_COUNT_MAX_DIGITS = 9;

export type FramingMode = 'octet-counting' | 'non-transparent';

/** Reason a connection's byte stream cannot be read further, so the connection is closed. */
export type FramingError =
  'octet-count-leading-zero' | 'octet-count-too-long' | 'octet-count-invalid';

/** An octet-counted frame cut off by the end of the stream. */
export interface IncompleteFrame {
  /** MSG bytes received of the frame. */
  receivedBytes: number;
  /** MSG-LEN of the frame; undefined when the stream ended inside MSG-LEN. */
  declaredBytes: number | undefined;
}

export interface FrameSink {
  /** Receives one frame without its delimiter; `truncated` when it was cut at the size limit. */
  frame(data: Buffer, truncated: boolean): void;
}

/**
 * Splits one connection's byte stream into frames. Feed it every chunk in order; it calls the
 * sink for each complete frame and keeps at most maxMessageSize bytes of a partial one.
 */
export class FrameDecoder {
  mode: FramingMode | undefined;
  private parts: Buffer[] = [];
  private partLength = 0;
  /** Bytes still to skip of a frame already delivered truncated. */
  private discarding = false;
  /** Octet counting: bytes of the current frame not read yet, or -1 while reading MSG-LEN. */
  private remaining = -1;
  private lengthDigits = 0;
  private length = 0;
  /** Set after a FramingError; the rest of the stream cannot be framed. */
  private failed = false;

  constructor(
    private readonly maxMessageSize: number,
    private readonly sink: FrameSink,
  ) {}

  /**
   * Consumes a chunk; returns a FramingError when the stream is broken beyond recovery. After
   * an error the decoder ignores further input.
   */
  push(chunk: Buffer): FramingError | undefined {
    if (chunk.length === 0 || this.failed) return undefined;
    if (this.mode === undefined) {
      this.mode = chunk[0] >= ZERO && chunk[0] <= NINE ? 'octet-counting' : 'non-transparent';
    }
    if (this.mode === 'octet-counting') {
      const error = this.pushCounted(chunk);
      if (error !== undefined) this.failed = true;
      return error;
    }
    this.pushDelimited(chunk);
    return undefined;
  }

  /** Bytes of a partial frame held, for tests of the memory bound. */
  get bufferedBytes(): number {
    return this.partLength;
  }

  /**
   * Handles what is left of the stream when the connection closes. Like rsyslog, a partial
   * newline-delimited frame is delivered, because senders often omit the last LF, but a partial
   * octet-counted frame is discarded, because its count shows it is incomplete. Returns the
   * discarded frame, or undefined when nothing was discarded. The tail of a frame already
   * delivered truncated is not reported, since its message was delivered.
   */
  end(): IncompleteFrame | undefined {
    if (this.failed || this.discarding) return undefined;
    if (this.mode === 'non-transparent') {
      if (this.partLength > 0) this.deliver(false);
      return undefined;
    }
    if (this.mode !== 'octet-counting' || (this.remaining === -1 && this.lengthDigits === 0)) {
      return undefined;
    }
    const incomplete = {
      receivedBytes: this.partLength,
      declaredBytes: this.remaining === -1 ? undefined : this.length,
    };
    this.parts = [];
    this.partLength = 0;
    this.remaining = -1;
    this.length = 0;
    this.lengthDigits = 0;
    return incomplete;
  }

  private pushDelimited(chunk: Buffer): void {
    // Both delimiters are searched once per chunk, not once per frame, so many short frames in
    // a chunk cost one pass.
    let nextLf = chunk.indexOf(LF);
    let nextNul = chunk.indexOf(NUL);
    let start = 0;
    while (start < chunk.length) {
      if (nextLf !== -1 && nextLf < start) nextLf = chunk.indexOf(LF, start);
      if (nextNul !== -1 && nextNul < start) nextNul = chunk.indexOf(NUL, start);
      const end = nextLf === -1 ? nextNul : nextNul === -1 ? nextLf : Math.min(nextLf, nextNul);
      if (end === -1) {
        this.collect(chunk.subarray(start));
        return;
      }
      this.collect(chunk.subarray(start, end));
      if (this.discarding) this.discarding = false;
      else if (this.partLength > 0) this.deliver(false);
      start = end + 1;
    }
  }

  private pushCounted(chunk: Buffer): FramingError | undefined {
    let position = 0;
    while (position < chunk.length) {
      if (this.remaining === -1) {
        const byte = chunk[position];
        position += 1;
        if (byte === SPACE && this.lengthDigits > 0) {
          this.remaining = this.length;
          continue;
        }
        if (byte < ZERO || byte > NINE) return 'octet-count-invalid';
        if (this.lengthDigits === 0 && byte === ZERO) return 'octet-count-leading-zero';
        if (this.lengthDigits === OCTET_COUNT_MAX_DIGITS) return 'octet-count-too-long';
        this.length = this.length * 10 + (byte - ZERO);
        this.lengthDigits += 1;
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - position);
      this.collect(chunk.subarray(position, position + take));
      position += take;
      this.remaining -= take;
      if (this.remaining === 0) {
        if (this.discarding) this.discarding = false;
        else this.deliver(false);
        this.remaining = -1;
        this.length = 0;
        this.lengthDigits = 0;
      }
    }
    return undefined;
  }

  /** Keeps bytes of the current frame; at the size limit, delivers it truncated and skips on. */
  private collect(bytes: Buffer): void {
    if (this.discarding || bytes.length === 0) return;
    const room = this.maxMessageSize - this.partLength;
    if (bytes.length <= room) {
      this.parts.push(bytes);
      this.partLength += bytes.length;
      // A full frame delivered at the limit would be cut by the limit too, so it is not truncated.
      return;
    }
    this.parts.push(bytes.subarray(0, room));
    this.partLength += room;
    this.deliver(true);
    this.discarding = true;
  }

  private deliver(truncated: boolean): void {
    let data = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partLength);
    this.parts = [];
    this.partLength = 0;
    // Chunks are views of the socket's buffers; a copy lets a small frame free a large read.
    data = Buffer.from(truncated ? wholeCharacters(data) : trimTrailingNewline(data));
    if (data.length > 0 || truncated) this.sink.frame(data, truncated);
  }
}

/** Drops a trailing LF or CR LF, which many senders put inside octet-counted frames too. */
export function trimTrailingNewline(data: Buffer): Buffer {
  let end = data.length;
  if (end > 0 && data[end - 1] === LF) end -= 1;
  if (end > 0 && data[end - 1] === CR) end -= 1;
  return end === data.length ? data : data.subarray(0, end);
}

/** Cuts a truncated frame before a UTF-8 character that the size limit split. */
export function wholeCharacters(data: Buffer): Buffer {
  let start = data.length - 1;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the last character.
  while (start > 0 && start > data.length - 4 && (data[start] & 0xc0) === 0x80) start -= 1;
  const lead = data[start];
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + size > data.length ? data.subarray(0, start) : data;
}
