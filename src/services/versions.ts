import { randomUUID } from 'node:crypto';
import type { Executor, Tx } from '../db/executor.js';
import {
  bumpOwnerQuery,
  containQuery,
  createVersionQuery,
  datumProjectsQuery,
  joinVersionsQuery,
  ownerQuery,
  pointVersionAliasesQuery,
  versionInProjectQuery,
  versionQuery,
  versionsByAliasQuery,
  versionsByUriQuery,
} from '../db/cypher/versions.js';
import { DATASET, MODEL, type VersionKind } from '../domain/versions.js';
import type { ChangeEvent } from '../domain/events.js';
import { badInput, conflict, notFound } from '../domain/errors.js';
import { checkName, datasetVersionUri, modelVersionUri, parseRef } from '../domain/uris.js';
import { checkBatch } from '../domain/validation.js';
import type { Entity } from '../db/records.js';
import { findInProject } from './datums.js';
import type { Principal } from '../domain/roles.js';
import { ensureProject } from './projects.js';
import type { VersionJoin } from '../domain/metadata.js';
import { tagRowsQuery } from '../db/cypher/tags.js';

export class VersionService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
    private readonly kind: VersionKind,
  ) {}

  getOwner(project: string, name: string): Promise<Entity | null> {
    return this.executor.query(ownerQuery(this.kind, project, name)).then((rows) => rows[0]?.n ?? null);
  }

  /** A version by `model://name/3` / `dataset://name/v2`; `project` is needed only where the URI exists in several. */
  async findByUri(uri: string, project?: string | null): Promise<Entity | null> {
    const ref = parseRef(uri, 'uri');
    if (ref.kind !== 'modelVersion' && ref.kind !== 'datasetVersion') {
      throw badInput(`uri must look like ${this.kind.scheme}://<name>/<version>, got '${uri}'`, { field: 'uri' });
    }
    if ((ref.kind === 'modelVersion') !== (this.kind.scheme === 'model')) return null;
    const version = await findInProject(this.executor, versionsByUriQuery(this.kind, uri, project ?? null), `${this.kind.version} '${uri}'`);
    if (version || ref.kind !== 'datasetVersion') return version;
    // no version of that name: `dataset://name/latest` may be a version alias
    return findInProject(this.executor, versionsByAliasQuery(ref.dataset, ref.version, project ?? null), `Version alias '${uri}'`);
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
      const [owner] = await tx.run(bumpOwnerQuery(this.kind, project, name, ids.owner));
      const version = this.kind === MODEL ? owner.count : datasetVersion!;
      const uri = this.kind === MODEL ? modelVersionUri(name, version) : datasetVersionUri(name, version);
      const [exists] = await tx.run(versionInProjectQuery(this.kind, project, uri));
      if (exists) throw conflict(`${uri} already exists in project '${project}'; versions are immutable, add datums with addToDatasetVersion or choose a new version name`, { field: 'version' });
      const [row] = await tx.run(createVersionQuery(this.kind, { project, name, id: ids.version, version, uri, by: this.principal.name }));
      await this.contain(tx, ids.version, datumIds);
      if (this.kind === MODEL) tx.emit(modelVersionCreated(row.v));
      return row.v as Entity;
    });
  }

  /** Adds datums to an existing dataset version (a version grows while it is being assembled). */
  addDatums(versionId: string, datumIds: string[]): Promise<Entity> {
    checkBatch('datumIds', datumIds);
    return this.executor.write(async (tx) => {
      const [found] = await tx.run(versionQuery(this.kind, versionId));
      if (!found) throw notFound(this.kind.version, versionId);
      await this.requireDatums(tx, found.v.project, datumIds);
      await this.contain(tx, versionId, datumIds);
      return found.v as Entity;
    });
  }

  private async contain(tx: Tx, versionId: string, datumIds: string[]): Promise<void> {
    if (!datumIds.length) return;
    await tx.run(containQuery(this.kind, versionId, datumIds));
  }

  /** Every datum must exist and belong to the version's project. */
  private async requireDatums(tx: Tx, project: string, datumIds: string[]): Promise<void> {
    if (!datumIds.length) return;
    const rows = await tx.run(datumProjectsQuery(datumIds));
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
    const merged = await tx.run(joinVersionsQuery(kind, batch, principal.name));
    for (const r of merged) idOf.set(`${r.project}\0${r.uri}`, r.v.id);
    if (kind === MODEL) for (const r of new Map(merged.filter((m) => m.created).map((m) => [m.v.id, m.v])).values()) tx.emit(modelVersionCreated(r));
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

const modelVersionCreated = (v: Entity): ChangeEvent => ({
  type: 'model_version.created',
  project: v.project,
  data: { versionId: v.id, uri: v.uri, model: v.name, version: v.version, status: v.status },
});

/** A version URI as stored (`model://fraud/03` is `model://fraud/3`). */
function canonicalVersionUri(uri: string): string {
  const ref = parseRef(uri, 'uri');
  if (ref.kind === 'modelVersion') return modelVersionUri(ref.model, ref.version);
  if (ref.kind === 'datasetVersion') return datasetVersionUri(ref.dataset, ref.version);
  return uri;
}
