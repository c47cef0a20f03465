import { EventEmitter } from 'node:events';
import { Schema } from 'mongoose';
import type { Logger } from './log';
import { defineModel, type Store, type StoredDocument } from './store';

interface Revision extends StoredDocument {
  topic: string;
  revision: number;
}

const revisionSchema = new Schema({
  topic: { type: String, required: true },
  revision: { type: Number, required: true, default: 0 },
});
revisionSchema.index({ topic: 1 }, { unique: true });

export const RevisionModel = defineModel<Revision>('revisions', revisionSchema);

/**
 * A change notice. `key` names the changed item (a zone name, a route id) when the change was
 * made in this process. A change seen by polling the store has no key, so listeners reload all.
 */
export interface Change {
  topic: string;
  key?: string;
}

export type ChangeListener = (change: Change) => void;

/**
 * Change notification for the listeners' in-memory indexes. A write publishes its topic: the
 * listeners of this process hear it at once, and a per-topic revision counter in the store is
 * incremented so that other processes sharing the store hear it at their next poll.
 */
export class ChangeFeed {
  private readonly events = new EventEmitter();
  private readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly pollIntervalMs: number,
  ) {
    this.events.setMaxListeners(0);
  }

  /** Starts polling the store's revisions, unless the interval is 0. */
  async start(): Promise<void> {
    await this.poll(false);
    if (this.pollIntervalMs > 0) {
      this.timer = setInterval(() => void this.poll(true), this.pollIntervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  subscribe(topic: string, listener: ChangeListener): () => void {
    this.events.on(topic, listener);
    return () => this.events.off(topic, listener);
  }

  /** Announces a change: to this process's listeners now, to other processes through the store. */
  async publish(topic: string, key?: string): Promise<void> {
    const updated = await this.store
      .collection(RevisionModel)
      .updateOne({ topic }, { $inc: { revision: 1 } }, { upsert: true });

    // Mark the new revision as seen only when no other process wrote in between, so their
    // change still reaches this process at the next poll.
    const previous = this.seen.get(topic) ?? 0;
    if (updated && updated.revision === previous + 1) this.seen.set(topic, updated.revision);
    this.events.emit(topic, { topic, key });
  }

  private async poll(emit: boolean): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const revisions = await this.store.collection(RevisionModel).find({});
      for (const { topic, revision } of revisions) {
        const previous = this.seen.get(topic);
        this.seen.set(topic, revision);
        if (emit && previous !== revision) {
          this.logger.debug({ topic, revision }, 'change seen in store');
          this.events.emit(topic, { topic });
        }
      }
    } catch (err) {
      this.logger.error({ err }, 'revision poll failed; will retry at the next interval');
    } finally {
      this.polling = false;
    }
  }
}
