import type { ChangeFeed } from './changes';
import type { Cron } from './cron';
import type { SettingsOf, SpecTable } from './config/read';
import type { Logger } from './log';
import type { Store } from './store';
import type { SubgraphSpec } from './subgraph/schema';

/** Shared parts the runtime passes to every service it creates. */
export interface ServiceContext {
  store: Store;
  changes: ChangeFeed;
  /** Scheduled jobs; one replica runs each firing. */
  cron: Cron;
  /** A child logger with `{ service: name }`. */
  logger: Logger;
}

/** A running service: its resolver instances and its native listeners' lifecycle. */
export interface ServiceInstance {
  /** Resolver instances, one per resolver class of the service's SubgraphSpec. */
  resolvers: object[];
  /** Starts the native listeners; resolves once they accept traffic. */
  start(): Promise<void>;
  /** Releases every socket, timer and subscription that start() opened. */
  stop(): Promise<void>;
  /** Listener addresses and state for readiness and logs. */
  status(): Record<string, unknown>;
}

/**
 * A domain service as the runtime uses it. Registering one in bin/services.ts is all it takes
 * to run it as a subgraph of the gateway.
 */
export interface ServiceDefinition<S extends SpecTable = SpecTable> {
  name: string;
  description: string;
  /** Boot settings of the service, read from the environment with the platform's. */
  settings: S;
  /** Setting that contains the port of the service's subgraph HTTP server. */
  graphqlPortSetting: keyof S & string;
  subgraph: SubgraphSpec;
  create(settings: SettingsOf<S>, context: ServiceContext): ServiceInstance;
}
