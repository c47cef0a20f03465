import { readFileSync } from 'node:fs';
import { Gateway, SUPERGRAPH_FILE } from '../gateway';
import { ChangeFeed } from '../lib/changes';
import { Cron } from '../lib/cron';
import { platformSettings } from '../lib/config/platform';
import { readSettings, type SettingsOf, type SpecTable } from '../lib/config/read';
import { SettingsError } from '../lib/config/spec';
import { createLogger, type Logger } from '../lib/log';
import type { ServiceDefinition, ServiceInstance } from '../lib/service';
import { openStore, type Store } from '../lib/store';
import { SubgraphServer } from '../lib/subgraph/server';
import { gatewaySettings } from './gateway-settings';
import { services as registeredServices } from './services';

export type PlatformSettings = SettingsOf<typeof platformSettings>;

export interface StackOptions {
  /** Environment to read settings from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Services to run (names, or 'gateway'); all of them when empty. */
  only?: string[];
  /** Root logger; one is created from the settings when left out. */
  logger?: Logger;
  services?: ServiceDefinition[];
}

interface RunningService {
  definition: ServiceDefinition;
  instance: ServiceInstance;
  subgraph: SubgraphServer;
}

/** A started set of services and, unless left out, the gateway in front of them. */
export class Stack {
  readonly running: RunningService[] = [];
  gateway: Gateway | undefined;
  store: Store | undefined;
  changes: ChangeFeed | undefined;
  private readonly cleanups: (() => Promise<void> | void)[] = [];

  constructor(
    readonly settings: PlatformSettings,
    readonly logger: Logger,
  ) {}

  service(name: string): RunningService {
    const found = this.running.find((r) => r.definition.name === name);
    if (!found) throw new Error(`service ${name} is not running in this stack`);
    return found;
  }

  onStop(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  /** Stops everything that started, newest first, and logs failures without stopping early. */
  async stop(): Promise<void> {
    while (this.cleanups.length > 0) {
      const cleanup = this.cleanups.pop()!;
      try {
        await cleanup();
      } catch (err) {
        this.logger.error({ err }, 'stop step failed');
      }
    }
    this.logger.info('stopped');
  }
}

/** Checks that every requested name is a service or 'gateway'. */
export function selectServices(
  all: ServiceDefinition[],
  only: string[],
): { services: ServiceDefinition[]; gateway: boolean } {
  if (only.length === 0) return { services: all, gateway: true };
  const known = new Set(['gateway', ...all.map((s) => s.name)]);
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`unknown service ${unknown.join(', ')}; choose from ${[...known].join(', ')}`);
  }
  return { services: all.filter((s) => only.includes(s.name)), gateway: only.includes('gateway') };
}

/**
 * Starts the requested services on one store, each with its subgraph server and native
 * listeners, then the gateway. On a failure, whatever started is stopped again.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const env = options.env ?? process.env;
  const all = options.services ?? registeredServices;
  const selection = selectServices(all, options.only ?? []);
  // Every table is read before any error is raised, so one start reports every invalid value.
  const problems: SettingsError[] = [];
  const read = <T extends SpecTable>(table: T): SettingsOf<T> => {
    try {
      return readSettings(table, env);
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      problems.push(err);
      return {} as SettingsOf<T>;
    }
  };
  const settings = read(platformSettings);
  const serviceSettings = selection.services.map((definition) => read(definition.settings));
  const routing = read(gatewaySettings);
  if (problems.length > 0) throw new SettingsError(problems.flatMap((p) => p.problems));
  const logger =
    options.logger ?? createLogger({ level: settings.logLevel, format: settings.logFormat });
  const stack = new Stack(settings, logger);

  try {
    if (selection.services.length > 0) {
      const store = await openStore({
        mongodbUrl: settings.mongodbUrl,
        dataDir: settings.dataDir,
      }).catch((err: Error) => {
        const setting = settings.mongodbUrl
          ? 'PAAS_MONGODB_URL'
          : `PAAS_DATA_DIR=${settings.dataDir}`;
        throw new Error(`cannot open the store at ${setting}: ${err.message}`, { cause: err });
      });
      stack.store = store;
      stack.onStop(() => store.close());
      logger.info({ store: store.kind, location: store.location }, 'store opened');

      const changes = new ChangeFeed(
        store,
        logger.child({ component: 'changes' }),
        settings.revisionPollInterval,
      );
      await changes.start();
      stack.changes = changes;
      stack.onStop(() => changes.stop());

      const cron = new Cron(store, logger.child({ component: 'cron' }));
      stack.onStop(() => cron.stop());

      for (const [i, definition] of selection.services.entries()) {
        await startService(stack, definition, serviceSettings[i], { store, changes, cron });
      }
    }
    if (selection.gateway) await startGateway(stack, all, routing, env);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

async function startService(
  stack: Stack,
  definition: ServiceDefinition,
  settings: Record<string, unknown>,
  shared: { store: Store; changes: ChangeFeed; cron: Cron },
): Promise<void> {
  const logger = stack.logger.child({ service: definition.name });
  logger.info('starting');
  const instance = definition.create(settings as never, { ...shared, logger });
  const subgraph = new SubgraphServer({
    name: definition.name,
    spec: definition.subgraph,
    resolvers: instance.resolvers,
    host: stack.settings.graphqlHost,
    port: settings[definition.graphqlPortSetting] as number,
    portSetting: definition.settings[definition.graphqlPortSetting].env,
    bodyLimit: stack.settings.graphqlBodyLimit,
    maxDepth: stack.settings.graphqlMaxDepth,
    maxCost: stack.settings.graphqlMaxCost,
    logger,
    status: () => instance.status(),
  });
  await instance.start();
  stack.onStop(async () => {
    await instance.stop();
    logger.info('stopped');
  });
  await subgraph.start();
  stack.onStop(() => subgraph.stop());
  stack.running.push({ definition, instance, subgraph });
  logger.info(instance.status(), 'started');
}

async function startGateway(
  stack: Stack,
  all: ServiceDefinition[],
  routing: SettingsOf<typeof gatewaySettings>,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(SUPERGRAPH_FILE, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read the supergraph ${SUPERGRAPH_FILE}: ${(err as Error).message}; run \`paas-shack compose\``,
    );
  }

  const unknown = Object.keys(routing.subgraphUrls).filter(
    (name) => !all.some((s) => s.name === name),
  );
  if (unknown.length > 0) {
    throw new Error(
      `invalid PAAS_GATEWAY_SUBGRAPHS: no service named ${unknown.join(', ')}; services are ${all.map((s) => s.name).join(', ')}`,
    );
  }

  // Subgraphs running in this process are reached where they actually listen (port 0 in tests),
  // the others at PAAS_GATEWAY_SUBGRAPHS or else on this machine at their configured port.
  const subgraphUrls: Record<string, string> = {};
  for (const definition of all) {
    const local = stack.running.find((r) => r.definition === definition);
    const port = readSettings(definition.settings, env)[definition.graphqlPortSetting];
    subgraphUrls[definition.name] =
      local?.subgraph.url ??
      routing.subgraphUrls[definition.name] ??
      `http://127.0.0.1:${port}/graphql`;
  }
  const gateway = new Gateway({
    supergraphSdl,
    subgraphTimeoutMs: routing.subgraphTimeout,
    maxDepth: stack.settings.graphqlMaxDepth,
    maxCost: stack.settings.graphqlMaxCost,
    subgraphUrls,
    host: stack.settings.graphqlHost,
    port: stack.settings.gatewayPort,
    bodyLimit: stack.settings.graphqlBodyLimit,
    logger: stack.logger.child({ service: 'gateway' }),
  });
  await gateway.start();
  stack.gateway = gateway;
  stack.onStop(() => gateway.stop());
}
