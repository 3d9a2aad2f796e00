import { randomUUID } from 'node:crypto';
import type { Executor, Tx } from '../db/executor.js';
import type { Entity } from '../db/records.js';
import { ensureProjectQuery, projectsQuery } from '../db/cypher/projects.js';
import { lockNodeQuery } from '../db/cypher/nodes.js';
import { checkName } from '../domain/uris.js';
import { pageSize } from './connection.js';

/** Makes sure the project exists (a project is created by its first write). */
export async function ensureProject(tx: Tx, project: string): Promise<void> {
  await tx.run(ensureProjectQuery(checkName('project', project), randomUUID()));
}

export async function listProjects(executor: Executor, first: number | null | undefined): Promise<Entity[]> {
  return (await executor.query(projectsQuery(pageSize(first)))).map((r) => r.p as Entity);
}

/** Locks a node of `label` (see lockNodeQuery) and returns it, or null. */
export async function lockNode(tx: Tx, label: string, id: string): Promise<Entity | null> {
  const rows = await tx.run(lockNodeQuery(label, id));
  return rows[0]?.n ?? null;
}
