import { randomUUID } from 'node:crypto';
import type { Executor, Query, Tx } from '../db/executor.js';
import { NOW } from '../db/cypher/time.js';
import { badInput, conflict, notFound } from '../domain/errors.js';
import { checkName, datasetVersionUri, modelVersionUri, parseRef } from '../domain/uris.js';
import { checkBatch } from '../domain/validation.js';
import type { Entity } from '../loaders/index.js';
import { findInProject } from './datums.js';
import type { Principal } from '../access/roles.js';
import { ensureProject } from './projects.js';
import { visible } from '../db/cypher/scope.js';
import type { VersionJoin } from '../metadata/rules.js';
import { tagRowsQuery } from './tags.js';

/**
 * Models and datasets are the same shape: a named container with versions that contain
 * datums. Models number their versions (model://fraud/3) and carry an approval status;
 * datasets name theirs (dataset://big-data/processed).
 */
export interface VersionKind {
  owner: 'Model' | 'Dataset';
  version: 'ModelVersion' | 'DatasetVersion';
  scheme: 'model' | 'dataset';
}

export const MODEL: VersionKind = { owner: 'Model', version: 'ModelVersion', scheme: 'model' };
export const DATASET: VersionKind = { owner: 'Dataset', version: 'DatasetVersion', scheme: 'dataset' };

export class VersionService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
    private readonly kind: VersionKind,
  ) {}

  getOwner(project: string, name: string): Promise<Entity | null> {
    return this.executor
      .query({ cypher: `MATCH (n:${this.kind.owner} {project: $project, name: $name}) RETURN n`, params: { project, name } })
      .then((rows) => rows[0]?.n ?? null);
  }

  /** A version by `model://name/3` / `dataset://name/v2`; `project` is needed only where the URI exists in several. */
  async findByUri(uri: string, project?: string | null): Promise<Entity | null> {
    const ref = parseRef(uri, 'uri');
    if (ref.kind !== 'modelVersion' && ref.kind !== 'datasetVersion') {
      throw badInput(`uri must look like ${this.kind.scheme}://<name>/<version>, got '${uri}'`, { field: 'uri' });
    }
    if ((ref.kind === 'modelVersion') !== (this.kind.scheme === 'model')) return null;
    const version = await findInProject(
      this.executor,
      `MATCH (n:${this.kind.version} {uri: $uri}) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')} RETURN n, n.project AS project`,
      { uri },
      `${this.kind.version} '${uri}'`,
      project,
    );
    if (version || ref.kind !== 'datasetVersion') return version;
    // no version of that name: `dataset://name/latest` may be a version alias
    return findInProject(
      this.executor,
      `MATCH (:VersionAlias {owner: $owner, name: $name})-[:POINTS_TO]->(n:DatasetVersion) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')} RETURN n, n.project AS project`,
      { owner: ref.dataset, name: ref.version },
      `Version alias '${uri}'`,
      project,
    );
  }

  /**
   * A new version of a model (numbered next, under a lock on the model so concurrent
   * creations never share a number) or of a dataset (named by the caller, once).
   */
  create(project: string, name: string, datumIds: string[], datasetVersion?: string | null): Promise<Entity> {
    checkName(this.kind.scheme, name);
    checkBatch('datumIds', datumIds, 0);
    if (this.kind === DATASET) checkName('version', datasetVersion ?? '');
    const ids = { owner: randomUUID(), version: randomUUID() };
    return this.executor.write(async (tx) => {
      await ensureProject(tx, project);
      await this.requireDatums(tx, project, datumIds);
      const [owner] = await tx.run({
        cypher: `MERGE (o:Entity:${this.kind.owner} {project: $project, name: $name})
ON CREATE SET o.id = $ownerId, o.createdAt = ${NOW}, o.versionCount = 0
SET o.versionCount = o.versionCount + 1
RETURN o.versionCount AS count`,
        params: { project, name, ownerId: ids.owner },
      });
      const version = this.kind === MODEL ? owner.count : datasetVersion!;
      const uri = this.kind === MODEL ? modelVersionUri(name, version) : datasetVersionUri(name, version);
      const [exists] = await tx.run({ cypher: `MATCH (v:${this.kind.version} {project: $project, uri: $uri}) RETURN v.id AS id`, params: { project, uri } });
      if (exists) throw conflict(`${uri} already exists in project '${project}'; versions are immutable, add datums with addToDatasetVersion or choose a new version name`, { field: 'version' });
      const [row] = await tx.run({
        cypher: `MATCH (o:${this.kind.owner} {project: $project, name: $name})
CREATE (o)-[:HAS_VERSION]->(v:Entity:${this.kind.version} {id: $id, project: $project, name: $name, version: $version, uri: $uri,
        createdAt: ${NOW}, createdBy: $by})
SET v.status = CASE WHEN $isModel THEN 'PENDING' ELSE null END
RETURN v`,
        params: { project, name, id: ids.version, version, uri, by: this.principal.name, isModel: this.kind === MODEL },
      });
      await this.contain(tx, ids.version, datumIds);
      return row.v as Entity;
    });
  }

  /** Adds datums to an existing dataset version (a version grows while it is being assembled). */
  addDatums(versionId: string, datumIds: string[]): Promise<Entity> {
    checkBatch('datumIds', datumIds);
    return this.executor.write(async (tx) => {
      const [found] = await tx.run({ cypher: `MATCH (v:${this.kind.version} {id: $id}) WHERE ${visible('v')} RETURN v`, params: { id: versionId } });
      if (!found) throw notFound(this.kind.version, versionId);
      await this.requireDatums(tx, found.v.project, datumIds);
      await this.contain(tx, versionId, datumIds);
      return found.v as Entity;
    });
  }

  private async contain(tx: Tx, versionId: string, datumIds: string[]): Promise<void> {
    if (!datumIds.length) return;
    await tx.run({
      cypher: `MATCH (v:${this.kind.version} {id: $id}) WHERE ${visible('v')}
UNWIND $datumIds AS datumId MATCH (d:Datum {id: datumId}) WHERE ${visible('d')}
MERGE (v)-[c:CONTAINS]->(d)
ON CREATE SET c.at = ${NOW}`,
      params: { id: versionId, datumIds },
    });
  }

  /** Every datum must exist and belong to the version's project. */
  private async requireDatums(tx: Tx, project: string, datumIds: string[]): Promise<void> {
    if (!datumIds.length) return;
    const rows = await tx.run({ cypher: `UNWIND $ids AS id MATCH (d:Datum {id: id}) WHERE ${visible('d')} RETURN d.id AS id, d.project AS project`, params: { ids: datumIds } });
    const projectOf = new Map(rows.map((r) => [r.id as string, r.project as string]));
    datumIds.forEach((id, i) => {
      const p = projectOf.get(id);
      if (!p) throw notFound('Datum', id, { field: `datumIds.${i}` });
      if (p !== project) throw badInput(`datumIds.${i} '${id}' is in project '${p}', not '${project}'`, { field: `datumIds.${i}` });
    });
  }
}

/**
 * `valohai.dataset-versions` / `valohai.model-versions`: each datum joins the versions its
 * row names, created (with their model or dataset) when new; one statement per kind for
 * all rows. A model version named by number moves the model's counter past it, so the
 * next createModelVersion does not reuse the number. Valohai's object form also tags the
 * version and points version aliases (`dataset://name/latest`) at it.
 */
export async function joinVersions(tx: Tx, joins: Array<{ project: string; datumId: string; versions: VersionJoin[] }>, principal: Principal): Promise<void> {
  const rows = joins.flatMap(({ project, datumId, versions }) =>
    versions.map(({ uri }) => {
      const ref = parseRef(uri, 'uri');
      const base = { project, datumId, ownerId: randomUUID(), versionId: randomUUID() };
      if (ref.kind === 'modelVersion') return { ...base, kind: MODEL, name: ref.model, version: ref.version as number | string, uri: modelVersionUri(ref.model, ref.version) };
      if (ref.kind === 'datasetVersion') return { ...base, kind: DATASET, name: ref.dataset, version: ref.version as number | string, uri: datasetVersionUri(ref.dataset, ref.version) };
      throw badInput(`'${uri}' is not a model:// or dataset:// version URI`, { field: 'uri' });
    }),
  );
  const idOf = new Map<string, string>();
  for (const kind of [MODEL, DATASET]) {
    const batch = rows.filter((r) => r.kind === kind).map(({ kind: _, ...row }) => row);
    if (!batch.length) continue;
    const merged = await tx.run({
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
RETURN row.project AS project, row.uri AS uri, v.id AS id`,
      params: { rows: batch, isModel: kind === MODEL, by: principal.name },
    });
    for (const r of merged) idOf.set(`${r.project}\0${r.uri}`, r.id);
  }
  const extras = joins.flatMap(({ project, versions }) =>
    versions.map((v) => ({ ...v, project, id: idOf.get(`${project}\0${canonicalVersionUri(v.uri)}`)! })),
  );
  const tagged = extras.filter((x) => x.tags.length).map((x) => ({ target: x.id, tags: [...new Set(x.tags.map((t) => t.trim()))] }));
  if (tagged.length) await tx.run(tagRowsQuery(tagged));
  // one alias named twice in a call points where it was named last
  const pointed = new Map(
    extras.flatMap((x) => {
      const ref = parseRef(x.uri, 'uri');
      const owner = ref.kind === 'datasetVersion' ? ref.dataset : '';
      return x.aliases.map((name) => [`${x.project}\0${owner}\0${name}`, { versionId: x.id, name, id: randomUUID() }] as const);
    }),
  );
  if (pointed.size) await tx.run(pointVersionAliasesQuery([...pointed.values()], principal.name));
}

/** A version URI as stored (`model://fraud/03` is `model://fraud/3`). */
function canonicalVersionUri(uri: string): string {
  const ref = parseRef(uri, 'uri');
  if (ref.kind === 'modelVersion') return modelVersionUri(ref.model, ref.version);
  if (ref.kind === 'datasetVersion') return datasetVersionUri(ref.dataset, ref.version);
  return uri;
}

/**
 * Version aliases: `dataset://name/latest` names whichever version the alias `latest` of
 * the dataset points at. Each row points (creating or moving) one alias of its version's
 * dataset at that version; the alias keeps who moved it last and when.
 */
function pointVersionAliasesQuery(rows: Array<{ versionId: string; name: string; id: string }>, by: string): Query {
  return {
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
  };
}
