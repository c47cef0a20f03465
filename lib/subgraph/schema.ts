import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import {
  buildSchemaSync,
  createResolversMap,
  type ContainerType,
  type NonEmptyArray,
} from 'type-graphql';

/** Federation directives a subgraph may use; the SDL imports exactly these. */
const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

/** The GraphQL side of a service: type-graphql classes plus reference resolvers of its entities. */
export interface SubgraphSpec {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql takes classes
  resolvers: NonEmptyArray<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql takes classes
  orphanedTypes?: Function[];
  /** `__resolveReference` functions by entity type name, e.g. `{ Host: { __resolveReference } }`. */
  referenceResolvers?: GraphQLResolverMap<unknown>;
}

function typeGraphqlSchema(spec: SubgraphSpec, container?: ContainerType): GraphQLSchema {
  return buildSchemaSync({
    resolvers: spec.resolvers,
    orphanedTypes: spec.orphanedTypes,
    container,
    validate: false,
    emitSchemaFile: false,
  });
}

/** Prints the subgraph's SDL with its federation directives, as composition reads it. */
export function subgraphSdl(spec: SubgraphSpec): string {
  return federatedSdl(typeGraphqlSchema(spec));
}

function federatedSdl(schema: GraphQLSchema): string {
  return `${FEDERATION_LINK}\n\n${printSchemaWithDirectives(schema)}`;
}

/**
 * Builds the executable federated schema: the type-graphql schema printed with its directives,
 * passed to `buildSubgraphSchema` with type-graphql's resolvers and the reference resolvers.
 * Resolver instances come from `container`, so services inject their dependencies.
 */
export function buildFederatedSchema(spec: SubgraphSpec, container: ContainerType): GraphQLSchema {
  const schema = typeGraphqlSchema(spec, container);
  const typeDefs = parse(federatedSdl(schema));
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, fields] of Object.entries(spec.referenceResolvers ?? {})) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...(fields as object) };
  }
  return buildSubgraphSchema({ typeDefs, resolvers });
}

/** A type-graphql container that hands out the given resolver instances by their class. */
export function instanceContainer(instances: object[]): ContainerType {
  const byClass = new Map<unknown, object>(
    instances.map((instance) => [instance.constructor, instance]),
  );
  return {
    get(resolverClass: unknown) {
      const instance = byClass.get(resolverClass);
      if (!instance)
        throw new Error(
          `no instance of resolver ${String((resolverClass as { name?: string }).name)}`,
        );
      return instance;
    },
  };
}
