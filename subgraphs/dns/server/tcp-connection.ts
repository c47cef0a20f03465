import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { CounterSet } from './counters';
import type { QueryHandler } from './query-handler';
import { QUERY_BYTES_MAX } from './query-parser';

export interface TcpConnectionOptions {
  idleTimeoutMs: number;
  maxQueries?: number;
}

/**
 * Maximum unprocessed bytes kept per connection. Reading pauses while responses wait for the
 * client, so the buffer contains at most one read chunk plus one partial query.
 */
export const TCP_BUFFERED_BYTES_MAX = 128 * 1024;

/**
 * One DNS-over-TCP connection (RFC 7766): 2-byte length framing, pipelined queries answered in
 * order, idle timeout and back-pressure when the client does not read its responses.
 */
export class TcpConnection {
  private pending: Buffer = Buffer.alloc(0);
  private queriesAnswered = 0;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly handler: QueryHandler,
    private readonly options: TcpConnectionOptions,
    private readonly counters: CounterSet,
    private readonly logger: Logger,
  ) {
    socket.setNoDelay(true);
    // NOTE: the idle timer restarts on every received byte, so a client that trickles bytes keeps
    // its connection open. Only tcpMaxConnections bounds how many such clients there can be.
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      socket.resume();
      this.processPending();
    });
    socket.on('timeout', () => this.abort('tcp-idle-timeout'));
    socket.on('error', (err) => {
      this.logger.debug({ err, client: this.clientAddress }, 'TCP connection error');
    });
  }

  get clientAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private abort(reason: string): void {
    if (this.closed) {
      return;
    }
    this.counters.countDrop(reason);
    this.logger.debug({ client: this.clientAddress, reason }, 'TCP connection closed');
    this.destroy();
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.pending.length > TCP_BUFFERED_BYTES_MAX) {
      this.abort('tcp-buffer-limit');
      return;
    }
    this.processPending();
  }

  /** Answers every complete message in the buffer until the socket needs to drain. */
  private processPending(): void {
    while (!this.closed && this.pending.length >= 2) {
      const length = this.pending.readUInt16BE(0);
      // The length alone proves a message is unusable, so close before buffering its body.
      if (length > QUERY_BYTES_MAX) {
        this.abort('oversized');
        return;
      }
      if (length === 0) {
        this.abort('malformed');
        return;
      }
      if (this.pending.length < 2 + length) {
        return;
      }
      const message = this.pending.subarray(2, 2 + length);
      this.pending = this.pending.subarray(2 + length);
      const response = this.handler.handle(message, 'tcp', this.clientAddress);
      const flushed = response === undefined || this.write(response);
      this.queriesAnswered += 1;
      if (
        this.options.maxQueries !== undefined &&
        this.queriesAnswered >= this.options.maxQueries
      ) {
        this.closed = true;
        this.socket.end();
        return;
      }
      if (!flushed) {
        return;
      }
    }
  }

  /** Writes one framed response. Returns false when reading is paused until 'drain'. */
  private write(response: Buffer): boolean {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(response.length, 0);
    const flushed = this.socket.write(Buffer.concat([prefix, response]));
    if (!flushed) {
      this.socket.pause();
    }
    return flushed;
  }
}
