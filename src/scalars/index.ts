import { GraphQLError, GraphQLScalarType, Kind, print, ValueNode } from 'graphql';
import { GraphQLBigInt, GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { checkJsonDepth, parseDType, parsePath, parseStorageSize, parseUri, serializeStorageSize } from './validators.js';

/**
 * One validate function serves serialize, parseValue and parseLiteral; a rejection is a
 * BAD_USER_INPUT error that names the value and what is allowed, pointing at the literal.
 */
function typedScalar<T>(name: string, validate: (v: unknown) => T, out: (v: T) => unknown = (v) => v) {
  const check = (value: unknown, node?: ValueNode) => {
    try {
      return validate(value);
    } catch (error) {
      throw new GraphQLError((error as Error).message, {
        nodes: node ? [node] : undefined,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  };
  return new GraphQLScalarType({
    name,
    serialize: (value) => out(check(value)),
    parseValue: (value) => check(value),
    parseLiteral: (node) => {
      // Integer literals stay exact (bigint); validators that want strings reject them by value.
      if (node.kind === Kind.INT) return check(BigInt(node.value), node);
      if (node.kind === Kind.STRING) return check(node.value, node);
      return check(print(node), node);
    },
  });
}

export const StorageSize = typedScalar('StorageSize', parseStorageSize, serializeStorageSize);
export const Uri = typedScalar('Uri', parseUri);
export const DType = typedScalar('DType', parseDType);
export const Path = typedScalar('Path', parsePath);

/** A borrowed scalar whose input rejections carry BAD_USER_INPUT like ours. */
function withInputCode(scalar: GraphQLScalarType, check: (value: unknown) => void = () => {}): GraphQLScalarType {
  const config = scalar.toConfig();
  const reject = (error: unknown, node?: ValueNode) =>
    new GraphQLError(`${scalar.name}: ${(error as Error).message}`, { nodes: node ? [node] : undefined, extensions: { code: 'BAD_USER_INPUT' } });
  return new GraphQLScalarType({
    ...config,
    parseValue: (value) => {
      try {
        check(value);
        return config.parseValue!(value);
      } catch (error) {
        throw reject(error);
      }
    },
    parseLiteral: (node, variables) => {
      try {
        const value = config.parseLiteral!(node, variables);
        check(value);
        return value;
      } catch (error) {
        throw reject(error, node);
      }
    },
  });
}

/**
 * A scalar's behaviour without its name and description: the SDL in schema/scalars.graphql
 * describes every scalar, and a resolver that brought its own description would replace it.
 */
const behaviour = ({ serialize, parseValue, parseLiteral }: GraphQLScalarType) => ({ serialize, parseValue, parseLiteral });

export const scalarResolvers = {
  DateTime: behaviour(withInputCode(GraphQLDateTime)),
  JSON: behaviour(withInputCode(GraphQLJSON, checkJsonDepth)),
  JSONObject: behaviour(withInputCode(GraphQLJSONObject, checkJsonDepth)),
  BigInt: behaviour(withInputCode(GraphQLBigInt)),
  StorageSize: behaviour(StorageSize),
  Uri: behaviour(Uri),
  DType: behaviour(DType),
  Path: behaviour(Path),
};
