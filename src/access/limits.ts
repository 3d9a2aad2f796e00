import type { ApolloServerPlugin } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';

/**
 * Limits on the shape of a request, checked before anything runs. Page sizes, lineage
 * depth and node limits, batch sizes, the body size and the Neo4j transaction timeout are
 * enforced where those values are used; these two bound the query document itself.
 */
export const MAX_QUERY_DEPTH = 15;
/**
 * About one unit per field of each object that may come back: 1,000 datums with ten fields
 * cost ~11,000; 100 datums each with an upstream walk (up to 500 nodes) ~100,000.
 */
export const MAX_COMPLEXITY = 500_000;

const limit = (message: string, details: Record<string, unknown>) => new GraphQLError(message, { extensions: { code: 'LIMIT_EXCEEDED', ...details } });

/** Re-codes what a validation rule reports, so a limit reads LIMIT_EXCEEDED, not a generic validation failure. */
function coded(rule: ValidationRule, details: Record<string, unknown>): ValidationRule {
  return (context: ValidationContext) =>
    rule(
      new Proxy(context, {
        get(target, key) {
          if (key === 'reportError') return (error: GraphQLError) => target.reportError(new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'LIMIT_EXCEEDED', ...details } }));
          const value = Reflect.get(target, key);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
    );
}

export const depthRule = coded(depthLimit(MAX_QUERY_DEPTH), { limit: 'depth', max: MAX_QUERY_DEPTH });

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
        let complexity: number;
        try {
          complexity = getComplexity({
            schema,
            query: document,
            operationName: request.operationName,
            variables: request.variables,
            estimators: [pagedEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
        } catch {
          // invalid variables: execution reports them as BAD_USER_INPUT, and nothing runs
          return;
        }
        if (complexity > MAX_COMPLEXITY) {
          throw limit(`The query is too complex: estimated cost ${complexity}, the limit is ${MAX_COMPLEXITY}; ask for fewer items (first, limit) or fewer fields`, {
            limit: 'complexity',
            max: MAX_COMPLEXITY,
            cost: complexity,
          });
        }
      },
    };
  },
};
