/**
 * Named event counters of the listener since this process started: answers the proxy gave
 * itself (noRoute, badGateway, ...) and input it dropped (malformed, headerTooLarge, ...).
 */
export class ProxyCounters {
  private readonly counts = new Map<string, number>();
  connectionsAccepted = 0;
  websocketsOpen = 0;

  count(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  entries(): { name: string; count: number }[] {
    return [...this.counts]
      .map(([name, count]) => ({ name, count }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Raised by the proxy itself to end an upstream request that exceeded a timeout. */
export class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';

  constructor(
    readonly phase: 'connect' | 'response',
    readonly timeoutMs: number,
  ) {
    super(`target ${phase} timed out after ${timeoutMs} ms`);
  }
}
