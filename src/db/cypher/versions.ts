import type { VersionKind } from '../../domain/versions.js';
import type { Query } from '../executor.js';
import { visible } from './scope.js';
import { NOW } from './time.js';

/** A model or dataset by project and name. */
export const ownerQuery = (kind: VersionKind, project: string, name: string): Query => ({
  cypher: `MATCH (n:${kind.owner} {project: $project, name: $name}) RETURN n`,
  params: { project, name },
});

/**
 * Versions with this URI in the token's projects, or in `project` only (a URI is unique per
 * project; naming a project pins the statement to it, so another project's is FORBIDDEN).
 */
export const versionsByUriQuery = (kind: VersionKind, uri: string, project: string | null): Query => ({
  cypher: `MATCH (n:${kind.version} {uri: $uri}) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')} RETURN n, n.project AS project`,
  params: { uri, project },
});

/** The dataset versions a version alias of that name points at (`dataset://name/latest`), per project as above. */
export const versionsByAliasQuery = (dataset: string, alias: string, project: string | null): Query => ({
  cypher: `MATCH (:VersionAlias {owner: $owner, name: $name})-[:POINTS_TO]->(n:DatasetVersion) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')} RETURN n, n.project AS project`,
  params: { owner: dataset, name: alias, project },
});

/**
 * The model or dataset, created when new, with its version counter bumped under the write
 * lock MERGE takes, so concurrent creations never share a model version number.
 */
export const bumpOwnerQuery = (kind: VersionKind, project: string, name: string, ownerId: string): Query => ({
  cypher: `MERGE (o:Entity:${kind.owner} {project: $project, name: $name})
ON CREATE SET o.id = $ownerId, o.createdAt = ${NOW}, o.versionCount = 0
SET o.versionCount = o.versionCount + 1
RETURN o.versionCount AS count`,
  params: { project, name, ownerId },
});

/** The version with this URI in the project, if it exists already. */
export const versionInProjectQuery = (kind: VersionKind, project: string, uri: string): Query => ({
  cypher: `MATCH (v:${kind.version} {project: $project, uri: $uri}) RETURN v.id AS id`,
  params: { project, uri },
});

/** A new version of the owner; a model version starts PENDING. */
export const createVersionQuery = (kind: VersionKind, v: { project: string; name: string; id: string; version: number | string; uri: string; by: string }): Query => ({
  cypher: `MATCH (o:${kind.owner} {project: $project, name: $name})
CREATE (o)-[:HAS_VERSION]->(v:Entity:${kind.version} {id: $id, project: $project, name: $name, version: $version, uri: $uri,
        createdAt: ${NOW}, createdBy: $by})
SET v.status = CASE WHEN $isModel THEN 'PENDING' ELSE null END
RETURN v`,
  params: { ...v, isModel: kind.scheme === 'model' },
});

/** A version by id. */
export const versionQuery = (kind: VersionKind, id: string): Query => ({
  cypher: `MATCH (v:${kind.version} {id: $id}) WHERE ${visible('v')} RETURN v`,
  params: { id },
});

/** The version CONTAINS each datum from now on (recorded now, once). */
export const containQuery = (kind: VersionKind, versionId: string, datumIds: string[]): Query => ({
  cypher: `MATCH (v:${kind.version} {id: $id}) WHERE ${visible('v')}
UNWIND $datumIds AS datumId MATCH (d:Datum {id: datumId}) WHERE ${visible('d')}
MERGE (v)-[c:CONTAINS]->(d)
ON CREATE SET c.at = ${NOW}`,
  params: { id: versionId, datumIds },
});

/** Each datum's project, to check that a version contains only datums of its own project. */
export const datumProjectsQuery = (ids: string[]): Query => ({
  cypher: `UNWIND $ids AS id MATCH (d:Datum {id: id}) WHERE ${visible('d')} RETURN d.id AS id, d.project AS project`,
  params: { ids },
});

export interface VersionJoinRow {
  project: string;
  datumId: string;
  ownerId: string;
  versionId: string;
  name: string;
  version: number | string;
  uri: string;
}

/**
 * `valohai.*-versions`: each row's datum joins its version, the version and its model or
 * dataset created when new; a model version named by number moves the model's counter past
 * it, so the next createModelVersion does not reuse the number. Returns each version, and
 * whether this transaction created it.
 */
export const joinVersionsQuery = (kind: VersionKind, rows: VersionJoinRow[], by: string): Query => ({
  cypher: `UNWIND $rows AS row
MERGE (o:Entity:${kind.owner} {project: row.project, name: row.name})
ON CREATE SET o.id = row.ownerId, o.createdAt = ${NOW}, o.versionCount = 0
FOREACH (_ IN CASE WHEN $isModel AND row.version > o.versionCount THEN [1] ELSE [] END | SET o.versionCount = row.version)
MERGE (v:Entity:${kind.version} {project: row.project, uri: row.uri})
ON CREATE SET v.id = row.versionId, v.name = row.name, v.version = row.version, v.createdAt = ${NOW}, v.createdBy = $by,
              v.status = CASE WHEN $isModel THEN 'PENDING' ELSE null END
MERGE (o)-[:HAS_VERSION]->(v)
WITH v, row
MATCH (d:Datum {id: row.datumId}) WHERE ${visible('d')}
MERGE (v)-[c:CONTAINS]->(d)
ON CREATE SET c.at = ${NOW}
RETURN row.project AS project, row.uri AS uri, v, v.createdAt = ${NOW} AS created`,
  params: { rows, isModel: kind.scheme === 'model', by },
});

/**
 * Version aliases: `dataset://name/latest` names whichever version the alias `latest` of
 * the dataset points at. Each row points (creating or moving) one alias of its version's
 * dataset at that version; the alias keeps who moved it last and when.
 */
export const pointVersionAliasesQuery = (rows: Array<{ versionId: string; name: string; id: string }>, by: string): Query => ({
  cypher: `UNWIND $rows AS row
MATCH (o)-[:HAS_VERSION]->(v:DatasetVersion {id: row.versionId}) WHERE ${visible('v')}
MERGE (a:VersionAlias {project: v.project, owner: o.name, name: row.name})
ON CREATE SET a.id = row.id
SET a.updatedAt = ${NOW}, a.updatedBy = $by
WITH a, v
OPTIONAL MATCH (a)-[old:POINTS_TO]->(other) WHERE other <> v
DELETE old
MERGE (a)-[:POINTS_TO]->(v)`,
  params: { rows, by },
});
