/** Upper bounds of the latency histogram buckets, in milliseconds; the last bucket is open. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

// NOTE: counters live in the memory of one process; replicas count separately and a restart
// starts from zero.
/**
 * Request counters of a route or a target since this process started: requests, responses by
 * status class, transport failures and a latency histogram.
 */
export class TrafficStats {
  requests = 0;
  /** Index 1..5 counts 1xx..5xx; index 0 counts requests that ended without a status. */
  readonly statusClasses = [0, 0, 0, 0, 0, 0];
  /** Connection refused or reset, timeouts: attempts that got no response. */
  failures = 0;
  latencyCount = 0;
  latencyTotalMs = 0;
  latencyMaxMs = 0;
  readonly latencyBuckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);

  /** Counts one finished request; status 0 means the client went away before a response. */
  record(status: number, latencyMs: number): void {
    this.requests += 1;
    const statusClass = Math.floor(status / 100);
    this.statusClasses[statusClass >= 1 && statusClass <= 5 ? statusClass : 0] += 1;
    this.latencyCount += 1;
    this.latencyTotalMs += latencyMs;
    if (latencyMs > this.latencyMaxMs) this.latencyMaxMs = latencyMs;
    let bucket = LATENCY_BUCKETS_MS.findIndex((bound) => latencyMs <= bound);
    if (bucket === -1) bucket = LATENCY_BUCKETS_MS.length;
    this.latencyBuckets[bucket] += 1;
  }
}
