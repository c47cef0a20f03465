import type { Logger } from '../../../lib/log';
import { DocumentValidationError, type Collection, type NewDocument } from '../../../lib/store';
import type { LogDocument, Transport } from '../models';
import type { CounterSet } from '../receiver/counters';
import type { LogSources } from './log-sources';

export type NewLog = NewDocument<LogDocument>;

export interface LogWriterOptions {
  /** Messages per insert at most. */
  batchSize: number;
  /** Maximum wait of a received message before its batch is written, in ms. */
  batchLatencyMs: number;
  /** The queue is full at this many messages... */
  queueMaxMessages: number;
  /** ...or at this many raw bytes, whichever comes first. */
  queueMaxBytes: number;
}

/** First retry delay after a failed insert; it doubles up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;
/** Attempts per batch while stopping; after them the batch is dropped and counted. */
const STOP_ATTEMPTS = 3;

interface Queued {
  document: NewLog;
  bytes: number;
}

/**
 * Stores received messages in batches: a batch is written when it is full or when its oldest
 * message has waited batchLatencyMs. Writes run one at a time and failed ones are retried, so
 * while the store is slow or down the queue grows up to its limits, and while `full` is
 * true the receiver stops reading TCP and drops UDP.
 */
export class LogWriter {
  private queue: Queued[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private stopping = false;
  private readonly drainListeners = new Set<() => void>();

  constructor(
    private readonly collection: Collection<LogDocument>,
    private readonly sources: LogSources,
    private readonly options: LogWriterOptions,
    private readonly counters: CounterSet,
    private readonly logger: Logger,
  ) {}

  /** True while the queue is at a limit; the receiver then holds back new messages. */
  get full(): boolean {
    return (
      this.queue.length >= this.options.queueMaxMessages ||
      this.queuedBytes >= this.options.queueMaxBytes
    );
  }

  get queued(): { messages: number; bytes: number } {
    return { messages: this.queue.length, bytes: this.queuedBytes };
  }

  /**
   * Queues a message. It is always accepted, even above the limits: callers check `full`
   * before they read more, so the excess is bounded by what one read delivers.
   */
  enqueue(document: NewLog, bytes: number): void {
    this.queue.push({ document, bytes });
    this.queuedBytes += bytes;
    this.schedule();
  }

  /** Calls `listener` once the queue has fallen to half its limits after being full. */
  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }

  /** Writes everything queued, retrying a few times, and resolves when the queue is empty. */
  async stop(): Promise<void> {
    this.stopping = true;
    while (this.queue.length > 0 || this.writing) {
      this.flushNow();
      await this.writing;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.writing) return;
    if (this.queue.length >= this.options.batchSize || this.stopping) {
      this.flushNow();
      return;
    }
    if (this.timer || this.queue.length === 0) return;
    const oldest = this.queue[0].document.receivedAt.getTime();
    const delay = Math.max(0, oldest + this.options.batchLatencyMs - Date.now());
    this.timer = setTimeout(() => this.flushNow(), delay);
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.writeQueue().finally(() => {
      this.writing = undefined;
      this.schedule();
    });
  }

  /** Writes full batches until less than one is left, or everything while stopping. */
  private async writeQueue(): Promise<void> {
    do {
      const batch = this.queue.splice(0, this.options.batchSize);
      await this.writeBatch(batch.map((item) => item.document));
      for (const item of batch) this.queuedBytes -= item.bytes;
      this.notifyDrain();
    } while (
      this.queue.length >= this.options.batchSize ||
      (this.stopping && this.queue.length > 0)
    );
  }

  private notifyDrain(): void {
    if (this.drainListeners.size === 0) return;
    const messages = this.queue.length <= this.options.queueMaxMessages / 2;
    const bytes = this.queuedBytes <= this.options.queueMaxBytes / 2;
    if (!messages || !bytes) return;
    for (const listener of this.drainListeners) listener();
  }

  private async writeBatch(batch: NewLog[]): Promise<void> {
    let stored = batch;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.collection.insertMany(batch);
        this.countStored(batch);
        break;
      } catch (err) {
        this.counters.storeError();
        if (err instanceof DocumentValidationError) {
          this.logger.error(
            { err, messages: batch.length },
            'log batch rejected; storing one by one',
          );
          stored = await this.writeEach(batch);
          break;
        }
        if (this.stopping && attempt >= STOP_ATTEMPTS) {
          this.logger.error(
            { err, messages: batch.length },
            'log batch lost: store failed while stopping',
          );
          this.countLost(batch);
          return;
        }
        const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempt - 1));
        this.logger.error(
          { err, messages: batch.length, attempt, retryInMs: delay },
          'log batch write failed',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    await this.addToSources(stored);
  }

  /** Stores a batch one message at a time, dropping the messages the schema rejects. */
  private async writeEach(batch: NewLog[]): Promise<NewLog[]> {
    const stored: NewLog[] = [];
    for (const document of batch) {
      try {
        await this.collection.insertOne(document);
        this.countStored([document]);
        stored.push(document);
      } catch (err) {
        this.logger.error({ err, sender: document.sender }, 'log message rejected by the store');
        this.countLost([document], 'store-rejected');
      }
    }
    return stored;
  }

  private async addToSources(batch: NewLog[]): Promise<void> {
    try {
      await this.sources.add(batch);
    } catch (err) {
      // NOTE: the messages are stored; only the per-source counts miss this batch.
      this.counters.storeError();
      this.logger.error({ err, messages: batch.length }, 'log source counts not updated');
    }
  }

  private countStored(batch: NewLog[]): void {
    for (const document of batch)
      this.counters.transport(document.transport as Transport).stored += 1;
  }

  private countLost(batch: NewLog[], reason = 'store-failed'): void {
    for (const document of batch) this.counters.countDrop(document.transport as Transport, reason);
  }
}
