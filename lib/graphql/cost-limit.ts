import {
  getNamedType,
  GraphQLError,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

// NOTE: validation runs before variables are known. A `first` given as a variable counts as
// this page size, so a larger value passes the estimate.
const VARIABLE_PAGE_SIZE = 100;

function pageSize(node: FieldNode, field: GraphQLField<unknown, unknown> | undefined): number {
  const argument = field?.args.find((arg) => arg.name === 'first');
  if (!argument) return 1;
  const literal = node.arguments?.find((arg) => arg.name.value === 'first')?.value;
  if (literal?.kind === Kind.INT) return Math.max(1, Number(literal.value));
  if (literal?.kind === Kind.VARIABLE) return VARIABLE_PAGE_SIZE;
  return typeof argument.defaultValue === 'number' ? argument.defaultValue : VARIABLE_PAGE_SIZE;
}

/**
 * Creates a validation rule that estimates how many field values an operation can produce and
 * rejects it above `maxCost`. Each field costs one per parent item, and a field with a `first`
 * argument multiplies the cost of everything below it by its page size. Aliases count once
 * each, so a thousand copies of a list cost a thousand lists.
 */
export function maxCostRule(maxCost: number) {
  return (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, definition);
    }

    const costOf = (
      selectionSet: SelectionSetNode,
      parent: GraphQLCompositeType | undefined,
      items: number,
      visiting: Set<string>,
    ): number => {
      let cost = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          const fields =
            parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields() : {};
          const field = fields[selection.name.value];
          cost += items;
          if (selection.selectionSet) {
            const type = field ? getNamedType(field.type) : undefined;
            const child = type && isCompositeType(type) ? type : undefined;
            cost += costOf(
              selection.selectionSet,
              child,
              items * pageSize(selection, field),
              visiting,
            );
          }
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition =
            selection.typeCondition && schema.getType(selection.typeCondition.name.value);
          const type = condition && isCompositeType(condition) ? condition : parent;
          cost += costOf(selection.selectionSet, type, items, visiting);
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // A fragment cycle is reported by the standard NoFragmentCycles rule.
          if (!fragment || visiting.has(name)) continue;
          const condition = schema.getType(fragment.typeCondition.name.value);
          visiting.add(name);
          cost += costOf(
            fragment.selectionSet,
            condition && isCompositeType(condition) ? condition : parent,
            items,
            visiting,
          );
          visiting.delete(name);
        }
        if (cost > maxCost) return cost;
      }
      return cost;
    };

    return {
      OperationDefinition(operation) {
        const root =
          operation.operation === 'query'
            ? schema.getQueryType()
            : operation.operation === 'mutation'
              ? schema.getMutationType()
              : schema.getSubscriptionType();
        const cost = costOf(operation.selectionSet, root ?? undefined, 1, new Set());
        if (cost > maxCost) {
          context.reportError(
            new GraphQLError(
              `operation ${operation.name?.value ?? '(anonymous)'} may return more than ${maxCost} values (PAAS_GRAPHQL_MAX_COST); ask for smaller pages or fewer fields`,
              { nodes: [operation] },
            ),
          );
        }
      },
    };
  };
}
