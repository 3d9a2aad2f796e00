import neo4j, { isDate, isDateTime, isDuration, isInt, isLocalDateTime, isNode, isRelationship } from 'neo4j-driver';

/** A node as the API sees it: its properties plus its labels. */
export type Entity = Record<string, any> & { id: string; labels: string[] };

/**
 * Properties stored as JSON text, because Neo4j properties hold no maps: parsed here, on
 * the way out, and nowhere else.
 */
const JSON_TEXT: Record<string, string> = { Execution: 'parameters', MetadataEntry: 'value' };

/**
 * The one place where Neo4j values become plain JavaScript: integers become numbers
 * (bigint past 2^53, so sizes stay exact), temporals ISO strings, nodes their properties
 * plus `labels` (JSON text properties parsed). Nothing above the db layer sees a driver
 * type or stored JSON text.
 *
 * A node of a project outside `scope` (null: every project) keeps only its id and labels
 * and is marked `redacted`: nothing of it travels further than this function.
 *
 * `projected` says the value is a node projected to a map (`projectionOf`): it is made
 * plain and redacted exactly as the whole node would be, its listed keys holding a
 * DateTime as epoch milliseconds (cheaper for the driver to decode than a DateTime).
 */
export function toPlain(value: unknown, scope: readonly string[] | null = null, projected?: readonly string[]): unknown {
  if (value === null || value === undefined) return null;
  // strings, numbers and booleans need nothing, and most values are those: the driver's
  // type checks below cost a property lookup each, thousands of times per walk
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => toPlain(v, scope));
  if (projected) return projectedNode(value as Record<string, unknown> & { labels: string[] }, scope, projected);
  if (isInt(value)) return value.inSafeRange() ? value.toNumber() : BigInt(value.toString());
  if (isDateTime(value) || isLocalDateTime(value)) return new Date(value.toString()).toISOString();
  if (isDate(value) || isDuration(value)) return value.toString();
  if (isNode(value)) {
    const project = value.properties.project;
    if (outside(project, scope)) return redacted(value.properties.id, value.labels);
    return parseJsonText({ ...(plainObject(value.properties, scope) as Entity), labels: value.labels });
  }
  if (isRelationship(value)) return { ...plainObject(value.properties, scope), type: value.type };
  return plainObject(value as Record<string, unknown>, scope);
}

const outside = (project: unknown, scope: readonly string[] | null) => scope !== null && typeof project === 'string' && !scope.includes(project);

const redacted = (id: unknown, labels: string[]) => ({ id, labels, redacted: true });

function parseJsonText(node: Entity): Entity {
  for (const label of node.labels) {
    const key = JSON_TEXT[label];
    if (key && typeof node[key] === 'string') node[key] = JSON.parse(node[key]);
  }
  return node;
}

/** A node projected to a map: the same redaction and parsing as a whole node, its `millis` keys made ISO strings. */
function projectedNode(value: Record<string, unknown> & { labels: string[] }, scope: readonly string[] | null, millis: readonly string[]): Entity | ReturnType<typeof redacted> {
  if (outside(value.project, scope)) return redacted(value.id, value.labels);
  const node = plainObject(value, scope) as Entity;
  for (const key of millis) if (typeof node[key] === 'number') node[key] = new Date(node[key]).toISOString();
  return parseJsonText(node);
}

function plainObject(obj: Record<string, unknown>, scope: readonly string[] | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = toPlain(v, scope);
  return out;
}

/** A JS integer (number or bigint) as a Neo4j integer parameter; plain numbers would arrive as floats. */
export const int = (n: number | bigint) => neo4j.int(typeof n === 'bigint' ? n.toString() : n);
