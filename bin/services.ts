import type { ServiceDefinition } from '../lib/service';
import { dnsService } from '../subgraphs/dns';
import { proxyService } from '../subgraphs/proxy';
import { syslogService } from '../subgraphs/syslog';

/** Every domain service, in start order. A new service needs one line here. */
export const services: ServiceDefinition[] = [
  dnsService as unknown as ServiceDefinition,
  proxyService as unknown as ServiceDefinition,
  syslogService as unknown as ServiceDefinition,
];
