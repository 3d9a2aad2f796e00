import type { Query } from '../executor.js';
import { visible } from './scope.js';

/** Nodes by id, each once, in the token's projects. */
export const nodesByIdQuery = (ids: readonly string[]): Query => ({
  cypher: `UNWIND $ids AS id MATCH (n:Entity {id: id}) WHERE ${visible('n')} RETURN n`,
  params: { ids },
});

/**
 * Takes the write lock on a node of `label` and bumps its revision, so that what the
 * transaction reads next cannot change under it (compare-and-set on status, alias targets,
 * versions).
 */
export const lockNodeQuery = (label: string, id: string): Query => ({
  cypher: `MATCH (n:Entity {id: $id}) WHERE $label IN labels(n) AND ${visible('n')}
SET n.revision = coalesce(n.revision, 0) + 1
RETURN n`,
  params: { id, label },
});
