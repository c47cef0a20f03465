import { GraphQLError } from 'graphql';

/** The `extensions.code` values PaaS-Shack's GraphQL errors carry. */
export const ErrorCode = {
  badUserInput: 'BAD_USER_INPUT',
  notFound: 'NOT_FOUND',
  conflict: 'CONFLICT',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
} as const;

/** Raised for invalid input; `field` is the input path, such as `input.ttl`. */
export function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(`invalid ${field}: ${message}`, {
    extensions: { code: ErrorCode.badUserInput, field },
  });
}

export function notFound(what: string, key: string): GraphQLError {
  return new GraphQLError(`${what} ${JSON.stringify(key)} not found`, {
    extensions: { code: ErrorCode.notFound },
  });
}

export function conflict(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.conflict, ...(field ? { field } : {}) },
  });
}
