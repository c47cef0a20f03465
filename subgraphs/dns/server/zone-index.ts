import type { ZoneData } from '../zone-data';
import { CompiledZone, type ZoneLoadIssue } from './compiled-zone';
import { asciiLower } from './dns-constants';

export { CompiledZone, ZoneDataError, type ZoneLoadIssue } from './compiled-zone';

/**
 * In-memory index of every zone the nameserver serves. Updates swap whole compiled zones, so a
 * query never sees a half-loaded zone and never touches the store.
 */
export class ZoneIndex {
  private zones = new Map<string, CompiledZone>();

  /**
   * Replaces the whole zone set. Throws ZoneDataError without changing anything when a zone has
   * an invalid name or SOA. Returns the records that were left out.
   */
  replaceAll(zones: ZoneData[]): ZoneLoadIssue[] {
    const next = new Map<string, CompiledZone>();
    for (const zone of zones) {
      const compiled = CompiledZone.build(zone);
      next.set(compiled.name, compiled);
    }
    this.zones = next;
    return [...next.values()].flatMap((compiled) => compiled.issues);
  }

  /**
   * Adds or replaces one zone. Throws ZoneDataError for an invalid zone name or SOA, leaving the
   * previous version in place. Returns the records that were left out.
   */
  upsertZone(zone: ZoneData): ZoneLoadIssue[] {
    const compiled = CompiledZone.build(zone);
    this.zones.set(compiled.name, compiled);
    return compiled.issues;
  }

  /** Removes a zone; returns whether it was loaded. */
  removeZone(name: string): boolean {
    return this.zones.delete(asciiLower(name));
  }

  /** Returns the names of the loaded zones, sorted. */
  zoneNames(): string[] {
    return [...this.zones.keys()].sort();
  }

  /** Returns the closest enclosing zone of a lower-case name, or undefined when none is served. */
  findZone(name: string): CompiledZone | undefined {
    let suffix = name;
    for (;;) {
      const zone = this.zones.get(suffix);
      if (zone !== undefined) {
        return zone;
      }
      const dot = suffix.indexOf('.');
      if (dot < 0) {
        return undefined;
      }
      suffix = suffix.slice(dot + 1);
    }
  }
}
