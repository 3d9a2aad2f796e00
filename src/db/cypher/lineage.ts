import { LABEL_OF_KIND } from '../../domain/labels.js';
import { LINEAGE_DEPTH, type Direction, type LineageFilter } from '../../domain/lineage.js';
import type { Query } from '../executor.js';
import { int } from '../records.js';
import { visible } from './scope.js';
import { addMetadataPredicates, Where } from './where.js';

/**
 * The relationship types a lineage walk follows. PRODUCED_BY and CONSUMED_BY both point
 * from datum to execution, so a walk over them would alternate direction at every step
 * and Neo4j would have to enumerate paths. READ mirrors each CONSUMED_BY in the other
 * direction (execution -> input), written in the same transaction, so that upstream is
 * "follow these types outgoing" and downstream "follow them incoming": a one-direction
 * variable-length pattern that Neo4j plans as VarLengthExpand(Pruning,BFS), visiting
 * each node once. `min(length(p))` keeps that plan and gives each node its distance.
 *
 * Every walked edge carries `at`, the time it was recorded, so a walk `asOf` a time follows
 * only the edges recorded by then (an edge is never recorded before its two ends, so the
 * nodes it reaches existed then too). The predicate on every relationship of the path is
 * evaluated inside the pruning expand, which keeps its plan.
 */
export const WALK_TYPES = 'PRODUCED_BY|READ|CONTAINS';

const arrows: Record<Direction, [string, string]> = {
  UPSTREAM: ['-', '->'],
  DOWNSTREAM: ['<-', '-'],
};

/** A clamped depth, written into patterns as a literal (Cypher takes no parameter there). */
function edgeBound(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1 || depth > LINEAGE_DEPTH.max) throw new RangeError(`depth ${depth} not clamped`);
  return 2 * depth;
}

const recordedBy = (rel: string) => `${rel}.at <= datetime($asOf)`;

/**
 * Whether a walked node `n` is kept in the answer: of one of `kinds`, and matching every
 * tag, metadata and status predicate. Data predicates never match a node of a project the
 * token may not read, so a filter cannot tell anything about such a node beyond its kind.
 * Null when the filter keeps every node.
 */
export function keepCondition(filter: LineageFilter): { cypher: string; params: Record<string, unknown> } | null {
  const where = new Where();
  if (filter.kinds?.length) where.add('any(l IN labels(n) WHERE l IN $keepLabels)', { keepLabels: filter.kinds.map((k) => LABEL_OF_KIND[k]) });
  const data = new Where();
  if (filter.tagsAny?.length) data.add('EXISTS { (n)-[:TAGGED]->(t:Tag) WHERE t.name IN $tagsAny }', { tagsAny: filter.tagsAny });
  if (filter.tagsAll?.length) data.add('all(tag IN $tagsAll WHERE EXISTS { (n)-[:TAGGED]->(:Tag {name: tag}) })', { tagsAll: filter.tagsAll });
  if (filter.executionStatus?.length) data.add('(NOT n:Execution OR n.status IN $executionStatus)', { executionStatus: filter.executionStatus });
  if (filter.metadata?.length) addMetadataPredicates(data, filter.metadata, { indexStart: false });
  if (data.conditions.length) where.add(`(${visible('n')} AND ${data.conditions.join(' AND ')})`, data.params);
  return where.conditions.length ? { cypher: where.conditions.join(' AND '), params: where.params } : null;
}

/** The stored properties a walk returns of each node, for the selection it answers; whole nodes when absent. */
export interface NodeFields {
  /** Properties besides id and project, which every node carries (with its labels). */
  properties: readonly string[];
  /** Those among them that hold a DateTime. */
  temporal: readonly string[];
}

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A node as a map of the asked properties only: id and project (redaction reads it) and
 * labels always, each DateTime as epoch milliseconds, an integer the driver decodes far
 * more cheaply than a DateTime (the executor makes it an ISO string, see `projected`).
 * Names come from the schema's field names; anything else is refused, not written into
 * the text.
 */
export function projectionOf(n: string, fields: NodeFields): string {
  const entries = ['.id', '.project'];
  for (const p of fields.properties) {
    if (!PROPERTY_NAME.test(p) || p === 'labels') throw new RangeError(`'${p}' is not a property a walk can return`);
    if (p !== 'id' && p !== 'project') entries.push(fields.temporal.includes(p) ? `${p}: ${n}.${p}.epochMillis` : `.${p}`);
  }
  return `${n} {${[...entries, `labels: labels(${n})`].join(', ')}}`;
}

/** A walked node `n` as a column: whole, or projected to the shape's fields. */
const nodeOf = (shape: WalkShape) => (shape.fields ? projectionOf('n', shape.fields) : 'n');

/** Whether a walked node `n` is kept: the shape's keep condition, or always. */
const keptOf = (shape: WalkShape) => (shape.keep ? `(${shape.keep.cypher})` : 'true');

/** The executor's note for a column that `projectionOf` fills. */
const projected = (column: string, fields: NodeFields | null | undefined) => (fields ? { projected: { [column]: fields.temporal } } : {});

export interface WalkShape {
  /** The graph as it stood at this ISO time. */
  asOf: string | null;
  /** Whether each node is kept (see `keepCondition`); null keeps all. */
  keep: { cypher: string; params: Record<string, unknown> } | null;
  /** Only labels and the kept flag, for counting: no properties, no edges. */
  lean?: boolean;
  /** Only these properties of each node (see `projectionOf`); whole nodes when absent. */
  fields?: NodeFields | null;
}

/**
 * One walk per root, in one statement: the nodes within `2 x depth` edges, nearest first,
 * at most `limit + 1` per root (the extra one tells the caller the answer was truncated),
 * each with its edge distance, whether it is kept, and (unless `lean`) its properties and
 * its walk-direction edges (to filter against the kept set and to tell which nodes have
 * unexplored neighbours).
 *
 * The walk goes through nodes of every project (lineage is what happened); the executor
 * redacts those the token may not read: they come back as id and labels only, whether
 * whole or projected to `shape.fields`.
 */
export function lineageQuery(rootIds: string[], direction: Direction, depth: number, limit: number, shape: WalkShape = { asOf: null, keep: null }): Query {
  const [l, r] = arrows[direction];
  const edges = edgeBound(depth);
  const asOf = shape.asOf ? `WHERE all(rel IN relationships(p) WHERE ${recordedBy('rel')})` : '';
  const kept = keptOf(shape);
  const found = shape.lean ? `{id: n.id, labels: labels(n), kept: ${kept}, edges: edges}` : '{node: n, edges: edges}';
  const tail = shape.lean
    ? `UNWIND found AS f
RETURN rootId, f.id AS id, f.labels AS labels, f.kept AS kept, f.edges AS edges`
    : `UNWIND [{node: root, edges: 0}] + found AS f
WITH rootId, f.node AS n, f.edges AS edges
CALL {
  WITH n
  OPTIONAL MATCH (n)${l}[rel:${WALK_TYPES}]${r}(m)${shape.asOf ? ` WHERE ${recordedBy('rel')}` : ''}
  RETURN collect(CASE WHEN rel IS NULL THEN null ELSE [type(rel), startNode(rel).id, endNode(rel).id, rel.inputName] END) AS rels
}
RETURN rootId, ${nodeOf(shape)} AS node, edges, rels, ${kept} AS kept`;
  return {
    cypher: `
UNWIND $rootIds AS rootId
MATCH (root:Entity {id: rootId}) WHERE ${visible('root')}
CALL {
  WITH root
  MATCH p = (root)${l}[:${WALK_TYPES}*1..${edges}]${r}(n)
  ${asOf}
  WITH n, min(length(p)) AS edges
  ORDER BY edges, n.id
  LIMIT $cap
  RETURN collect(${found}) AS found
}
${tail}`,
    params: { rootIds, cap: int(limit + 1), asOf: shape.asOf, ...shape.keep?.params },
    ...projected('node', shape.lean ? null : shape.fields),
  };
}

/**
 * One hop of a walk that goes hop by hop (stop nodes, a fan-out cap): for each frontier
 * node, its walk-direction edges to at most `fan` neighbours, newest neighbour first.
 * The caller asks for one more than it follows, to tell which nodes were cut short.
 */
export function lineageStepQuery(frontier: string[], direction: Direction, fan: number, asOf: string | null): Query {
  const [l, r] = arrows[direction];
  return {
    cypher: `UNWIND $frontier AS id
MATCH (x:Entity {id: id})
CALL {
  WITH x
  MATCH (x)${l}[rel:${WALK_TYPES}]${r}(y)${asOf ? ` WHERE ${recordedBy('rel')}` : ''}
  WITH rel, y ORDER BY y.createdAt DESC, y.id
  LIMIT $fan
  RETURN collect([type(rel), startNode(rel).id, endNode(rel).id, rel.inputName, y.id]) AS rels
}
RETURN id, rels`,
    // the walk crosses projects as the single-statement walk does; nodes are fetched (and redacted) after
    global: 'walks ids only; the nodes it reaches are read by lineageNodesQuery, which applies the predicate',
    params: { frontier, fan: int(fan), asOf },
  };
}

/**
 * The nodes a hop-by-hop walk reached (redacted by the executor where the token may not
 * read them, as in `lineageQuery`): each with whether it is kept and whether it has
 * walk-direction neighbours at all (for the nodes whose neighbours were not asked for).
 */
export function lineageNodesQuery(ids: string[], direction: Direction, shape: WalkShape): Query {
  const [l, r] = arrows[direction];
  const project = shape.lean ? 'n.id AS id, labels(n) AS labels' : `${nodeOf(shape)} AS node`;
  return {
    cypher: `UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN ${project}, ${keptOf(shape)} AS kept,
  EXISTS { MATCH (n)${l}[rel:${WALK_TYPES}]${r}()${shape.asOf ? ` WHERE ${recordedBy('rel')}` : ''} } AS more`,
    global: 'a walk reaches nodes of every project; the executor redacts those outside the scope',
    params: { ids, asOf: shape.asOf, ...shape.keep?.params },
    ...projected('node', shape.lean ? null : shape.fields),
  };
}

/**
 * Aliases that point, or once pointed, at any of the datums (by their move history, which
 * records every target), each with whether it points there now, or at `asOf`.
 */
export function impactedAliasesQuery(datumIds: string[], asOf: string | null): Query {
  const when = asOf ? ` AND ${recordedBy('m')}` : '';
  return {
    cypher: `UNWIND $datumIds AS datumId
MATCH (a:Alias)-[:MOVED]->(m:AliasMove {to: datumId}) WHERE ${visible('a')}${when}
WITH DISTINCT a, datumId
CALL {
  WITH a
  MATCH (a)-[:MOVED]->(last:AliasMove)${asOf ? ` WHERE ${recordedBy('last')}` : ''}
  RETURN last.to AS pointing ORDER BY last.seq DESC LIMIT 1
}
RETURN a AS alias, datumId, pointing = datumId AS current
ORDER BY a.name, datumId`,
    params: { datumIds, asOf },
  };
}
