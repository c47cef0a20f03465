import { hostKey } from '../../../lib/graphql/host';
import { Arg, Directive, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RuntimeSettings } from '../../../lib/config/runtime';
import type { LogDocument, SdElement } from '../models';
import type { ReceiverCounters } from '../receiver/counters';
import type { LogSearch, LogPage } from '../storage/log-search';
import type { LogSources } from '../storage/log-sources';
import type { RetentionPolicy, RetentionResult } from '../storage/retention';
import type { HostSummary, LazyPage, SourceSummary } from '../storage/source-pages';
import { LogFilter, UpdateSyslogSettingsInput } from './inputs';
import {
  Host,
  LogHostSummary,
  LogHostSummaryConnection,
  LogMessage,
  LogMessageConnection,
  LogRetentionResult,
  LogSourceConnection,
  Severity,
  SdElementType,
  SyslogSettings,
  SyslogStats,
} from './types';
import { hostValue, logQuery, retentionPatch } from './validate';

const DEFAULT_PAGE = 50;

@Resolver(() => LogMessage)
export class LogResolver {
  constructor(private readonly search: LogSearch) {}

  @Query(() => LogMessageConnection, { description: 'Stored messages, newest first.' })
  logs(
    @Arg('filter', () => LogFilter, { nullable: true }) filter?: LogFilter | null,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE }) first = DEFAULT_PAGE,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<LogPage> {
    return this.search.page(logQuery(filter), first, after);
  }

  @FieldResolver(() => [SdElementType])
  structuredData(@Root() message: LogDocument): SdElement[] {
    return message.structuredData ?? [];
  }
}

@Resolver(() => LogMessageConnection)
export class LogConnectionResolver {
  constructor(private readonly search: LogSearch) {}

  @FieldResolver(() => Int, { description: 'Messages matching the filter, on all pages.' })
  totalCount(@Root() page: LogPage): Promise<number> {
    return this.search.count(page.filter);
  }
}

@Resolver(() => LogSourceConnection)
export class LogSourceConnectionResolver {
  @FieldResolver(() => Int, { description: 'Sources matching the filter, on all pages.' })
  totalCount(@Root() page: LazyPage<SourceSummary>): Promise<number> {
    return page.countTotal();
  }
}

@Resolver(() => LogHostSummaryConnection)
export class LogHostConnectionResolver {
  @FieldResolver(() => Int, { description: 'Hosts with stored messages.' })
  totalCount(@Root() page: LazyPage<HostSummary>): Promise<number> {
    return page.countTotal();
  }
}

@Resolver()
export class LogSummaryResolver {
  constructor(private readonly sources: LogSources) {}

  @Query(() => LogSourceConnection, {
    description: 'Stored message counts per host and app name, ordered by host, then app.',
  })
  logSources(
    @Arg('host', () => String, { nullable: true }) host?: string | null,
    @Arg('app', () => String, {
      nullable: true,
      description: 'App name; "" selects messages without one.',
    })
    app?: string | null,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE }) first = DEFAULT_PAGE,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<LazyPage<SourceSummary>> {
    const where: { host?: string; appName?: string } = {};
    if (host != null) where.host = hostValue(host, 'host');
    if (app != null) where.appName = app;
    return this.sources.sourcesPage(where, first, after);
  }

  @Query(() => LogHostSummaryConnection, {
    description: 'Stored message counts per host, ordered by host.',
  })
  logHosts(
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE }) first = DEFAULT_PAGE,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<LazyPage<HostSummary>> {
    return this.sources.hostsPage(first, after);
  }
}

/** Operations and counters of the service: stats, retention settings, retention runs. */
@Resolver(() => SyslogSettings)
export class SyslogAdminResolver {
  constructor(
    private readonly counters: () => ReceiverCounters & {
      queuedMessages: number;
      queuedBytes: number;
    },
    private readonly retention: RuntimeSettings<RetentionPolicy>,
    private readonly runRetention: () => Promise<RetentionResult | undefined>,
  ) {}

  @Query(() => SyslogStats, { description: 'Receiver counters of this process since it started.' })
  syslogStats(): SyslogStats {
    const counters = this.counters();
    return {
      transports: (['udp', 'tcp'] as const).map((transport) => ({
        transport,
        ...counters.transports[transport],
      })),
      drops: Object.entries(counters.drops)
        .map(([name, count]) => ({ name, count }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      tcpConnectionsAccepted: counters.tcpConnectionsAccepted,
      tcpConnectionsOpen: counters.tcpConnectionsOpen,
      tcpReadsPaused: counters.tcpReadsPaused,
      storeErrors: counters.storeErrors,
      queuedMessages: counters.queuedMessages,
      queuedBytes: counters.queuedBytes,
    };
  }

  @Query(() => SyslogSettings, { description: 'Retention limits in effect.' })
  async syslogSettings(): Promise<SyslogSettings> {
    return settingsView(await this.retention.get());
  }

  @Mutation(() => SyslogSettings, {
    description: 'Changes retention limits; the next run uses them.',
  })
  async updateSyslogSettings(
    @Arg('input', () => UpdateSyslogSettingsInput) input: UpdateSyslogSettingsInput,
  ): Promise<SyslogSettings> {
    return settingsView(await this.retention.update(retentionPatch(input)));
  }

  @Mutation(() => LogRetentionResult, {
    description: 'Runs the retention job now, unless a run is already going on.',
  })
  async runLogRetention(): Promise<LogRetentionResult> {
    const result = await this.runRetention();
    return result ? { ran: true, ...result } : { ran: false, deletedByAge: 0, deletedByCount: 0 };
  }
}

function settingsView(policy: RetentionPolicy): SyslogSettings {
  return { retentionMaxAge: policy.maxAge, retentionMaxCount: policy.maxCount };
}

@Resolver(() => Host)
export class HostResolver {
  constructor(
    private readonly search: LogSearch,
    private readonly sources: LogSources,
  ) {}

  @Directive('@shareable')
  @Query(() => Host, {
    description: 'A host by name, for joining what every service knows about it.',
  })
  host(@Arg('name') name: string): Host {
    return { name: hostKey(name) };
  }

  @FieldResolver(() => LogMessageConnection, {
    description: 'Messages whose host is this name, newest first.',
  })
  logs(
    @Root() host: Host,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('severityAtMost', () => Severity, { nullable: true }) severityAtMost?: number | null,
  ): Promise<LogPage> {
    const query = logQuery({ host: host.name, severityAtMost }, 'host');
    return this.search.page(query, first, after);
  }

  @FieldResolver(() => LogHostSummary, {
    nullable: true,
    description: 'Stored message counts of this host; null when it has none.',
  })
  logSummary(@Root() host: Host): Promise<HostSummary | null> {
    return this.sources.host(hostValue(host.name, 'name'));
  }
}
