import { randomUUID } from 'node:crypto';
import type { Executor, Tx } from '../db/executor.js';
import { NOW } from '../db/cypher/time.js';
import { badInput, conflict, forbidden, notFound } from '../domain/errors.js';
import { requireRole } from '../access/roles.js';
import { checkName } from '../domain/uris.js';
import { optionalText } from '../domain/validation.js';
import type { Entity } from '../loaders/index.js';
import type { Principal } from '../access/roles.js';
import { ensureProject } from './projects.js';
import { visible } from '../db/cypher/scope.js';

export interface SetAliasInput {
  project: string;
  name: string;
  datumId: string;
  expectedDatumId?: string | null;
  reason?: string | null;
}

/**
 * Aliases are mutable, per-project pointers to immutable datums (`datum://model-prod`).
 * Every move is kept as an AliasMove (who, when, from, to, why) in the same transaction.
 */
export class AliasService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
  ) {}

  get(project: string, name: string): Promise<Entity | null> {
    return this.executor
      .query({ cypher: 'MATCH (n:Alias {project: $project, name: $name}) RETURN n', params: { project, name } })
      .then((rows) => rows[0]?.n ?? null);
  }

  /**
   * Points the alias at a datum of the same project, creating it if new. With
   * `expectedDatumId` the move is compare-and-set (see `moveAlias`).
   */
  set(input: SetAliasInput): Promise<Entity> {
    checkName('name', input.name);
    const reason = optionalText('reason', input.reason, 1024);
    return this.executor.write(async (tx) => {
      await ensureProject(tx, input.project);
      return moveAlias(tx, { ...input, reason }, this.principal);
    });
  }

  /** Where the alias pointed at `asOf`: the target of the last move at or before it. */
  targetAsOf(aliasId: string, asOf: string): Promise<string | null> {
    return this.executor
      .query({
        cypher: `MATCH (a:Alias {id: $id})-[:MOVED]->(m:AliasMove) WHERE m.at <= datetime($asOf) AND ${visible('a')}
RETURN m.to AS target ORDER BY m.seq DESC LIMIT 1`,
        params: { id: aliasId, asOf },
      })
      .then((rows) => rows[0]?.target ?? null);
  }

  /** Executions that read through the alias, optionally only while it pointed at one datum. */
  consumers(alias: Entity, pointingAt?: string | null): Promise<Entity[]> {
    return this.executor
      .query({
        cypher: `MATCH (e:Execution)-[r:READ {alias: $name}]->(d:Datum {project: $project})
WHERE ($pointingAt IS NULL OR d.id = $pointingAt) AND ${visible('e')}
RETURN DISTINCT e ORDER BY e.createdAt, e.id`,
        params: { name: alias.name, project: alias.project, pointingAt: pointingAt ?? null },
      })
      .then((rows) => rows.map((r) => r.e as Entity));
  }

  protect(project: string, name: string, value: boolean): Promise<Entity> {
    return this.executor.write((tx) => protectAlias(tx, project, name, value));
  }

  delete(project: string, name: string): Promise<boolean> {
    return this.executor.write(async (tx) => {
      const rows = await tx.run({
        cypher: 'MATCH (a:Alias {project: $project, name: $name}) OPTIONAL MATCH (a)-[:MOVED]->(m:AliasMove) DETACH DELETE a, m RETURN count(*) AS n',
        params: { project, name },
      });
      if (!rows.length || rows[0].n === 0) throw notFound(`Alias in project '${project}'`, name);
      return true;
    });
  }
}

/**
 * Moves an alias inside the caller's transaction. The alias node is locked before its
 * target is read, so of concurrent compare-and-set moves from the same state exactly
 * one wins; the move is kept as an AliasMove (who, when, from, to, why).
 */
export async function moveAlias(tx: Tx, input: SetAliasInput, principal: Principal): Promise<Entity> {
  const [datum] = await tx.run({ cypher: `MATCH (d:Datum {id: $id}) WHERE ${visible('d')} RETURN d.project AS project`, params: { id: input.datumId } });
  if (!datum) throw notFound('Datum', input.datumId, { field: 'datumId' });
  if (datum.project !== input.project) {
    throw badInput(`datumId '${input.datumId}' is in project '${datum.project}'; an alias of '${input.project}' points within its project`, { field: 'datumId' });
  }
  const [locked] = await tx.run({
    cypher: `MERGE (a:Entity:Alias {project: $project, name: $name})
ON CREATE SET a.id = $id, a.protected = false, a.createdAt = ${NOW}
SET a.revision = coalesce(a.revision, 0) + 1
WITH a
OPTIONAL MATCH (a)-[:POINTS_TO]->(old:Datum)
RETURN old.id AS current, a.protected AS protected`,
    params: { project: input.project, name: input.name, id: randomUUID() },
  });
  const current: string | null = locked.current;
  if (locked.protected) await requireApprovedMove(tx, input, principal);
  if (input.expectedDatumId !== undefined && input.expectedDatumId !== null && input.expectedDatumId !== current) {
    throw conflict(
      `Alias '${input.name}' points to ${current ? `'${current}'` : 'nothing'}, not the expected '${input.expectedDatumId}'; read it again and retry`,
      { field: 'expectedDatumId', current },
    );
  }
  if (current === input.datumId) {
    // already there: nothing moves, so nothing is added to the history
    const [same] = await tx.run({ cypher: 'MATCH (a:Alias {project: $project, name: $name}) RETURN a', params: { project: input.project, name: input.name } });
    return same.a as Entity;
  }
  const [row] = await tx.run({
    cypher: `MATCH (a:Alias {project: $project, name: $name})
MATCH (d:Datum {id: $datumId})
OPTIONAL MATCH (a)-[old:POINTS_TO]->(:Datum)
DELETE old
CREATE (a)-[:POINTS_TO]->(d)
SET a.updatedAt = ${NOW}, a.updatedBy = $by
CREATE (a)-[:MOVED]->(:AliasMove {id: $moveId, project: $project, seq: a.revision, at: ${NOW}, by: $by, from: $from, to: $datumId, reason: $reason})
RETURN a`,
    params: { project: input.project, name: input.name, datumId: input.datumId, by: principal.name, from: current, reason: input.reason ?? null, moveId: randomUUID() },
  });
  return row.a as Entity;
}

/**
 * A protected alias moves only by an approver (or admin), and only to a datum contained in
 * an APPROVED model version: production pointers follow the approval workflow.
 */
async function requireApprovedMove(tx: Tx, input: SetAliasInput, principal: Principal): Promise<void> {
  requireRole(principal, 'approver', `Moving the protected alias '${input.name}'`);
  const [approved] = await tx.run({
    cypher: `MATCH (v:ModelVersion {status: 'APPROVED'})-[:CONTAINS]->(d:Datum {id: $id}) WHERE ${visible('v')} RETURN d.id AS id LIMIT 1`,
    params: { id: input.datumId },
  });
  if (!approved) {
    throw forbidden(`The protected alias '${input.name}' may point only to a datum of an APPROVED model version; '${input.datumId}' is in none`, { field: 'datumId' });
  }
}

/** Marks an alias protected or not (admin). */
export async function protectAlias(tx: Tx, project: string, name: string, value: boolean): Promise<Entity> {
  const [row] = await tx.run({ cypher: 'MATCH (a:Alias {project: $project, name: $name}) SET a.protected = $value RETURN a', params: { project, name, value } });
  if (!row) throw notFound(`Alias in project '${project}'`, name);
  return row.a as Entity;
}
