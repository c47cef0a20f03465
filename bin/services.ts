import type { ServiceDefinition } from '../lib/service';
import { dnsService } from '../subgraphs/dns';

/** Every domain service, in start order. A new service needs one line here. */
export const services: ServiceDefinition[] = [dnsService as unknown as ServiceDefinition];
