/**
 * Facility and severity codes of syslog (RFC 5424 section 6.2.1), named as rsyslog names them
 * in its selectors, and the priority (PRI) they combine into.
 */

export const SEVERITY_NAMES = [
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
] as const;

export type SeverityName = (typeof SEVERITY_NAMES)[number];

/** Facility names by code 0-23; 12-15 are ntp, audit ("log audit"), alert and clock in rsyslog. */
export const FACILITY_NAMES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

export type FacilityName = (typeof FACILITY_NAMES)[number];

/** Largest valid PRI: facility 23 (local7) times 8 plus severity 7 (debug). */
export const PRI_MAX = 191;

/** user.notice, the priority rsyslog gives a message that carries no valid PRI. */
export const DEFAULT_FACILITY = 1;
export const DEFAULT_SEVERITY = 5;
