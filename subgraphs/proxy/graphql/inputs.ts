import { Field, ID, InputType, Int } from 'type-graphql';
import type { Strategy } from '../route-data';
import { LoadBalancingStrategy } from './types';

@InputType()
export class TargetInput {
  @Field({
    description: 'http, https, ws or wss URL with host and port, e.g. http://10.0.0.5:8080.',
  })
  url!: string;

  @Field(() => Int, { nullable: true, description: 'Share under WEIGHTED, 1..1000; default 1.' })
  weight?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  enabled?: boolean | null;
}

@InputType()
export class HeaderValueInput {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@InputType({ description: 'Headers to set (replacing any value) and to remove.' })
export class HeaderRulesInput {
  @Field(() => [HeaderValueInput], { nullable: true })
  set?: HeaderValueInput[] | null;

  @Field(() => [String], { nullable: true })
  remove?: string[] | null;
}

@InputType()
export class BasicAuthUserInput {
  @Field()
  username!: string;

  @Field({ description: 'Stored as a bcrypt hash and never returned.' })
  password!: string;
}

@InputType()
export class BasicAuthInput {
  @Field(() => String, { nullable: true, description: 'Realm shown by browsers; default "proxy".' })
  realm?: string | null;

  @Field(() => [BasicAuthUserInput])
  users!: BasicAuthUserInput[];
}

@InputType({ description: 'Active health check; times in milliseconds.' })
export class HealthCheckInput {
  @Field(() => String, { nullable: true, description: 'Default /.' })
  path?: string | null;

  @Field(() => Int, { nullable: true, description: 'Default 10000.' })
  intervalMs?: number | null;

  @Field(() => Int, { nullable: true, description: 'Default 2000.' })
  timeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: 'Default 200.' })
  expectedStatus?: number | null;

  @Field(() => Int, { nullable: true, description: 'Default 2.' })
  healthyThreshold?: number | null;

  @Field(() => Int, { nullable: true, description: 'Default 3.' })
  unhealthyThreshold?: number | null;
}

/** Fields shared by create and update; on update, a field left out keeps its value. */
@InputType()
export abstract class RouteFieldsInput {
  @Field(() => String, {
    nullable: true,
    description: 'Path prefix such as /api; default every path.',
  })
  pathPrefix?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Remove the prefix before forwarding.' })
  stripPrefix?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Forward the client Host header; default true.',
  })
  preserveHost?: boolean | null;

  @Field(() => LoadBalancingStrategy, { nullable: true })
  strategy?: Strategy | null;

  @Field(() => HeaderRulesInput, { nullable: true })
  requestHeaders?: HeaderRulesInput | null;

  @Field(() => HeaderRulesInput, { nullable: true })
  responseHeaders?: HeaderRulesInput | null;

  @Field(() => BasicAuthInput, { nullable: true, description: 'null turns basic auth off.' })
  basicAuth?: BasicAuthInput | null;

  @Field(() => Int, { nullable: true, description: 'ms; null takes the service default.' })
  connectTimeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: 'ms; null takes the service default.' })
  responseTimeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: 'Retries of idempotent requests, 0..10.' })
  retries?: number | null;

  @Field(() => HealthCheckInput, { nullable: true, description: 'null turns active checks off.' })
  healthCheck?: HealthCheckInput | null;

  @Field(() => Int, { nullable: true, description: 'Failures that eject a target; 0 turns off.' })
  maxFails?: number | null;

  @Field(() => Int, { nullable: true, description: 'ms before an ejected target is retried.' })
  failTimeoutMs?: number | null;
}

@InputType()
export class CreateRouteInput extends RouteFieldsInput {
  @Field({ description: 'app.example.com, or *.example.com for any subdomain.' })
  host!: string;

  @Field(() => [TargetInput])
  targets!: TargetInput[];
}

@InputType()
export class UpdateRouteInput extends RouteFieldsInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  host?: string | null;

  @Field(() => [TargetInput], { nullable: true, description: 'Replaces every target.' })
  targets?: TargetInput[] | null;
}

@InputType()
export class DeleteRouteInput {
  @Field(() => ID)
  id!: string;
}
