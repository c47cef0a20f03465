import { Schema } from 'mongoose';
import { defineModel, type StoredDocument } from '../../lib/store';
import { SEVERITY_NAMES, type SeverityName } from './codes';

export type Transport = 'udp' | 'tcp';
export const TRANSPORTS: Transport[] = ['udp', 'tcp'];

/** Format a message was parsed as: its RFC, or a plain line without a syslog header. */
export type MessageFormat = 'rfc5424' | 'rfc3164' | 'unknown';
export const MESSAGE_FORMATS: MessageFormat[] = ['rfc5424', 'rfc3164', 'unknown'];

export interface SdParam {
  name: string;
  value: string;
}

/** One SD-ELEMENT of RFC 5424 structured data: `[id name="value" ...]`. */
export interface SdElement {
  id: string;
  params: SdParam[];
}

export interface LogDocument extends StoredDocument {
  /**
   * Sort key: receive time in milliseconds, zero-padded, then a writer id and a counter. Its
   * string order is receive order, so one field serves paging, time ranges and retention.
   */
  key: string;
  receivedAt: Date;
  /** Time the sender wrote in the message, or null when it sent none. */
  timestamp?: Date | null;
  /** Host name from the header, lower-case; the sender address when the header has none. */
  host: string;
  appName?: string | null;
  procId?: string | null;
  msgId?: string | null;
  facility: number;
  severity: number;
  structuredData?: SdElement[];
  message: string;
  /** The received bytes as UTF-8 text, invalid sequences replaced by U+FFFD. */
  raw: string;
  /** The received bytes in base64, kept only when they are not valid UTF-8. */
  rawBase64?: string | null;
  sender: string;
  transport: Transport;
  format: MessageFormat;
  truncated: boolean;
}

const logSchema = new Schema({
  key: { type: String, required: true },
  receivedAt: { type: Date, required: true },
  timestamp: { type: Date },
  host: { type: String, required: true },
  appName: String,
  procId: String,
  msgId: String,
  facility: { type: Number, required: true, min: 0, max: 23 },
  severity: { type: Number, required: true, min: 0, max: 7 },
  // Mixed skips casting each element: the receiver builds these arrays itself.
  structuredData: { type: Schema.Types.Mixed },
  message: { type: String, default: '' },
  raw: { type: String, required: true },
  rawBase64: String,
  sender: { type: String, required: true },
  transport: { type: String, required: true, enum: ['udp', 'tcp'] },
  format: { type: String, required: true, enum: ['rfc5424', 'rfc3164', 'unknown'] },
  truncated: { type: Boolean, default: false },
});
logSchema.index({ key: -1 });
logSchema.index({ host: 1, key: -1 });
logSchema.index({ appName: 1, key: -1 });
logSchema.index({ severity: 1, key: -1 });

export type SeverityCounts = Record<SeverityName, number>;

/** Message counts of one host and app name, kept up to date by the writer and retention. */
export interface LogSourceDocument extends StoredDocument {
  host: string;
  /** App name, or '' for messages without one (so the unique index gets a value). */
  appName: string;
  total: number;
  severityCounts: SeverityCounts;
  firstSeen: Date;
  lastSeen: Date;
}

const counts = Object.fromEntries(
  SEVERITY_NAMES.map((name) => [name, { type: Number, default: 0 }]),
);

const sourceSchema = new Schema({
  host: { type: String, required: true },
  appName: { type: String, default: '' },
  total: { type: Number, default: 0 },
  severityCounts: { type: new Schema(counts, { _id: false }), default: () => ({}) },
  firstSeen: { type: Date, required: true },
  lastSeen: { type: Date, required: true },
});
sourceSchema.index({ host: 1, appName: 1 }, { unique: true });

export const LogModel = defineModel<LogDocument>('syslog_messages', logSchema);
export const LogSourceModel = defineModel<LogSourceDocument>('syslog_sources', sourceSchema);
