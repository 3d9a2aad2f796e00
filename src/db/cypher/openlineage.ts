import type { Query } from '../executor.js';
import { int } from '../records.js';
import { NOW } from './time.js';
import { ensureProjectQuery } from './projects.js';

/**
 * What an OpenLineage event writes (src/services/openlineage.ts runs it, one event per
 * transaction), pinned to the event's `$project`, which the executor checks against the
 * token before anything runs. Every write is keyed so that the same event applied twice, or
 * the events of one run applied in any order, end in the same graph: executions by runId,
 * datums by (project, uri, version), lineage edges by their two ends and the dataset's URI
 * (the input name), and times combine as minimum (startedAt) or maximum (endedAt, writtenAt)
 * whichever event comes first.
 */

/** A dataset an event writes or reads, as the statement takes it. */
export interface DatasetRow {
  /** Its index in the event's list, echoed back. */
  i: number;
  uri: string;
  path: string;
  /** Outputs: the version key (version facet, else the run id). Inputs: the version facet, or null. */
  version: string | null;
  /** The id of the datum when this statement creates it. */
  id: string;
  size?: unknown;
}

/** What the statement needs of a RunEvent (see RunPlan). */
export interface RunRow {
  project: string;
  /** The project node's id, should this event be the project's first write. */
  projectId: string;
  runId: string;
  name: string;
  /** The event time, ISO. */
  at: string;
  starting: boolean;
  final: string | null;
  pipeline: boolean;
  parentId: string | null;
  parentName: string | null;
  repository: string | null;
  commit: string | null;
  by: string;
  outputs: DatasetRow[];
  inputs: DatasetRow[];
}

/** Terminal statuses by precedence, for two terminal events at the same instant: the gloomier wins (others rank 0). */
const FINAL_RANK: Record<string, number> = { COMPLETED: 1, STOPPED: 2, FAILED: 3 };

/**
 * The run as an Execution, created on its first event (QUEUED, a STEP) and moved by each
 * one: START/RUNNING makes a QUEUED or RUNNING run RUNNING and sets startedAt to the
 * earliest such event's time; a terminal event ends it unless a later terminal event
 * already did (a late START or RUNNING never reopens it). Repository and commit come from
 * the newest event that gives a source code location (`sourceAt` is its time), so an older
 * event arriving late does not overwrite them. With a parent, the parent run is merged (a
 * QUEUED PIPELINE named after its job when new, a STEP becomes a PIPELINE) and the run is
 * made PART_OF it, unless it is already a step of another run. No row when the run id
 * belongs to another project; `was` is the execution before this event (null when new).
 */
const RUN = `OPTIONAL MATCH (old:Execution {id: $runId, project: $project})
WITH old {.status, .startedAt, .endedAt, .repository, .commit} AS was
MERGE (e:Entity:Execution {id: $runId})
ON CREATE SET e.project = $project, e.name = $name, e.kind = 'STEP', e.status = 'QUEUED', e.attempt = 1, e.createdAt = ${NOW}, e.createdBy = $by
WITH e, was, datetime($at) AS at
WHERE e.project = $project
WITH e, was, at, coalesce($ranks[e.status], 0) AS rank
WITH e, was, at, rank,
     $final IS NOT NULL AND (rank = 0 OR e.endedAt IS NULL OR at > e.endedAt OR (at = e.endedAt AND $ranks[$final] > rank)) AS ends,
     // two sources at one instant: the larger text wins, whichever came first
     ($repository IS NOT NULL OR $commit IS NOT NULL) AND (e.sourceAt IS NULL OR at > e.sourceAt
       OR (at = e.sourceAt AND coalesce($commit, '') + ' ' + coalesce($repository, '') > coalesce(e.commit, '') + ' ' + coalesce(e.repository, ''))) AS newer
SET e.status = CASE WHEN ends THEN $final WHEN $starting AND rank = 0 THEN 'RUNNING' ELSE e.status END,
    e.endedAt = CASE WHEN ends THEN at ELSE e.endedAt END,
    e.startedAt = CASE WHEN $starting AND (e.startedAt IS NULL OR at < e.startedAt) THEN at ELSE e.startedAt END,
    e.kind = CASE WHEN $pipeline AND e.kind = 'STEP' THEN 'PIPELINE' ELSE e.kind END,
    e.repository = CASE WHEN newer THEN $repository ELSE e.repository END,
    e.commit = CASE WHEN newer THEN $commit ELSE e.commit END,
    e.sourceAt = CASE WHEN newer THEN at ELSE e.sourceAt END
WITH e, was
OPTIONAL CALL (e) {
  WITH * WHERE $parentId IS NOT NULL
  MERGE (p:Entity:Execution {id: $parentId})
  ON CREATE SET p.project = $project, p.name = $parentName, p.kind = 'PIPELINE', p.status = 'QUEUED', p.attempt = 1, p.createdAt = ${NOW}, p.createdBy = $by
  WITH e, p WHERE p.project = $project AND NOT EXISTS { (e)-[:PART_OF]->(other:Execution) WHERE other <> p }
  // Sibling steps name their parent at once: it is written only when it changes, and the
  // edge is created where missing (this run's events hold its lock) rather than merged,
  // which would lock the parent until commit.
  FOREACH (_ IN CASE WHEN p.kind = 'STEP' THEN [1] ELSE [] END | SET p.kind = 'PIPELINE')
  FOREACH (_ IN CASE WHEN EXISTS { (e)-[:PART_OF]->(p) } THEN [] ELSE [1] END | CREATE (e)-[:PART_OF]->(p))
  RETURN p.id AS parent
}`;

/**
 * What the run wrote: one datum per (project, uri, version key), immutable once written and
 * produced by the run that wrote it (a datum has one producer: a version another run
 * already produced stays theirs, and `producer` names that run). `writtenAt` is the latest
 * event time at which its run reported it, which decides which version is current when.
 * `created` says whether the PRODUCED_BY edge is new (lineage recorded).
 */
const OUTPUTS = `CALL (e) {
  UNWIND $outputs AS o
  WITH e, o, datetime($at) AS at
  MERGE (d:Entity:Datum {project: $project, uri: o.uri, version: o.version})
  ON CREATE SET d.id = o.id, d.external = true, d.path = o.path, d.createdAt = ${NOW}
  WITH e, o, at, d
  OPTIONAL MATCH (d)-[:PRODUCED_BY]->(other:Execution)
  WITH e, o, at, d, other, other IS NULL OR other = e AS ours
  FOREACH (_ IN CASE WHEN other IS NULL THEN [1] ELSE [] END | CREATE (d)-[:PRODUCED_BY {at: ${NOW}}]->(e))
  SET d.writtenAt = CASE WHEN ours AND (d.writtenAt IS NULL OR at > d.writtenAt) THEN at ELSE d.writtenAt END,
      d.size = CASE WHEN ours AND o.size IS NOT NULL THEN o.size ELSE d.size END
  RETURN collect({i: o.i, id: d.id, created: other IS NULL, producer: CASE WHEN ours THEN null ELSE other.id END}) AS written
}`;

/**
 * What the run read, version-exact: the version the input's `version` facet names, else
 * the newest version of the URI written by the event's time (not by the run itself), else
 * the URI's unversioned datum; a version named that does not exist yet, and the unversioned
 * datum, are created without a producer. Each input is one CONSUMED_BY edge (input name =
 * the URI) with its READ mirror. Events of one run may list an input several times: the
 * link follows the best reading, a named version over a resolved one, then the earliest
 * event, and is moved when a better reading arrives, so the order events arrive in does not
 * change what the run read. `read` gives the datum linked now and whether the edge is new.
 */
const INPUTS = `CALL (e) {
  UNWIND $inputs AS i
  WITH e, i, datetime($at) AS at
  OPTIONAL MATCH (linked:Datum)-[c:CONSUMED_BY {inputName: i.uri}]->(e)
  WITH e, i, at, linked, c,
       c IS NULL OR (c.readAt IS NOT NULL AND ((i.version IS NOT NULL AND NOT c.byVersion)
         OR ((i.version IS NOT NULL) = c.byVersion AND at < c.readAt))) AS better
  OPTIONAL CALL (e, i, at, better) {
    WITH * WHERE better
    MATCH (v:Datum {project: $project, uri: i.uri})
    WHERE CASE WHEN i.version IS NULL THEN v.writtenAt <= at AND NOT EXISTS { (v)-[:PRODUCED_BY]->(e) } ELSE v.version = i.version END
    RETURN v ORDER BY v.writtenAt DESC LIMIT 1
  }
  OPTIONAL CALL (i, better, v) {
    WITH * WHERE better AND v IS NULL
    MERGE (b:Entity:Datum {project: $project, uri: i.uri, version: coalesce(i.version, '')})
    ON CREATE SET b.id = i.id, b.external = true, b.path = i.path, b.createdAt = ${NOW}
    RETURN b
  }
  WITH e, i, at, linked, c, better, coalesce(v, b) AS d
  CALL (e, i, linked, c, d, better) {
    WITH * WHERE better AND c IS NOT NULL AND linked <> d
    OPTIONAL MATCH (e)-[r:READ {inputName: i.uri}]->(linked)
    DELETE c, r
  }
  // The run's events write one at a time (each holds the execution's lock, taken when its
  // status was set), so an edge this one does not see does not exist: CREATE, not MERGE,
  // which would lock the datum until commit, a hub every run of a pipeline may read.
  OPTIONAL CALL (e, i, at, d, better) {
    WITH * WHERE better
    OPTIONAL MATCH (d)-[n:CONSUMED_BY {inputName: i.uri}]->(e)
    FOREACH (_ IN CASE WHEN n IS NULL THEN [1] ELSE [] END |
      CREATE (d)-[:CONSUMED_BY {inputName: i.uri, at: ${NOW}, byVersion: i.version IS NOT NULL, readAt: at}]->(e)
      CREATE (e)-[:READ {inputName: i.uri, at: ${NOW}}]->(d))
    SET n.byVersion = i.version IS NOT NULL, n.readAt = at
    RETURN n IS NULL AS created
  }
  RETURN collect({i: i.i, id: coalesce(d, linked).id, created: coalesce(created, false)}) AS read
}`;

/**
 * A RunEvent, in one statement: the project (created by its first write), the run, what it
 * wrote, what it read. Rows: none when the run id belongs to another project; else one, with
 * the execution `e`, what it `was`, its `parent`, and the datums `written` and `read`.
 */
export const recordRunQuery = (r: RunRow): Query => {
  const project = ensureProjectQuery(r.project, r.projectId);
  return {
    cypher: `CALL () {
${project.cypher}
}
${RUN}
${OUTPUTS}
${INPUTS}
RETURN e, was, parent, written, read`,
    params: { ...project.params, ...r, ranks: Object.fromEntries(Object.entries(FINAL_RANK).map(([status, rank]) => [status, int(rank)])) },
  };
};

/**
 * The current value of each (target, name) among the event's nodes, with the time of the
 * event that gave it (`eventAt`, null for a value logged otherwise): facet values follow the
 * newest event, whichever order events arrive in.
 */
export const facetValuesQuery = (project: string, pairs: Array<{ target: string; name: string }>): Query => ({
  cypher: `UNWIND $pairs AS pair
MATCH (n:Entity {id: pair.target, project: $project})<-[:DESCRIBES]-(c:Current {name: pair.name})
RETURN pair.target AS target, pair.name AS name, c.type AS type, c.value AS value, c.eventAt AS eventAt`,
  params: { project, pairs },
});

/** Marks the current values just written from an event with that event's time (see facetValuesQuery). */
export const stampFacetValuesQuery = (project: string, at: string, pairs: Array<{ target: string; name: string }>): Query => ({
  cypher: `UNWIND $pairs AS pair
MATCH (n:Entity {id: pair.target, project: $project})<-[:DESCRIBES]-(c:Current {name: pair.name})
SET c.eventAt = datetime($at)`,
  params: { project, at, pairs },
});

/** The id of a project's node (a JobEvent's facets are its metadata). */
export const projectNodeQuery = (project: string): Query => ({
  cypher: 'MATCH (p:Project {name: $project}) RETURN p.id AS id',
  params: { project },
});
