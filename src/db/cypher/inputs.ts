import type { Query } from '../executor.js';
import { visible } from './scope.js';
import { NOW } from './time.js';
import { NEWEST_VERSION_FIRST } from './datums.js';

/** Datums by id, in the token's projects. */
export const datumsByIdQuery = (ids: string[]): Query => ({
  cypher: `UNWIND $ids AS id MATCH (d:Datum {id: id}) WHERE ${visible('d')} RETURN d`,
  params: { ids },
});

/** The datum each alias of the project points at now. */
export const aliasTargetsQuery = (project: string, names: string[]): Query => ({
  cypher: 'UNWIND $names AS name MATCH (:Alias {project: $project, name: name})-[:POINTS_TO]->(d:Datum) RETURN name, d',
  params: { project, names },
});

/**
 * Model and dataset versions of the project by URI. A dataset URI whose version part names
 * no version may name a version alias (`dataset://name/latest`); a version of that name wins
 * over an alias of the same name, and `viaAlias` says which one answered.
 */
export const versionsForInputsQuery = (project: string, lookups: Array<{ uri: string; owner: string | null; name: string | null }>): Query => ({
  cypher: `UNWIND $lookups AS l
CALL {
  WITH l MATCH (v:ModelVersion {project: $project, uri: l.uri}) RETURN v, 0 AS viaAlias
  UNION
  WITH l MATCH (v:DatasetVersion {project: $project, uri: l.uri}) RETURN v, 0 AS viaAlias
  UNION
  WITH l MATCH (:VersionAlias {project: $project, owner: l.owner, name: l.name})-[:POINTS_TO]->(v:DatasetVersion) RETURN v, 1 AS viaAlias
}
WITH l, v, viaAlias ORDER BY viaAlias
RETURN l.uri AS uri, head(collect(v)) AS v, min(viaAlias) = 1 AS viaAlias`,
  params: { project, lookups },
});

/**
 * External objects (s3://, https://) read as inputs: the newest version of the URI in the
 * project (see NEWEST_VERSION_FIRST), else its unversioned datum, created the first time.
 */
export const mergeExternalInputsQuery = (project: string, rows: Array<{ uri: string; id: string; path: string }>): Query => ({
  cypher: `UNWIND $rows AS row
OPTIONAL CALL (row) {
  MATCH (v:Datum {project: $project, uri: row.uri})
  RETURN v ORDER BY ${NEWEST_VERSION_FIRST('v')} LIMIT 1
}
OPTIONAL CALL (row, v) {
  WITH * WHERE v IS NULL
  MERGE (d:Entity:Datum {project: $project, uri: row.uri, version: ''})
  ON CREATE SET d.id = row.id, d.external = true, d.path = row.path, d.createdAt = ${NOW}
  RETURN d
}
RETURN row.uri AS uri, coalesce(v, d) AS d`,
  params: { project, rows },
});
