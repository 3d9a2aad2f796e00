import type { Query } from '../executor.js';
import { NOW } from './time.js';
import { visible } from './scope.js';

/** An execution with its project, by id: to check a parent or a target of inputs and outputs. */
export const executionQuery = (id: string): Query => ({
  cypher: `MATCH (e:Execution {id: $id}) WHERE ${visible('e')} RETURN e`,
  params: { id },
});

/** A new QUEUED execution in `project`, PART_OF its parent run when it names one (of the same project). */
export const createExecutionQuery = (id: string, project: string, props: Record<string, unknown>, parentId: string | null): Query => ({
  cypher: `CREATE (e:Entity:Execution {id: $id, project: $project, status: 'QUEUED', createdAt: ${NOW}})
SET e += $props
WITH e
OPTIONAL MATCH (parent:Execution {id: $parentId, project: $project})
FOREACH (p IN CASE WHEN parent IS NULL THEN [] ELSE [parent] END | CREATE (e)-[:PART_OF]->(p))
RETURN e`,
  params: { id, project, props, parentId },
});

/** The time an execution starts or ends: set once, so repeating the transition keeps the first. */
export type StatusTime = 'startedAt' | 'endedAt';

/** Moves an execution to `status`, setting `time` to now unless it is already set. */
export const setStatusQuery = (id: string, status: string, time: StatusTime): Query => ({
  cypher: `MATCH (e:Execution {id: $id}) WHERE ${visible('e')} SET e.status = $status, e.${time} = coalesce(e.${time}, ${NOW}) RETURN e`,
  params: { id, status },
});

/**
 * What an execution read: a CONSUMED_BY edge (the contract's direction, datum or version ->
 * execution) and its READ mirror (execution -> input, which lineage walks follow), one pair
 * per input name, both recorded now and keeping the alias the input came through. Each
 * row says whether its edge is new (recording the same input again changes nothing).
 */
export const recordInputsQuery = (executionId: string, edges: Array<{ id: string; inputName: string; alias: string | null }>): Query => ({
  cypher: `MATCH (e:Execution {id: $executionId}) WHERE ${visible('e')}
UNWIND $edges AS x
MATCH (n:Entity {id: x.id}) WHERE ${visible('n')}
MERGE (n)-[c:CONSUMED_BY {inputName: x.inputName}]->(e)
ON CREATE SET c.alias = x.alias, c.at = ${NOW}
MERGE (e)-[r:READ {inputName: x.inputName}]->(n)
ON CREATE SET r.alias = x.alias, r.at = ${NOW}
RETURN x.id AS id, c.at = ${NOW} AS created`,
  params: { executionId, edges },
});

/** A stored output as the write needs it: `size` as a Neo4j integer, ids made before the transaction. */
export interface StoredOutput {
  i: number;
  id: string;
  path: string;
  size: unknown;
  sha256: string;
  contentType: string | null;
}

/**
 * Stored outputs of an execution, idempotent on (path, sha256) for that execution: a file
 * already recorded is returned as it is, a new one becomes a datum PRODUCED_BY it. Each row
 * says whether it was created now.
 */
export const writeStoredOutputsQuery = (executionId: string, outputs: StoredOutput[]): Query => ({
  cypher: `MATCH (e:Execution {id: $executionId}) WHERE ${visible('e')}
UNWIND $outputs AS o
OPTIONAL MATCH (x:Datum {project: e.project, path: o.path})
  WHERE x.sha256 = o.sha256 AND (x)-[:PRODUCED_BY]->(e)
WITH e, o, head(collect(x)) AS x
FOREACH (_ IN CASE WHEN x IS NULL THEN [1] ELSE [] END |
  CREATE (d:Entity:Datum {id: o.id, project: e.project, uri: 'datum://' + o.id, path: o.path, size: o.size,
                          sha256: o.sha256, contentType: o.contentType, external: false, createdAt: ${NOW}})
  CREATE (d)-[:PRODUCED_BY {at: ${NOW}}]->(e))
WITH e, o, x IS NULL AS created
MATCH (d:Datum {project: e.project, path: o.path}) WHERE d.sha256 = o.sha256 AND (d)-[:PRODUCED_BY]->(e)
RETURN o.i AS i, head(collect(d)) AS d, created`,
  params: { executionId, outputs },
});

/**
 * External outputs (an s3:// or https:// object): the URI's unversioned datum (version '';
 * OpenLineage runs write versions of their own), merged, with the producer it already has,
 * if any (a datum has one producer). Each row says whether the datum is new to this execution.
 */
export const mergeExternalOutputsQuery = (executionId: string, outputs: Array<StoredOutput & { uri: string }>): Query => ({
  cypher: `MATCH (e:Execution {id: $executionId}) WHERE ${visible('e')}
UNWIND $outputs AS o
OPTIONAL MATCH (before:Datum {project: e.project, uri: o.uri, version: ''})
MERGE (d:Entity:Datum {project: e.project, uri: o.uri, version: ''})
ON CREATE SET d.id = o.id, d.createdAt = ${NOW}, d.external = true, d.path = o.path, d.size = o.size,
              d.sha256 = o.sha256, d.contentType = o.contentType
WITH e, o, d, before
OPTIONAL MATCH (d)-[:PRODUCED_BY]->(other:Execution)
RETURN o.i AS i, d, other.id AS producer, before IS NULL OR other IS NULL AS created`,
  params: { executionId, outputs },
});

/** Makes the execution the producer of the external datums that have none yet. */
export const claimExternalOutputsQuery = (executionId: string, uris: string[]): Query => ({
  cypher: `MATCH (e:Execution {id: $executionId}) WHERE ${visible('e')}
UNWIND $uris AS uri
MATCH (d:Datum {project: e.project, uri: uri, version: ''}) WHERE NOT (d)-[:PRODUCED_BY]->()
CREATE (d)-[:PRODUCED_BY {at: ${NOW}}]->(e)`,
  params: { executionId, uris },
});
