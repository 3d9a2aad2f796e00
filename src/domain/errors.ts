import { GraphQLError } from 'graphql';

/** The stable error codes of the API (listed on the Query type in schema/, and in docs/reference.md), carried in `extensions.code`. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'LIMIT_EXCEEDED'
  | 'SERVICE_UNAVAILABLE';

export interface ErrorDetails {
  /** The argument or input field at fault, as a dotted path (`outputs.2.sha256`). */
  field?: string;
  /** For manifests and other line-based input: the 1-based line. */
  line?: number;
  [key: string]: unknown;
}

/**
 * A typed error that reaches the client as it is; anything else is masked by
 * `formatError`. The message names the thing and the value and says what is allowed.
 */
export class PedigreeError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, { extensions: { code, ...details } });
    this.name = 'PedigreeError';
  }
}

export const badInput = (message: string, details: ErrorDetails = {}) =>
  new PedigreeError('BAD_USER_INPUT', message, details);

export const notFound = (what: string, key: string, details: ErrorDetails = {}) =>
  new PedigreeError('NOT_FOUND', `${what} '${key}' not found`, details);

export const conflict = (message: string, details: ErrorDetails = {}) =>
  new PedigreeError('CONFLICT', message, details);

export const limitExceeded = (message: string, details: ErrorDetails = {}) =>
  new PedigreeError('LIMIT_EXCEEDED', message, details);

export const forbidden = (message: string, details: ErrorDetails = {}) => new PedigreeError('FORBIDDEN', message, details);

export const serviceUnavailable = (message: string) => new PedigreeError('SERVICE_UNAVAILABLE', message);

/** What every request hears while Neo4j does not answer, whether it found out itself or was refused up front. */
export const databaseUnreachable = () => serviceUnavailable('The database is not reachable right now; retry shortly');

/** Checks an integer argument against its allowed range; the message says both. */
export function checkRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw (value > max ? limitExceeded : badInput)(`${field} must be ${min}..${max}, got ${value}`, {
      field,
      min,
      max,
    });
  }
  return value;
}
