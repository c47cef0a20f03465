import { Schema } from 'mongoose';
import { defineModel, type Store, type StoredDocument } from '../store';

interface SettingsDocument extends StoredDocument {
  service: string;
  values: Record<string, unknown>;
  updatedAt: Date;
}

const settingsSchema = new Schema({
  service: { type: String, required: true },
  values: { type: Schema.Types.Mixed, default: {} },
  updatedAt: { type: Date, default: () => new Date() },
});
settingsSchema.index({ service: 1 }, { unique: true });

export const SettingsModel = defineModel<SettingsDocument>('settings', settingsSchema);

/**
 * Runtime settings of one service: stored in the store, changed live through GraphQL, and
 * falling back to defaults (usually taken from boot settings) for keys never set.
 */
export class RuntimeSettings<T extends object> {
  constructor(
    private readonly store: Store,
    private readonly service: string,
    private readonly defaults: T,
  ) {}

  async get(): Promise<T> {
    const stored = await this.store.collection(SettingsModel).findOne({ service: this.service });
    return { ...this.defaults, ...(stored?.values as Partial<T> | undefined) };
  }

  /** Stores the given keys; callers validate values first. */
  async update(patch: Partial<T>): Promise<T> {
    const set = Object.fromEntries(
      Object.entries(patch)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => [`values.${key}`, value]),
    );
    await this.store
      .collection(SettingsModel)
      .updateOne(
        { service: this.service },
        { $set: { ...set, updatedAt: new Date() } },
        { upsert: true },
      );
    return this.get();
  }
}
