import { randomUUID } from 'node:crypto';
import type { Executor, Tx } from '../db/executor.js';
import { NOW } from '../db/cypher/time.js';
import { badInput, conflict, forbidden, notFound } from '../domain/errors.js';
import { hasRole, requireRole } from '../access/roles.js';
import { checkName } from '../domain/uris.js';
import { optionalText } from '../domain/validation.js';
import type { Entity } from '../loaders/index.js';
import type { Principal } from '../access/roles.js';
import { ensureProject } from './projects.js';
import { KeyedGate } from '../domain/gate.js';
import { visible } from '../db/cypher/scope.js';

export interface SetAliasInput {
  project: string;
  name: string;
  datumId: string;
  expectedDatumId?: string | null;
  reason?: string | null;
}

/**
 * Moves of one alias through this process, one at a time: Neo4j's lock waiters spin, so
 * sixteen moves queued on one alias's lock starve its holder of CPU on a small machine
 * and the tail reaches seconds. The database lock still decides between processes.
 */
const moves = new KeyedGate();

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
    const expected = input.expectedDatumId ?? null;
    const move = () =>
      this.executor.write(async (tx) => {
        await ensureProject(tx, input.project);
        return moveAlias(tx, { ...input, reason }, this.principal);
      });
    // After waiting for another move of the alias, an expectation it made stale is refused
    // from a plain read, without opening a transaction or queueing for the alias's lock.
    const recheck = async () => {
      if (expected === null) return;
      const [row] = await this.executor.query({
        cypher: 'MATCH (:Alias {project: $project, name: $name})-[:POINTS_TO]->(d:Datum) RETURN d.id AS current',
        params: { project: input.project, name: input.name },
      });
      const current: string | null = row?.current ?? null;
      if (current !== expected) throw staleExpectation(input.name, expected, current);
    };
    return moves.run(`${input.project}\u0000${input.name}`, move, recheck);
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
 * Moves an alias inside the caller's transaction; with `expectedDatumId`, only if the
 * alias still points there (compare-and-set), CONFLICT otherwise. The move is kept as an
 * AliasMove (who, when, from, to, why).
 *
 * Concurrent moves of one alias serialise on its lock, so the lock is held for as little
 * as possible: a first statement reads without locking and refuses an expectation that
 * is already stale (a refused compare-and-set is correct as of that read), then a single
 * statement locks the alias, checks again under the lock and moves it, leaving only the
 * commit between taking the lock and releasing it.
 */
export async function moveAlias(tx: Tx, input: SetAliasInput, principal: Principal): Promise<Entity> {
  const expected = input.expectedDatumId ?? null;
  const [seen] = await tx.run({
    cypher: `MATCH (d:Datum {id: $datumId}) WHERE ${visible('d')}
OPTIONAL MATCH (:Alias {project: $project, name: $name})-[:POINTS_TO]->(current:Datum)
RETURN d.project AS project, current.id AS current`,
    params: { datumId: input.datumId, project: input.project, name: input.name },
  });
  if (!seen) throw notFound('Datum', input.datumId, { field: 'datumId' });
  if (seen.project !== input.project) {
    throw badInput(`datumId '${input.datumId}' is in project '${seen.project}'; an alias of '${input.project}' points within its project`, { field: 'datumId' });
  }
  if (expected !== null && expected !== seen.current) throw staleExpectation(input.name, expected, seen.current);
  // A protected alias moves only by an approver (or admin), and only to a datum of an
  // APPROVED model version: production pointers follow the approval workflow.
  const mayMoveProtected = hasRole(principal, 'approver');
  const [row] = await tx.run({
    cypher: `MERGE (a:Entity:Alias {project: $project, name: $name})
ON CREATE SET a.id = $id, a.protected = false, a.createdAt = ${NOW}
SET a.revision = coalesce(a.revision, 0) + 1
WITH a
OPTIONAL MATCH (a)-[old:POINTS_TO]->(was:Datum)
WITH a, old, was.id AS current,
  a.protected AND NOT ($mayMoveProtected AND EXISTS {
    MATCH (v:ModelVersion {status: 'APPROVED'})-[:CONTAINS]->(:Datum {id: $datumId}) WHERE ${visible('v')}
  }) AS refused
CALL {
  WITH a, old, current, refused
  WITH a, old, current WHERE NOT refused AND ($expected IS NULL OR current = $expected) AND (current IS NULL OR current <> $datumId)
  MATCH (d:Datum {id: $datumId})
  DELETE old
  CREATE (a)-[:POINTS_TO]->(d)
  SET a.updatedAt = ${NOW}, a.updatedBy = $by
  CREATE (a)-[:MOVED]->(:AliasMove {id: $moveId, project: $project, seq: a.revision, at: ${NOW}, by: $by, from: current, to: $datumId, reason: $reason})
}
RETURN a, current, refused`,
    params: {
      project: input.project,
      name: input.name,
      datumId: input.datumId,
      expected,
      mayMoveProtected,
      by: principal.name,
      reason: input.reason ?? null,
      id: randomUUID(),
      moveId: randomUUID(),
    },
  });
  // Refusals are thrown, which rolls the transaction back: the revision bump included.
  if (row.refused) {
    requireRole(principal, 'approver', `Moving the protected alias '${input.name}'`);
    throw forbidden(`The protected alias '${input.name}' may point only to a datum of an APPROVED model version; '${input.datumId}' is in none`, { field: 'datumId' });
  }
  if (expected !== null && expected !== row.current) throw staleExpectation(input.name, expected, row.current);
  return row.a as Entity;
}

const staleExpectation = (name: string, expected: string, current: string | null) =>
  conflict(`Alias '${name}' points to ${current ? `'${current}'` : 'nothing'}, not the expected '${expected}'; read it again and retry`, { field: 'expectedDatumId', current });

/** Marks an alias protected or not (admin). */
export async function protectAlias(tx: Tx, project: string, name: string, value: boolean): Promise<Entity> {
  const [row] = await tx.run({ cypher: 'MATCH (a:Alias {project: $project, name: $name}) SET a.protected = $value RETURN a', params: { project, name, value } });
  if (!row) throw notFound(`Alias in project '${project}'`, name);
  return row.a as Entity;
}
