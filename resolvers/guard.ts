import type { GraphQLFieldResolver } from 'graphql';
import type { RequestContext } from '../src/context.js';
import { requiredRole, requireRole } from '../src/domain/roles.js';

type Resolvers = Record<string, GraphQLFieldResolver<unknown, RequestContext, any>>;

/**
 * The one place roles are enforced: every root field of Query and Mutation passes through
 * here before its resolver runs. A mutation also names itself for the audit log, which the
 * executor writes inside the mutation's own transaction.
 */
export function guard(kind: 'query' | 'mutation', resolvers: Resolvers): Resolvers {
  return Object.fromEntries(
    Object.entries(resolvers).map(([field, resolve]) => [
      field,
      (parent: unknown, args: Record<string, unknown>, ctx: RequestContext, info: Parameters<GraphQLFieldResolver<unknown, RequestContext>>[3]) => {
        requireRole(ctx.principal, requiredRole(kind, field), `${kind === 'query' ? 'Query' : 'Mutation'}.${field}`);
        if (kind === 'mutation') ctx.audit.operation = { name: field, args };
        return resolve(parent, args, ctx, info);
      },
    ]),
  );
}
