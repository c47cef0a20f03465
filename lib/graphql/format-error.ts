import type { GraphQLFormattedError } from 'graphql';

/**
 * Adds `extensions.field` to errors that graphql-js raises while coercing variables, before
 * any resolver runs: their message names the path as `at "input.ttl"`, while the product's own
 * validation errors already carry the field. Errors without such a path pass unchanged.
 */
export function withInputField(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = formatted.extensions ?? {};
  if (extensions.field !== undefined) return formatted;
  const variable =
    /^Variable "\$([A-Za-z_][A-Za-z0-9_]*)" got invalid value .*? at "([^"]+)";/s.exec(
      formatted.message,
    );
  const path =
    variable?.[2] ??
    /^Variable "\$([A-Za-z_][A-Za-z0-9_]*)" got invalid value/.exec(formatted.message)?.[1];
  if (!path) return formatted;
  return { ...formatted, extensions: { ...extensions, field: path } };
}
