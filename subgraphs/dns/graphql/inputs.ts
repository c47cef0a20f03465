import { Field, ID, InputType, Int } from 'type-graphql';
import { RecordType } from './types';
import type { RecordType as RecordTypeName } from '../zone-data';

@InputType({ description: 'SOA values; any left out take the runtime defaults.' })
export class SoaInput {
  @Field(() => String, { nullable: true })
  primary?: string | null;

  @Field(() => String, { nullable: true })
  hostmaster?: string | null;

  @Field(() => Int, { nullable: true })
  refresh?: number | null;

  @Field(() => Int, { nullable: true })
  retry?: number | null;

  @Field(() => Int, { nullable: true })
  expire?: number | null;

  @Field(() => Int, { nullable: true })
  minimum?: number | null;

  @Field(() => Int, { nullable: true })
  ttl?: number | null;
}

@InputType()
export class CreateZoneInput {
  @Field({ description: 'Apex such as example.test; stored lower-case without trailing dot.' })
  name!: string;

  @Field(() => SoaInput, { nullable: true })
  soa?: SoaInput | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Name servers for the apex NS records; defaults to the runtime setting.',
  })
  nameservers?: string[] | null;
}

@InputType()
export class UpdateZoneInput {
  @Field()
  name!: string;

  @Field(() => SoaInput)
  soa!: SoaInput;
}

@InputType()
export class DeleteZoneInput {
  @Field()
  name!: string;
}

@InputType({ description: 'Record data; set only the fields of the record type.' })
export class RecordDataInput {
  @Field(() => Int, {
    nullable: true,
    description: 'Seconds; defaults to the runtime default TTL.',
  })
  ttl?: number | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Client networks (CIDR) to serve this record to.',
  })
  networks?: string[] | null;

  @Field(() => String, { nullable: true })
  address?: string | null;

  @Field(() => String, { nullable: true })
  target?: string | null;

  @Field(() => Int, { nullable: true })
  preference?: number | null;

  @Field(() => Int, { nullable: true })
  priority?: number | null;

  @Field(() => Int, { nullable: true })
  weight?: number | null;

  @Field(() => Int, { nullable: true })
  port?: number | null;

  @Field(() => Int, { nullable: true })
  flags?: number | null;

  @Field(() => String, { nullable: true })
  tag?: string | null;

  @Field(() => String, { nullable: true })
  value?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'TXT strings; longer than 255 bytes are split.',
  })
  text?: string[] | null;
}

@InputType()
export class CreateRecordInput extends RecordDataInput {
  @Field({ description: 'Apex of the zone.' })
  zone!: string;

  @Field({
    description:
      'Owner: "@" for the apex, a name relative to the apex, or an absolute name inside the zone.',
  })
  name!: string;

  @Field(() => RecordType)
  type!: RecordTypeName;
}

@InputType({ description: 'Replaces the data of a record; its type cannot change.' })
export class UpdateRecordInput extends RecordDataInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'New owner name, as in createRecord.' })
  name?: string | null;
}

@InputType()
export class DeleteRecordInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'Runtime DNS settings to change; fields left out keep their value.' })
export class UpdateDnsSettingsInput {
  @Field(() => [String], { nullable: true })
  nameservers?: string[] | null;

  @Field(() => String, { nullable: true })
  hostmaster?: string | null;

  @Field(() => Int, { nullable: true })
  refresh?: number | null;

  @Field(() => Int, { nullable: true })
  retry?: number | null;

  @Field(() => Int, { nullable: true })
  expire?: number | null;

  @Field(() => Int, { nullable: true })
  minimum?: number | null;

  @Field(() => Int, { nullable: true })
  soaTtl?: number | null;

  @Field(() => Int, { nullable: true })
  defaultTtl?: number | null;
}
