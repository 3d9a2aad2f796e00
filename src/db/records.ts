import neo4j, { isDate, isDateTime, isDuration, isInt, isLocalDateTime, isNode, isRelationship } from 'neo4j-driver';

/**
 * The one place where Neo4j values become plain JavaScript: integers become numbers
 * (bigint past 2^53, so sizes stay exact), temporals ISO strings, nodes their properties
 * plus `labels`. Nothing above the db layer sees a driver type.
 */
export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (isInt(value)) return value.inSafeRange() ? value.toNumber() : BigInt(value.toString());
  if (isDateTime(value) || isLocalDateTime(value)) return new Date(value.toString()).toISOString();
  if (isDate(value) || isDuration(value)) return value.toString();
  if (isNode(value)) return { ...plainObject(value.properties), labels: value.labels };
  if (isRelationship(value)) return { ...plainObject(value.properties), type: value.type };
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object') return plainObject(value as Record<string, unknown>);
  return value;
}

function plainObject(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = toPlain(v);
  return out;
}

/** A JS integer (number or bigint) as a Neo4j integer parameter; plain numbers would arrive as floats. */
export const int = (n: number | bigint) => neo4j.int(typeof n === 'bigint' ? n.toString() : n);
