import type { Query } from '../executor.js';
import { visible } from './scope.js';
import { NOW } from './time.js';

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

/** External objects (s3://, https://) read as inputs: one external datum per URI and project, created the first time. */
export const mergeExternalInputsQuery = (project: string, rows: Array<{ uri: string; id: string; path: string }>): Query => ({
  cypher: `UNWIND $rows AS row
MERGE (d:Entity:Datum {project: $project, uri: row.uri})
ON CREATE SET d.id = row.id, d.external = true, d.path = row.path, d.createdAt = ${NOW}
RETURN row.uri AS uri, d`,
  params: { project, rows },
});
