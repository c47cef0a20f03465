import type { Change } from '../../lib/changes';
import { RuntimeSettings } from '../../lib/config/runtime';
import type { ServiceDefinition } from '../../lib/service';
import { DnsCatalog, ZONES_TOPIC, type DnsDefaults } from './catalog';
import {
  DnsSettingsResolver,
  HostResolver,
  RecordResolver,
  ZoneResolver,
} from './graphql/resolvers';
import { Nameserver } from './server/nameserver';
import { ZoneIndex } from './server/zone-index';
import { dnsSettings } from './settings';

/** Runtime defaults before anyone changes them; boot settings fill in name servers and hostmaster. */
const SOA_DEFAULTS = {
  refresh: 10800,
  retry: 3600,
  expire: 1209600,
  minimum: 3600,
  soaTtl: 3600,
  defaultTtl: 3600,
};

/**
 * The dns service: zones and records over GraphQL, served by an authoritative nameserver that
 * answers from an in-memory index refreshed on every change.
 */
export const dnsService: ServiceDefinition<typeof dnsSettings> = {
  name: 'dns',
  description: 'authoritative DNS server (UDP and TCP) and the zones and records behind it',
  settings: dnsSettings,
  graphqlPortSetting: 'graphqlPort',
  subgraph: { resolvers: [ZoneResolver, RecordResolver, DnsSettingsResolver, HostResolver] },

  create(settings, { store, changes, logger }) {
    const defaults = new RuntimeSettings<DnsDefaults>(store, 'dns', {
      nameservers: settings.nameservers,
      hostmaster: settings.hostmaster,
      ...SOA_DEFAULTS,
    });
    const catalog = new DnsCatalog(store, changes, defaults, logger);
    const index = new ZoneIndex();
    const nameserver = new Nameserver(
      {
        host: settings.host,
        port: settings.port,
        udpPayloadMax: settings.udpPayloadMax,
        tcpIdleTimeoutMs: settings.tcpIdleTimeout,
        tcpMaxConnections: settings.tcpMaxConnections,
        portSetting: dnsSettings.port.env,
      },
      index,
      logger,
    );

    // Refreshes run one after another, so an older load never overwrites a newer one.
    let refreshing: Promise<void> = Promise.resolve();
    const refresh = (change: Change) => {
      refreshing = refreshing
        .then(() => reload(change))
        .catch((err) => logger.error({ err, zone: change.key }, 'zone index refresh failed'));
      return refreshing;
    };
    const reload = async ({ key }: Change) => {
      if (key === undefined) {
        const zones = await catalog.allZoneData();
        report(index.replaceAll(zones));
        logger.info({ zones: zones.length }, 'zone index reloaded');
        return;
      }
      const zone = await catalog.zoneData(key);
      if (zone) report(index.upsertZone(zone));
      else index.removeZone(key);
      logger.debug({ zone: key }, 'zone index refreshed');
    };
    const report = (issues: unknown[]) => {
      for (const issue of issues) logger.warn({ issue }, 'record left out of the zone index');
    };

    let unsubscribe: (() => void) | undefined;
    return {
      resolvers: [
        new ZoneResolver(catalog),
        new RecordResolver(catalog),
        new DnsSettingsResolver(catalog, () => nameserver.counters()),
        new HostResolver(catalog),
      ],
      async start() {
        unsubscribe = changes.subscribe(ZONES_TOPIC, (change) => void refresh(change));
        await refresh({ topic: ZONES_TOPIC });
        await nameserver.start();
      },
      async stop() {
        unsubscribe?.();
        await nameserver.stop();
        await refreshing;
      },
      status() {
        return { nameserver: nameserver.address(), zones: index.zoneNames().length };
      },
    };
  },
};
