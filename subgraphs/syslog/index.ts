import { RuntimeSettings } from '../../lib/config/runtime';
import type { ServiceDefinition } from '../../lib/service';
import {
  HostResolver,
  LogConnectionResolver,
  LogHostConnectionResolver,
  LogResolver,
  LogSourceConnectionResolver,
  LogSummaryResolver,
  SyslogAdminResolver,
} from './graphql/resolvers';
import { LogModel } from './models';
import { CounterSet } from './receiver/counters';
import { SyslogReceiver } from './receiver/syslog-receiver';
import { LogSearch } from './storage/log-search';
import { LogSources } from './storage/log-sources';
import { LogWriter } from './storage/log-writer';
import { Retention, type RetentionPolicy, type RetentionResult } from './storage/retention';
import { syslogSettings } from './settings';

/** Name of the retention job; replicas sharing a store share its lease. */
export const RETENTION_JOB = 'syslog.retention';

/**
 * The syslog service: a UDP and TCP receiver that stores every message in batches, log search
 * and per-source summaries over GraphQL, and a scheduled retention job.
 */
export const syslogService: ServiceDefinition<typeof syslogSettings> = {
  name: 'syslog',
  description: 'syslog receiver (UDP and TCP, RFC 5424 and RFC 3164) and the log search behind it',
  settings: syslogSettings,
  graphqlPortSetting: 'graphqlPort',
  subgraph: {
    resolvers: [
      LogResolver,
      LogConnectionResolver,
      LogSourceConnectionResolver,
      LogHostConnectionResolver,
      LogSummaryResolver,
      SyslogAdminResolver,
      HostResolver,
    ],
  },

  create(settings, { store, cron, logger }) {
    const counters = new CounterSet();
    const sources = new LogSources(store, logger);
    const search = new LogSearch(store);
    const writer = new LogWriter(
      store.collection(LogModel),
      sources,
      {
        batchSize: settings.batchSize,
        batchLatencyMs: settings.batchLatency,
        queueMaxMessages: settings.queueMaxMessages,
        queueMaxBytes: settings.queueMaxBytes,
        stopTimeoutMs: settings.stopTimeout,
      },
      counters,
      logger,
    );
    const receiver = new SyslogReceiver(
      {
        host: settings.host,
        port: settings.port,
        maxMessageSize: settings.maxMessageSize,
        tcpMaxConnections: settings.tcpMaxConnections,
        tcpIdleTimeoutMs: settings.tcpIdleTimeout,
        hostSetting: syslogSettings.host.env,
        portSetting: syslogSettings.port.env,
      },
      writer,
      counters,
      logger,
    );
    const policy = new RuntimeSettings<RetentionPolicy>(store, 'syslog', {
      maxAge: settings.retentionMaxAge,
      maxCount: settings.retentionMaxCount,
    });
    const retention = new Retention(
      store.collection(LogModel),
      sources,
      () => policy.get(),
      logger,
    );

    let lastResult: RetentionResult | undefined;
    const job = {
      name: RETENTION_JOB,
      schedule: settings.retentionSchedule,
      run: async () => {
        lastResult = await retention.run();
      },
    };
    const runNow = async (): Promise<RetentionResult | undefined> => {
      lastResult = undefined;
      const ran = await cron.fire(job);
      return ran ? lastResult : undefined;
    };

    return {
      resolvers: [
        new LogResolver(search),
        new LogConnectionResolver(search),
        new LogSourceConnectionResolver(),
        new LogHostConnectionResolver(),
        new LogSummaryResolver(sources),
        new SyslogAdminResolver(
          () => ({ ...counters.snapshot(), ...queueCounters(writer) }),
          policy,
          runNow,
        ),
        new HostResolver(search, sources),
      ],
      async start() {
        await receiver.start();
        cron.add(job);
      },
      async stop() {
        await receiver.stop();
        await writer.stop();
        const { transports } = counters.snapshot();
        logger.info({ transports }, 'syslog writer flushed');
      },
      status() {
        return { receiver: receiver.address(), queued: writer.queued };
      },
    };
  },
};

function queueCounters(writer: LogWriter): { queuedMessages: number; queuedBytes: number } {
  const { messages, bytes } = writer.queued;
  return { queuedMessages: messages, queuedBytes: bytes };
}
