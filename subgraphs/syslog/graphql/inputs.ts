import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';
import { Facility, Severity } from './types';

@InputType({ description: 'Conditions of a log search; every one given must match.' })
export class LogFilter {
  @Field(() => String, { nullable: true, description: 'Host name or sender address, any case.' })
  host?: string | null;

  @Field(() => String, { nullable: true, description: 'App name, exactly.' })
  app?: string | null;

  @Field(() => Severity, {
    nullable: true,
    description: 'Messages of this severity or more severe: ERR also returns CRIT, ALERT, EMERG.',
  })
  severityAtMost?: number | null;

  @Field(() => [Facility], { nullable: true, description: 'Any of these facilities.' })
  facility?: number[] | null;

  // TODO: an invalid DateTime written in the query is rejected by GraphQL validation, before
  // logQuery, so its error has no extensions.field. In a variable it gets one from the message.
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Received at or after.' })
  since?: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Received at or before.' })
  until?: Date | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Text the message contains, compared without regard to case; 1-1024 characters (Unicode code points).',
  })
  text?: string | null;
}

@InputType({ description: 'Retention limits to change; fields left out keep their value.' })
export class UpdateSyslogSettingsInput {
  @Field(() => GraphQLSafeInt, {
    nullable: true,
    description: 'Seconds, at most 3153600000 (100 years); 0 turns the age limit off.',
  })
  retentionMaxAge?: number | null;

  @Field(() => Number, { nullable: true, description: 'Messages; 0 turns the count limit off.' })
  retentionMaxCount?: number | null;
}
