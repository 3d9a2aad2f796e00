import type { Direction } from '../../domain/lineage.js';
import type { Query } from '../executor.js';
import { int } from '../records.js';
import { visible } from './scope.js';

/**
 * The relationship types a lineage walk follows. PRODUCED_BY and CONSUMED_BY both point
 * from datum to execution, so a walk over them would alternate direction at every step
 * and Neo4j would have to enumerate paths. READ mirrors each CONSUMED_BY in the other
 * direction (execution -> input), written in the same transaction, so that upstream is
 * "follow these types outgoing" and downstream "follow them incoming": a one-direction
 * variable-length pattern that Neo4j plans as VarLengthExpand(Pruning,BFS), visiting
 * each node once. `min(length(p))` keeps that plan and gives each node its distance.
 */
export const WALK_TYPES = 'PRODUCED_BY|READ|CONTAINS';

const arrows: Record<Direction, [string, string]> = {
  UPSTREAM: ['-', '->'],
  DOWNSTREAM: ['<-', '-'],
};

/**
 * The walk goes through nodes of every project (lineage is what happened), and the
 * executor redacts those the token may not read: they come back as id and labels only.
 *
 * Nodes within `2 x depth` edges of each root, nearest first, at most `limit + 1` per
 * root (the extra one tells the caller the answer was truncated), each with its edge
 * distance, its properties and its walk-direction edges (to filter against the kept set
 * and to tell which kept nodes have unexplored neighbours).
 *
 * `depth` must already be clamped: it is written into the pattern as a literal because
 * Cypher does not take variable-length bounds as parameters.
 */
export function lineageQuery(rootIds: string[], direction: Direction, depth: number, limit: number): Query {
  if (!Number.isInteger(depth) || depth < 1 || depth > 50) throw new RangeError(`depth ${depth} not clamped`);
  const [l, r] = arrows[direction];
  return {
    cypher: `
UNWIND $rootIds AS rootId
MATCH (root:Entity {id: rootId}) WHERE ${visible('root')}
CALL {
  WITH root
  MATCH p = (root)${l}[:${WALK_TYPES}*1..${2 * depth}]${r}(n)
  WITH n, min(length(p)) AS edges
  ORDER BY edges, n.id
  LIMIT $cap
  RETURN collect({node: n, edges: edges}) AS found
}
UNWIND [{node: root, edges: 0}] + found AS f
WITH rootId, f.node AS n, f.edges AS edges
CALL {
  WITH n
  OPTIONAL MATCH (n)${l}[rel:${WALK_TYPES}]${r}(m)
  RETURN collect(CASE WHEN rel IS NULL THEN null ELSE [type(rel), startNode(rel).id, endNode(rel).id, rel.inputName] END) AS rels
}
RETURN rootId, n AS node, edges, rels`,
    params: { rootIds, cap: int(limit + 1) },
  };
}
