import type { Query } from '../executor.js';
import { int } from '../records.js';
import { visible } from './scope.js';

/**
 * Projects come into being with their first write (as MLflow experiments and Valohai
 * projects do for a logging client): every write that names a project ensures it.
 */
export const ensureProjectQuery = (project: string, id: string): Query => ({
  cypher: `MERGE (p:Entity:Project {name: $project})
ON CREATE SET p.id = $id, p.project = $project, p.createdAt = datetime()`,
  params: { project, id },
});

/** The projects the token may read, in name order from the name constraint's index; at most `limit`. */
export const projectsQuery = (limit: number): Query => ({
  cypher: `MATCH (p:Project) WHERE p.name IS NOT NULL AND ${visible('p')}
RETURN p ORDER BY p.name LIMIT $limit`,
  params: { limit: int(limit) },
});
