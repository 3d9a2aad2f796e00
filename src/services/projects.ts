import { randomUUID } from 'node:crypto';
import type { Executor, Query, Tx } from '../db/executor.js';
import { checkName } from '../domain/uris.js';
import { visible } from '../db/cypher/scope.js';
import { int } from '../db/records.js';
import type { Entity } from '../loaders/index.js';
import { pageSize } from './connection.js';

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

/** The projects the token may read, in name order from the name constraint's index; at most `first`. */
export function projectsQuery(first: number | null | undefined): Query {
  return {
    cypher: `MATCH (p:Project) WHERE p.name IS NOT NULL AND ${visible('p')}
RETURN p ORDER BY p.name LIMIT $limit`,
    params: { limit: int(pageSize(first)) },
  };
}

export async function listProjects(executor: Executor, first: number | null | undefined): Promise<Entity[]> {
  return (await executor.query(projectsQuery(first))).map((r) => r.p as Entity);
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
