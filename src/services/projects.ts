import { randomUUID } from 'node:crypto';
import type { Query, Tx } from '../db/executor.js';
import { checkName } from '../domain/uris.js';
import { visible } from '../db/cypher/scope.js';

/**
 * Projects come into being with their first write (as MLflow experiments and Valohai
 * projects do for a logging client): every write that names a project ensures it.
 */
export function ensureProjectQuery(project: string): Query {
  return {
    cypher: `MERGE (p:Entity:Project {name: $project})
ON CREATE SET p.id = $id, p.project = $project, p.createdAt = datetime()`,
    params: { project: checkName('project', project), id: randomUUID() },
  };
}

export async function ensureProject(tx: Tx, project: string): Promise<void> {
  await tx.run(ensureProjectQuery(project));
}

/**
 * Takes the write lock on a node and bumps its revision, so that what the transaction
 * reads next cannot change under it (compare-and-set on status, alias targets, versions).
 */
export async function lockNode(tx: Tx, label: string, id: string): Promise<Record<string, any> | null> {
  const rows = await tx.run({
    cypher: `MATCH (n:Entity {id: $id}) WHERE $label IN labels(n) AND ${visible('n')}
SET n.revision = coalesce(n.revision, 0) + 1
RETURN n`,
    params: { id, label },
  });
  return rows[0]?.n ?? null;
}
