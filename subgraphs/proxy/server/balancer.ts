import type { Strategy } from '../route-data';
import type { Upstream } from './upstream';

/** FNV-1a, 32 bits: a fast, well-spread hash for rendezvous hashing of client addresses. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Picks one target of a route per request. The candidates are the targets available now, so a
 * strategy only decides among healthy, enabled targets.
 */
export class Balancer {
  private next = 0;

  constructor(readonly strategy: Strategy) {}

  pick(candidates: Upstream[], clientAddress: string): Upstream | undefined {
    if (candidates.length <= 1) return candidates[0];
    switch (this.strategy) {
      case 'ROUND_ROBIN':
        return candidates[this.next++ % candidates.length];
      case 'WEIGHTED':
        return this.smoothWeighted(candidates);
      case 'RANDOM':
        return candidates[Math.floor(Math.random() * candidates.length)];
      case 'IP_HASH':
        return this.rendezvous(candidates, clientAddress);
      case 'LEAST_CONNECTIONS':
        return this.leastConnections(candidates);
    }
  }

  /** Each pick adds every weight to its target's score and takes the top one down by the total. */
  private smoothWeighted(candidates: Upstream[]): Upstream {
    let total = 0;
    let best = candidates[0];
    for (const upstream of candidates) {
      upstream.currentWeight += upstream.weight;
      total += upstream.weight;
      if (upstream.currentWeight > best.currentWeight) best = upstream;
    }
    best.currentWeight -= total;
    return best;
  }

  /** Highest-random-weight hashing: removing a target moves only the clients it had. */
  private rendezvous(candidates: Upstream[], clientAddress: string): Upstream {
    let best = candidates[0];
    let bestScore = -1;
    for (const upstream of candidates) {
      const score = fnv1a(`${clientAddress}|${upstream.url}`);
      if (score > bestScore) {
        best = upstream;
        bestScore = score;
      }
    }
    return best;
  }

  /** Fewest requests in flight; ties go round robin so that idle targets share the load. */
  private leastConnections(candidates: Upstream[]): Upstream {
    const start = this.next++ % candidates.length;
    let best = candidates[start];
    for (let i = 1; i < candidates.length; i++) {
      const upstream = candidates[(start + i) % candidates.length];
      if (upstream.active < best.active) best = upstream;
    }
    return best;
  }
}
