export type Transport = 'udp' | 'tcp';

/** Snapshot of the nameserver's counters since start. */
export interface NameserverCounters {
  /** Parsed queries by question type mnemonic (`A`, `TYPE65`, ...). */
  queries: Record<string, number>;
  /** Responses sent by rcode name. */
  responses: Record<string, number>;
  /**
   * Messages or connections discarded without a response, by reason: `malformed`, `oversized`,
   * `response-packet`, `tcp-connection-limit`, `tcp-idle-timeout`, `tcp-buffer-limit`,
   * `send-failed`, `internal-error`.
   */
  drops: Record<string, number>;
  /** Messages received by transport. */
  transports: Record<Transport, number>;
  /** Errors thrown while answering a query, each answered with SERVFAIL. */
  handlerErrors: number;
  tcpConnectionsAccepted: number;
  tcpConnectionsOpen: number;
}

/** Mutable counters behind `Nameserver.counters()`. */
export class CounterSet {
  private readonly state: NameserverCounters = {
    queries: {},
    responses: {},
    drops: {},
    transports: { udp: 0, tcp: 0 },
    handlerErrors: 0,
    tcpConnectionsAccepted: 0,
    tcpConnectionsOpen: 0,
  };

  countQuery(typeName: string): void {
    increment(this.state.queries, typeName);
  }

  countResponse(rcodeName: string): void {
    increment(this.state.responses, rcodeName);
  }

  countDrop(reason: string): void {
    increment(this.state.drops, reason);
  }

  countMessage(transport: Transport): void {
    this.state.transports[transport] += 1;
  }

  countHandlerError(): void {
    this.state.handlerErrors += 1;
  }

  connectionOpened(): void {
    this.state.tcpConnectionsAccepted += 1;
    this.state.tcpConnectionsOpen += 1;
  }

  connectionClosed(): void {
    this.state.tcpConnectionsOpen -= 1;
  }

  /** Returns a deep copy, so callers cannot change the live counters. */
  snapshot(): NameserverCounters {
    return {
      ...this.state,
      queries: { ...this.state.queries },
      responses: { ...this.state.responses },
      drops: { ...this.state.drops },
      transports: { ...this.state.transports },
    };
  }
}

function increment(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}
