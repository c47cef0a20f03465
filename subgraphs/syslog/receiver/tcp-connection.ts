import type { Socket } from 'node:net';
import type { Logger } from '../../../lib/log';
import type { CounterSet } from './counters';
import { FrameDecoder } from './framing';

export interface TcpConnectionOptions {
  maxMessageSize: number;
  idleTimeoutMs: number;
}

/** Where a connection hands its frames, and whether it may read more. */
export interface FrameConsumer {
  accept(data: Buffer, truncated: boolean, sender: string): void;
  /** True while the store is behind; the connection then stops reading. */
  readonly full: boolean;
}

/**
 * One syslog-over-TCP connection: frames per RFC 6587, an idle timeout, and back-pressure:
 * when the consumer is full the socket stops reading, so the kernel's receive window fills
 * and the sender slows down instead of messages piling up here.
 */
export class TcpConnection {
  readonly sender: string;
  private readonly decoder: FrameDecoder;
  private closed = false;
  private finished = false;
  paused = false;

  constructor(
    private readonly socket: Socket,
    private readonly consumer: FrameConsumer,
    private readonly options: TcpConnectionOptions,
    private readonly counters: CounterSet,
    private readonly logger: Logger,
  ) {
    this.sender = unmappedAddress(socket.remoteAddress ?? '');
    this.decoder = new FrameDecoder(options.maxMessageSize, {
      frame: (data, truncated) => consumer.accept(data, truncated, this.sender),
    });
    // NOTE: the idle timer restarts on every received byte, so a peer that trickles bytes keeps
    // its connection; tcpMaxConnections bounds how many such peers there can be.
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      this.finish();
      socket.end();
    });
    socket.on('close', () => this.finish());
    socket.on('timeout', () => this.abort('tcp-idle-timeout'));
    socket.on('error', (err) => {
      this.counters.countEvent('tcp-connection-error');
      this.logger.debug({ err, sender: this.sender }, 'TCP connection error');
    });
  }

  get framing(): string | undefined {
    return this.decoder.mode;
  }

  /** Starts reading again after the consumer has room. */
  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.socket.setTimeout(this.options.idleTimeoutMs);
    this.socket.resume();
  }

  /** Closes the connection; a partial frame is handled first, as at a close by the peer. */
  destroy(): void {
    this.finish();
    this.closed = true;
    this.socket.destroy();
  }

  /**
   * Delivers or counts the partial frame left at the end of the stream, once per connection.
   * A discarded frame counts as received and dropped (`incomplete-frame`).
   */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const incomplete = this.decoder.end();
    if (incomplete === undefined) return;
    this.counters.transport('tcp').received += 1;
    this.counters.countDrop('tcp', 'incomplete-frame');
    this.logger.debug(
      { sender: this.sender, ...incomplete },
      'incomplete octet-counted frame discarded at end of connection',
    );
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    const error = this.decoder.push(chunk);
    if (error !== undefined) {
      this.counters.transport('tcp').malformed += 1;
      this.abort(error);
      return;
    }
    if (this.consumer.full) this.pause();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.counters.readPaused();
    // A connection waiting for the store is not idle, so its timer stops meanwhile.
    this.socket.setTimeout(0);
    this.socket.pause();
  }

  private abort(reason: string): void {
    if (this.closed) return;
    this.counters.countEvent(reason);
    this.logger.debug({ sender: this.sender, reason }, 'TCP connection closed');
    this.destroy();
  }
}

/** Writes an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as the IPv4 address it carries. */
export function unmappedAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
