import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  getNamedType,
  isLeafType,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

/**
 * Limits on the shape of a request, checked before anything runs. Page sizes, lineage
 * depth and node limits, batch sizes, the body size and the Neo4j transaction timeout are
 * enforced where those values are used; these bound the query document itself.
 */
export const MAX_QUERY_DEPTH = 15;
/**
 * About one unit per object that may come back, its scalar fields free: the work is in
 * fetching the node, not in reading its properties. 1,000 datums cost ~2,000; 100 datums
 * each with an upstream walk (up to 500 nodes) ~50,000; a page of 100 executions with their
 * tags, reads, outputs and metadata (each at its default bound) ~250,000.
 */
export const MAX_COMPLEXITY = 500_000;
/**
 * Every root field, aliases included, is a database round trip of its own: queries run
 * concurrently, each holding a connection, and mutations one after another, each a
 * transaction that may write a whole batch. 2,000 aliases of `datums(first: 1)` (cost
 * ~4,000 by fields alone) emptied the driver's 100-connection pool for every other request,
 * and a 10 MB body of aliased mutations queued up hours of writes. At this cost a request
 * holds fewer than 50 root fields.
 */
export const ROOT_FIELD_COST = 10_000;
/** Fields the cost estimate walks, fragments expanded where spread; past it the cost is not computed. */
export const MAX_QUERY_NODES = 10_000;
/**
 * graphql-js validates fragment spreads recursively, so a chain of a few thousand fragments
 * overflows the stack inside validation (an HTTP 500). Real documents use dozens.
 */
export const MAX_FRAGMENTS = 1_000;

/** A refusal of the request as sent: 400, where Apollo would answer an error from a plugin hook with 500. */
const limit = (message: string, details: Record<string, unknown>) =>
  new GraphQLError(message, { extensions: { code: 'LIMIT_EXCEEDED', ...details, http: { status: 400 } } });

/**
 * Refuses a query text with more than MAX_FRAGMENTS fragment definitions, counted before
 * parsing (conservatively: the word inside a string counts too), because the crash it
 * prevents happens inside validation, where no coded answer is possible any more.
 */
export function fragmentLimitError(query: unknown): GraphQLError | undefined {
  if (typeof query !== 'string') return undefined;
  const count = query.match(/\bfragment\s/g)?.length ?? 0;
  if (count <= MAX_FRAGMENTS) return undefined;
  return limit(`The query defines ${count} fragments, the limit is ${MAX_FRAGMENTS}`, { limit: 'fragments', max: MAX_FRAGMENTS });
}

/**
 * Depth counts nested fields with selections (fragments and introspection fields add none),
 * the way graphql-depth-limit counted it. That library recursed forever on a fragment cycle,
 * threw on an unknown fragment and spread every selection into Math.max (500,000 fields
 * overflow it): each a 500. Here the walk stops at the limit, computes each fragment's depth
 * once, and leaves unknown or cyclic fragments to the standard rules that report them.
 */
export const depthRule: ValidationRule = (context: ValidationContext) => {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentDepth = new Map<string, number>();
  const inProgress = new Set<string>();

  /** How many fields deep a selection set goes (the root fields are 0), capped at MAX_QUERY_DEPTH + 1. */
  const depthOf = (set: SelectionSetNode): number => {
    let deepest = 0;
    for (const selection of set.selections) {
      let depth = 0;
      if (selection.kind === Kind.FIELD) {
        if (selection.selectionSet && !selection.name.value.startsWith('__')) depth = 1 + depthOf(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        depth = depthOf(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || inProgress.has(name)) continue;
        if (!fragmentDepth.has(name)) {
          inProgress.add(name);
          fragmentDepth.set(name, depthOf(fragment.selectionSet));
          inProgress.delete(name);
        }
        depth = fragmentDepth.get(name)!;
      }
      deepest = Math.max(deepest, depth);
      if (deepest > MAX_QUERY_DEPTH) break;
    }
    return Math.min(deepest, MAX_QUERY_DEPTH + 1);
  };

  return {
    OperationDefinition(operation: OperationDefinitionNode) {
      if (depthOf(operation.selectionSet) > MAX_QUERY_DEPTH) {
        context.reportError(
          new GraphQLError(`'${operation.name?.value ?? ''}' exceeds maximum operation depth of ${MAX_QUERY_DEPTH}`, {
            nodes: [operation],
            extensions: { code: 'LIMIT_EXCEEDED', limit: 'depth', max: MAX_QUERY_DEPTH },
          }),
        );
      }
      return false;
    },
  };
};

/** A list field costs its children once per item it may return (`first`, `limit`). */
const pagedEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const items = [args.first, args.limit].find((v) => typeof v === 'number' && v > 0) as number | undefined;
  return items === undefined ? undefined : 1 + items * Math.max(childComplexity, 1);
};

/** Refuses an operation whose estimated cost (aliases and nested lists included) is past MAX_COMPLEXITY. */
export const complexityPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document, schema }) {
        const roots = new Set([schema.getQueryType(), schema.getMutationType()]);
        const fieldCost: ComplexityEstimator = (field) => {
          const own = pagedEstimator(field) ?? (isLeafType(getNamedType(field.field.type)) ? 0 : 1) + field.childComplexity;
          return roots.has(field.type as never) ? ROOT_FIELD_COST + own : own;
        };
        let complexity: number;
        try {
          complexity = getComplexity({
            schema,
            query: document,
            operationName: request.operationName,
            variables: request.variables,
            estimators: [fieldCost],
            maxQueryNodes: MAX_QUERY_NODES,
          });
        } catch (error) {
          // The library stops counting past maxQueryNodes by throwing; taken for a variable
          // error, that let any query of 10,000 fields or more run with no cost check at all.
          if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) {
            throw limit(`The query selects more than ${MAX_QUERY_NODES} fields (a fragment counts each time it is spread), the limit is ${MAX_QUERY_NODES}`, {
              limit: 'fields',
              max: MAX_QUERY_NODES,
            });
          }
          // invalid variables: execution reports them as BAD_USER_INPUT, and nothing runs
          return;
        }
        if (complexity > MAX_COMPLEXITY) {
          throw limit(`The query is too complex: estimated cost ${complexity}, the limit is ${MAX_COMPLEXITY}; ask for fewer items (first, limit), fewer fields or fewer root fields (${ROOT_FIELD_COST} each)`, {
            limit: 'complexity',
            max: MAX_COMPLEXITY,
            cost: complexity,
          });
        }
      },
    };
  },
};
