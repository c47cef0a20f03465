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
  /**
   * Time stop() spends writing what is queued, in ms; what is left after it is dropped and
   * counted as `store-failed`. An insert that has already started is not interrupted.
   */
  stopTimeoutMs: number;
}

/** First retry delay after a failed insert; it doubles up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;
/**
 * Attempts per batch while stopping. After them the batch is dropped and counted, and so is the
 * rest of the queue without further attempts, since the store is failing.
 */
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
  /** Epoch ms after which stop() drops what is left; set when stop() begins. */
  private stopDeadline = Infinity;
  /** Set when a batch was dropped while stopping; the rest of the queue is dropped untried. */
  private storeFailedWhileStopping = false;
  /** Ends the current retry wait early; set while a failed write waits to retry. */
  private wakeRetry: (() => void) | undefined;
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

  /**
   * Writes everything queued and resolves when the queue is empty. While the store fails, each
   * batch gets STOP_ATTEMPTS attempts, and after stopTimeoutMs what is left is dropped and
   * counted as `store-failed`.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopDeadline = Date.now() + this.options.stopTimeoutMs;
    // A retry wait that began before stop() may be up to RETRY_MAX_MS long, so it ends now.
    this.wakeRetry?.();
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
      if (this.stopping && (this.storeFailedWhileStopping || this.pastStopDeadline())) {
        this.dropQueue();
        return;
      }
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
        // NOTE: on the embedded store a locked SQLite file blocks this call, and the whole event
        // loop, for up to the store's busy timeout (5 s), so a stop can run that much over its
        // deadline, and a SIGTERM that arrives meanwhile is handled only afterwards.
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
        if (this.stopping && (attempt >= STOP_ATTEMPTS || this.pastStopDeadline())) {
          this.loseBatch(batch, err, attempt);
          return;
        }
        let delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempt - 1));
        if (this.stopping) delay = Math.min(delay, this.stopDeadline - Date.now());
        this.logger.error(
          { err, messages: batch.length, attempt, retryInMs: delay },
          'log batch write failed',
        );
        await this.waitToRetry(delay);
        if (this.stopping && this.pastStopDeadline()) {
          this.loseBatch(batch, err, attempt);
          return;
        }
      }
    }
    await this.addToSources(stored);
  }

  private loseBatch(batch: NewLog[], err: unknown, attempts: number): void {
    this.logger.error(
      { err, messages: batch.length, attempts },
      'log batch lost: store failed while stopping',
    );
    this.countLost(batch);
    this.storeFailedWhileStopping = true;
  }

  private pastStopDeadline(): boolean {
    return Date.now() >= this.stopDeadline;
  }

  /** Waits `delayMs` before a retry; stop() ends the wait early. */
  private waitToRetry(delayMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeRetry = undefined;
        resolve();
      };
      const timer = setTimeout(wake, delayMs);
      this.wakeRetry = wake;
    });
  }

  /** Drops everything queued while stopping, after the deadline or a batch the store failed. */
  private dropQueue(): void {
    const lost = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.countLost(lost.map((item) => item.document));
    this.logger.error(
      {
        messages: lost.length,
        stopTimeoutMs: this.options.stopTimeoutMs,
        storeFailed: this.storeFailedWhileStopping,
      },
      this.storeFailedWhileStopping
        ? 'queued log messages lost: store failed while stopping'
        : 'queued log messages lost: stop timeout reached',
    );
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
