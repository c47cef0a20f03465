import { EmbeddedStore } from './embedded';
import { MongoStore } from './mongo';
import type { Store } from './types';

export * from './types';
export { EmbeddedStore } from './embedded';
export { MongoStore, redactUrl } from './mongo';

export interface StoreOptions {
  /** MongoDB URL; empty selects the embedded store. */
  mongodbUrl: string;
  dataDir: string;
}

/** Opens the backend the settings select. */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.mongodbUrl) return MongoStore.connect(options.mongodbUrl);
  return new EmbeddedStore(options.dataDir);
}
