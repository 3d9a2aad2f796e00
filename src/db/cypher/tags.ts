import type { Query } from '../executor.js';
import { visible } from './scope.js';
import { NOW } from './time.js';

/**
 * Each row's tags on its target, in one statement. Tags live in the target's project; a
 * tag is created the first time it is used there.
 */
export const tagRowsQuery = (rows: Array<{ target: string; tags: string[] }>): Query => ({
  cypher: `UNWIND $rows AS row
MATCH (n:Entity {id: row.target}) WHERE ${visible('n')}
UNWIND row.tags AS name
MERGE (t:Entity:Tag {project: n.project, name: name})
ON CREATE SET t.id = randomUUID(), t.createdAt = ${NOW}
MERGE (n)-[:TAGGED]->(t)`,
  params: { rows },
});

/** The same tags on every target. */
export const addTagsQuery = (targetIds: string[], tags: string[]) => tagRowsQuery(targetIds.map((target) => ({ target, tags })));

/** Takes the tags off the targets (the tags themselves stay). */
export const removeTagsQuery = (targetIds: string[], tags: string[]): Query => ({
  cypher: `UNWIND $targetIds AS targetId
MATCH (n:Entity {id: targetId})-[r:TAGGED]->(t:Tag) WHERE t.name IN $tags AND ${visible('n')}
DELETE r`,
  params: { targetIds, tags },
});
