import type { Logger } from '../../../lib/log';
import type { Collection, Filter } from '../../../lib/store';
import type { LogDocument } from '../models';
import type { LogSources } from './log-sources';
import { timeKey } from './sort-key';

/** Limits the retention job enforces; 0 turns a limit off. */
export interface RetentionPolicy {
  /** Seconds. */
  maxAge: number;
  /** Messages. */
  maxCount: number;
}

export interface RetentionResult {
  deletedByAge: number;
  deletedByCount: number;
}

/** Messages deleted per step, so a large purge never holds many documents in memory. */
const DELETE_CHUNK = 1000;

/**
 * Deletes messages older than the maximum age, then the oldest ones above the maximum count,
 * a chunk at a time, and subtracts them from the per-source counts. Runs in this process
 * never overlap; the cron lease keeps replicas from running it at the same time.
 */
export class Retention {
  private running: Promise<RetentionResult> | undefined;

  constructor(
    private readonly logs: Collection<LogDocument>,
    private readonly sources: LogSources,
    private readonly policy: () => Promise<RetentionPolicy>,
    private readonly logger: Logger,
  ) {}

  async run(now = new Date()): Promise<RetentionResult> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.enforce(now);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async enforce(now: Date): Promise<RetentionResult> {
    const { maxAge, maxCount } = await this.policy();
    const result: RetentionResult = { deletedByAge: 0, deletedByCount: 0 };

    if (maxAge > 0) {
      const cutoff = timeKey(new Date(now.getTime() - maxAge * 1000));
      for (;;) {
        const chunk = await this.oldest({ key: { $lt: cutoff } }, DELETE_CHUNK);
        if (chunk.length === 0) break;
        result.deletedByAge += await this.delete(chunk);
      }
    }

    if (maxCount > 0) {
      let excess = (await this.logs.count({})) - maxCount;
      while (excess > 0) {
        const chunk = await this.oldest({}, Math.min(DELETE_CHUNK, excess));
        if (chunk.length === 0) break;
        const deleted = await this.delete(chunk);
        result.deletedByCount += deleted;
        excess -= chunk.length;
      }
    }

    if (result.deletedByAge + result.deletedByCount > 0) {
      this.logger.info({ ...result, maxAge, maxCount }, 'log retention deleted messages');
    }
    return result;
  }

  private oldest(filter: Filter, limit: number): Promise<LogDocument[]> {
    return this.logs.find(filter, { sort: { key: 1 }, limit });
  }

  private async delete(chunk: LogDocument[]): Promise<number> {
    const deleted = await this.logs.deleteMany({ id: { $in: chunk.map((doc) => doc.id) } });
    await this.sources.remove(chunk);
    return deleted;
  }
}
