import type { Transport } from '../models';

/** Message counts of one transport since the process started. */
export interface TransportCounters {
  /** Messages taken off the wire, including malformed and truncated ones. */
  received: number;
  /** Messages written to the store. */
  stored: number;
  /** Messages lost: received but never stored. */
  dropped: number;
  /** Messages without a syslog header (stored as format `unknown`) and broken TCP framing. */
  malformed: number;
  /** Messages cut at the maximum message size. */
  truncated: number;
}

/** Snapshot of the receiver's counters since start. */
export interface ReceiverCounters {
  transports: Record<Transport, TransportCounters>;
  /**
   * Dropped messages and closed connections by reason: `udp-queue-full`, `store-failed`,
   * `tcp-connection-limit`, `tcp-idle-timeout`, `octet-count-invalid`, `octet-count-too-long`,
   * `octet-count-leading-zero`, `incomplete-frame` (an octet-counted frame cut off by the end of
   * its connection).
   */
  drops: Record<string, number>;
  tcpConnectionsAccepted: number;
  tcpConnectionsOpen: number;
  /** Times a TCP connection stopped reading because the store fell behind. */
  tcpReadsPaused: number;
  /** Failed store writes, each retried. */
  storeErrors: number;
}

function emptyTransport(): TransportCounters {
  return { received: 0, stored: 0, dropped: 0, malformed: 0, truncated: 0 };
}

/** Mutable counters shared by the receiver and the writer. */
export class CounterSet {
  private readonly state: ReceiverCounters = {
    transports: { udp: emptyTransport(), tcp: emptyTransport() },
    drops: {},
    tcpConnectionsAccepted: 0,
    tcpConnectionsOpen: 0,
    tcpReadsPaused: 0,
    storeErrors: 0,
  };

  transport(transport: Transport): TransportCounters {
    return this.state.transports[transport];
  }

  /** Counts messages lost for a reason. */
  countDrop(transport: Transport, reason: string, messages = 1): void {
    this.state.transports[transport].dropped += messages;
    this.countEvent(reason, messages);
  }

  /** Counts a closed or rejected connection, which loses no accepted message. */
  countEvent(reason: string, count = 1): void {
    this.state.drops[reason] = (this.state.drops[reason] ?? 0) + count;
  }

  connectionOpened(): void {
    this.state.tcpConnectionsAccepted += 1;
    this.state.tcpConnectionsOpen += 1;
  }

  connectionClosed(): void {
    this.state.tcpConnectionsOpen -= 1;
  }

  readPaused(): void {
    this.state.tcpReadsPaused += 1;
  }

  storeError(): void {
    this.state.storeErrors += 1;
  }

  /** Returns a deep copy, so callers cannot change the live counters. */
  snapshot(): ReceiverCounters {
    return {
      ...this.state,
      transports: { udp: { ...this.state.transports.udp }, tcp: { ...this.state.transports.tcp } },
      drops: { ...this.state.drops },
    };
  }
}
