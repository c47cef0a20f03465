import { Schema } from 'mongoose';
import { defineModel, type StoredDocument } from '../../lib/store';
import { RECORD_TYPES, type RecordData, type SoaData } from './zone-data';

export interface ZoneDocument extends StoredDocument {
  name: string;
  soa: SoaData;
  createdAt: Date;
  updatedAt: Date;
}

export type RecordDocument = RecordData & { createdAt: Date; updatedAt: Date };

const u16 = { type: Number, min: 0, max: 65535 };
const u32 = { type: Number, min: 0, max: 4294967295 };
const ttl = { type: Number, min: 0, max: 2147483647 };

const soaSchema = new Schema(
  {
    primary: { type: String, required: true },
    hostmaster: { type: String, required: true },
    serial: { ...u32, required: true },
    refresh: { ...ttl, required: true },
    retry: { ...ttl, required: true },
    expire: { ...ttl, required: true },
    minimum: { ...ttl, required: true },
    ttl: { ...ttl, required: true },
  },
  { _id: false },
);

const zoneSchema = new Schema({
  name: { type: String, required: true, lowercase: true },
  soa: { type: soaSchema, required: true },
  createdAt: { type: Date, default: () => new Date() },
  updatedAt: { type: Date, default: () => new Date() },
});
zoneSchema.index({ name: 1 }, { unique: true });

const recordSchema = new Schema({
  zone: { type: String, required: true, lowercase: true },
  name: { type: String, required: true, lowercase: true },
  type: { type: String, required: true, enum: RECORD_TYPES },
  ttl: { ...ttl, required: true },
  networks: { type: [String], default: [] },
  address: String,
  target: String,
  preference: u16,
  priority: u16,
  weight: u16,
  port: u16,
  flags: { type: Number, min: 0, max: 255 },
  tag: String,
  value: String,
  text: { type: [String], default: undefined },
  createdAt: { type: Date, default: () => new Date() },
  updatedAt: { type: Date, default: () => new Date() },
});
recordSchema.index({ zone: 1, name: 1, type: 1 });
recordSchema.index({ name: 1 });

export const ZoneModel = defineModel<ZoneDocument>('dns_zones', zoneSchema);
export const RecordModel = defineModel<RecordDocument>('dns_records', recordSchema);
