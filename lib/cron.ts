import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Schema } from 'mongoose';
import schedule from 'node-schedule';
import type { Logger } from './log';
import { defineModel, DuplicateKeyError, type Store, type StoredDocument } from './store';

interface LeaseDocument extends StoredDocument {
  job: string;
  owner: string;
  until: Date;
}

const leaseSchema = new Schema({
  job: { type: String, required: true },
  owner: { type: String, required: true },
  until: { type: Date, required: true },
});
leaseSchema.index({ job: 1 }, { unique: true });

export const LeaseModel = defineModel<LeaseDocument>('cron_leases', leaseSchema);

export interface CronJob {
  /** Unique job name, e.g. `syslog.retention`; replicas running the same job share it. */
  name: string;
  /** Cron expression (node-schedule syntax, with an optional seconds field). */
  schedule: string;
  run(): Promise<void>;
}

/**
 * Scheduled jobs on node-schedule. Each run first takes a lease on the job in the store, so
 * that of several replicas sharing a store only one runs a given firing. A run that is still
 * going when the next firing comes is not started twice.
 */
export class Cron {
  private readonly jobs: schedule.Job[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID()}`;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    /** How long a lease lasts; a replica that dies mid-run blocks the job for at most this. */
    private readonly leaseMs = 60_000,
  ) {}

  add(job: CronJob): void {
    const scheduled = schedule.scheduleJob(job.name, job.schedule, () => void this.fire(job));
    if (!scheduled)
      throw new Error(`invalid cron schedule ${JSON.stringify(job.schedule)} for job ${job.name}`);
    this.jobs.push(scheduled);
    this.logger.info({ job: job.name, schedule: job.schedule }, 'cron job scheduled');
  }

  /** Runs a job now, under the same lease rules as a scheduled firing; returns whether it ran. */
  async fire(job: CronJob): Promise<boolean> {
    if (this.running.has(job.name)) {
      this.logger.warn({ job: job.name }, 'cron job still running; skipped this firing');
      return false;
    }
    if (!(await this.acquire(job.name))) {
      this.logger.debug({ job: job.name }, 'cron job leased by another replica');
      return false;
    }
    const started = Date.now();
    const run = job
      .run()
      .then(() =>
        this.logger.info({ job: job.name, ms: Date.now() - started }, 'cron job finished'),
      )
      .catch((err) => this.logger.error({ err, job: job.name }, 'cron job failed'))
      .finally(() => this.running.delete(job.name));
    this.running.set(job.name, run);
    await run;
    return true;
  }

  private async acquire(job: string): Promise<boolean> {
    const now = new Date();
    const leases = this.store.collection(LeaseModel);
    try {
      const lease = await leases.updateOne(
        { job, $or: [{ owner: this.owner }, { until: { $lt: now } }] },
        { $set: { owner: this.owner, until: new Date(now.getTime() + this.leaseMs) } },
        { upsert: true },
      );
      return lease?.owner === this.owner;
    } catch (err) {
      // The upsert collides with a lease another replica holds: not ours this time.
      if (err instanceof DuplicateKeyError) return false;
      throw err;
    }
  }

  /** Cancels every schedule and waits for runs in progress. */
  async stop(): Promise<void> {
    for (const job of this.jobs.splice(0)) job.cancel();
    await Promise.all(this.running.values());
  }
}
