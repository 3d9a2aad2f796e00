import type { Query } from '../executor.js';
import { int } from '../records.js';
import { visible } from './scope.js';
import { NOW } from './time.js';

/** An alias by project and name. */
export const aliasQuery = (project: string, name: string): Query => ({
  cypher: 'MATCH (n:Alias {project: $project, name: $name}) RETURN n',
  params: { project, name },
});

/** The datum an alias points at now, read without a lock. */
export const aliasTargetQuery = (project: string, name: string): Query => ({
  cypher: 'MATCH (:Alias {project: $project, name: $name})-[:POINTS_TO]->(d:Datum) RETURN d.id AS current',
  params: { project, name },
});

/** Where an alias pointed at `asOf` (ISO time): the target of its last move at or before it. */
export const aliasTargetAsOfQuery = (aliasId: string, asOf: string): Query => ({
  cypher: `MATCH (a:Alias {id: $id})-[:MOVED]->(m:AliasMove) WHERE m.at <= datetime($asOf) AND ${visible('a')}
RETURN m.to AS target ORDER BY m.seq DESC LIMIT 1`,
  params: { id: aliasId, asOf },
});

/**
 * The first `first` executions that read through the alias (the READ edge keeps its name),
 * oldest first, optionally only while it pointed at one datum.
 */
export const aliasConsumersQuery = (project: string, name: string, pointingAt: string | null, first: number): Query => ({
  cypher: `MATCH (e:Execution)-[r:READ {alias: $name}]->(d:Datum {project: $project})
WHERE ($pointingAt IS NULL OR d.id = $pointingAt) AND ${visible('e')}
RETURN DISTINCT e ORDER BY e.createdAt, e.id LIMIT $first`,
  params: { name, project, pointingAt, first: int(first) },
});

/** Deletes an alias with its history; answers its id and where it pointed (no row: there was no such alias). */
export const deleteAliasQuery = (project: string, name: string): Query => ({
  cypher: `MATCH (a:Alias {project: $project, name: $name})
OPTIONAL MATCH (a)-[:POINTS_TO]->(d:Datum)
WITH a, a.id AS id, d.id AS target
OPTIONAL MATCH (a)-[:MOVED]->(m:AliasMove)
DETACH DELETE a, m
RETURN DISTINCT id, target`,
  params: { project, name },
});

/** Marks an alias protected or not. */
export const protectAliasQuery = (project: string, name: string, value: boolean): Query => ({
  cypher: 'MATCH (a:Alias {project: $project, name: $name}) SET a.protected = $value RETURN a',
  params: { project, name, value },
});

/** Before a move, without locking: the datum's project and where the alias points now. */
export const moveCheckQuery = (project: string, name: string, datumId: string): Query => ({
  cypher: `MATCH (d:Datum {id: $datumId}) WHERE ${visible('d')}
OPTIONAL MATCH (:Alias {project: $project, name: $name})-[:POINTS_TO]->(current:Datum)
RETURN d.project AS project, current.id AS current`,
  params: { datumId, project, name },
});

export interface AliasMoveRow {
  project: string;
  name: string;
  datumId: string;
  /** Compare-and-set: move only while the alias points here (null: whatever it points at). */
  expected: string | null;
  /** Whether the mover may move a protected alias (an approver), to a datum of an APPROVED model version. */
  mayMoveProtected: boolean;
  by: string;
  reason: string | null;
  /** The alias's id if it is created now, and the move's id. */
  id: string;
  moveId: string;
}

/**
 * One statement that locks the alias (creating it if new), checks the expectation and the
 * protection again under the lock, and moves it, keeping the move as an AliasMove (who,
 * when, from, to, why, and the alias's revision as its sequence number). It returns the
 * alias, where it pointed before, and whether the protection refused the move.
 */
export const moveAliasQuery = (move: AliasMoveRow): Query => ({
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
  CREATE (a)-[:MOVED]->(:AliasMove {id: $moveId, aliasId: a.id, project: $project, seq: a.revision, at: ${NOW}, by: $by, from: current, to: $datumId, reason: $reason})
}
RETURN a, current, refused`,
  params: { ...move },
});
