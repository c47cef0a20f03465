import { Schema } from 'mongoose';
import { defineModel, type StoredDocument } from '../../lib/store';
import { STRATEGIES, type RouteData } from './route-data';

export type RouteDocument = RouteData & StoredDocument & { createdAt: Date; updatedAt: Date };

const milliseconds = { type: Number, min: 1, max: 86_400_000 };

const targetSchema = new Schema(
  {
    url: { type: String, required: true },
    weight: { type: Number, min: 1, max: 1000, default: 1 },
    enabled: { type: Boolean, default: true },
  },
  { _id: false },
);

const headerRulesSchema = new Schema(
  {
    set: {
      type: [new Schema({ name: String, value: String }, { _id: false })],
      default: [],
    },
    remove: { type: [String], default: [] },
  },
  // `remove` is a field name of the GraphQL API, not mongoose's document method.
  { _id: false, suppressReservedKeysWarning: true },
);

const basicAuthSchema = new Schema(
  {
    realm: { type: String, required: true },
    users: {
      type: [
        new Schema(
          {
            username: { type: String, required: true },
            passwordHash: { type: String, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
  },
  { _id: false },
);

const healthCheckSchema = new Schema(
  {
    path: { type: String, required: true },
    intervalMs: { ...milliseconds, required: true },
    timeoutMs: { ...milliseconds, required: true },
    expectedStatus: { type: Number, min: 100, max: 599, required: true },
    healthyThreshold: { type: Number, min: 1, max: 100, required: true },
    unhealthyThreshold: { type: Number, min: 1, max: 100, required: true },
  },
  { _id: false },
);

const routeSchema = new Schema({
  host: { type: String, required: true, lowercase: true },
  pathPrefix: { type: String, default: '' },
  stripPrefix: { type: Boolean, default: false },
  preserveHost: { type: Boolean, default: true },
  strategy: { type: String, enum: STRATEGIES, default: 'ROUND_ROBIN' },
  targets: { type: [targetSchema], default: [] },
  requestHeaders: { type: headerRulesSchema, default: () => ({ set: [], remove: [] }) },
  responseHeaders: { type: headerRulesSchema, default: () => ({ set: [], remove: [] }) },
  basicAuth: { type: basicAuthSchema, default: null },
  connectTimeoutMs: { ...milliseconds, default: null },
  responseTimeoutMs: { ...milliseconds, default: null },
  retries: { type: Number, min: 0, max: 10, default: 0 },
  healthCheck: { type: healthCheckSchema, default: null },
  maxFails: { type: Number, min: 0, max: 1000, default: 3 },
  failTimeoutMs: { ...milliseconds, default: 10_000 },
  createdAt: { type: Date, default: () => new Date() },
  updatedAt: { type: Date, default: () => new Date() },
});
routeSchema.index({ host: 1, pathPrefix: 1 }, { unique: true });

export const RouteModel = defineModel<RouteDocument>('proxy_routes', routeSchema);
