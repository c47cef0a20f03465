import type { Logger } from '../../../lib/log';

export type AccessLogLevel = 'info' | 'debug' | 'trace' | 'silent';

export interface AccessLogEntry {
  method: string | undefined;
  host: string | undefined;
  /** Request path without the query string, which may carry secrets. */
  path: string;
  status: number;
  durationMs: number;
  client: string;
  route: string | null;
  target: string | null;
  attempts: number;
}

/** Returns a function writing one structured line per request at the configured level. */
export function accessLogger(
  logger: Logger,
  level: AccessLogLevel,
): (entry: AccessLogEntry) => void {
  if (level === 'silent') return () => {};
  const access = logger.child({ component: 'access' });
  return (entry) => access[level](entry, 'request');
}
