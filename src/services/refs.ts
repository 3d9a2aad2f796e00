import { randomUUID } from 'node:crypto';
import type { Tx } from '../db/executor.js';
import { aliasTargetsQuery, datumsByIdQuery, mergeExternalInputsQuery, versionsForInputsQuery } from '../db/cypher/inputs.js';
import { badInput, notFound } from '../domain/errors.js';
import { datasetVersionUri, modelVersionUri, parseRef, type ParsedRef } from '../domain/uris.js';
import { checkText } from '../domain/validation.js';
import type { Entity } from '../db/records.js';
import { parseUri } from '../scalars/validators.js';
import { checked } from '../domain/validation.js';

export interface InputRef {
  datumId?: string | null;
  uri?: string | null;
  inputName?: string | null;
}

export interface ResolvedInput {
  node: Entity;
  inputName: string;
  /** The alias the input came through, kept on the edge. */
  alias: string | null;
}

export const DEFAULT_INPUT_NAME = 'input';

/**
 * Resolves input references at record time, in the caller's transaction: datum ids,
 * `datum://<id>`, `datum://<alias>` (the alias's target now), `model://` and `dataset://`
 * versions in `project`, and external URIs, which become external datums of `project`
 * the first time they are seen. A few queries for the whole list, not one per input.
 */
export async function resolveInputRefs(tx: Tx, project: string, refs: InputRef[], field: string): Promise<ResolvedInput[]> {
  const parsed = refs.map((ref, i) => {
    const at = `${field}.${i}`;
    if (!!ref.datumId === !!ref.uri) throw badInput(`${at} must give exactly one of datumId and uri`, { field: at });
    const target: ParsedRef = ref.datumId ? { kind: 'datumId', id: ref.datumId } : parseRef(checked(`${at}.uri`, parseUri, ref.uri), `${at}.uri`);
    return { at, target, inputName: checkText(`${at}.inputName`, ref.inputName ?? DEFAULT_INPUT_NAME, 256) };
  });
  const pick = <K extends ParsedRef['kind']>(kind: K) =>
    parsed.map((p) => p.target).filter((t): t is Extract<ParsedRef, { kind: K }> => t.kind === kind);

  const byId = new Map<string, Entity>();
  const ids = pick('datumId').map((t) => t.id);
  if (ids.length) {
    for (const r of await tx.run(datumsByIdQuery(ids))) byId.set(r.d.id, r.d);
  }
  const byAlias = new Map<string, Entity>();
  const aliases = pick('alias').map((t) => t.name);
  if (aliases.length) {
    const rows = await tx.run(aliasTargetsQuery(project, aliases));
    for (const r of rows) byAlias.set(r.name, r.d);
  }
  const byUri = new Map<string, Entity>();
  /** Version URIs that named a version alias (`dataset://name/latest`) rather than a version. */
  const throughAlias = new Set<string>();
  const versionUris = parsed.map((p) => versionUri(p.target)).filter((u): u is string => u !== null);
  if (versionUris.length) {
    const lookups = [...new Set(versionUris)].map((uri) => {
      const ref = parseRef(uri, field);
      return { uri, owner: ref.kind === 'datasetVersion' ? ref.dataset : null, name: ref.kind === 'datasetVersion' ? ref.version : null };
    });
    const rows = await tx.run(versionsForInputsQuery(project, lookups));
    for (const r of rows) {
      byUri.set(r.uri, r.v);
      if (r.viaAlias) throughAlias.add(r.uri);
    }
  }
  const external = [...new Set(pick('external').map((t) => t.uri))];
  if (external.length) {
    const rows = await tx.run(mergeExternalInputsQuery(project, external.map((uri) => ({ uri, id: randomUUID(), path: externalPath(uri) }))));
    for (const r of rows) byUri.set(r.uri, r.d);
  }

  return parsed.map(({ at, target, inputName }) => {
    const found =
      target.kind === 'datumId' ? byId.get(target.id)
      : target.kind === 'alias' ? byAlias.get(target.name)
      : target.kind === 'external' ? byUri.get(target.uri)
      : byUri.get(versionUri(target)!);
    if (!found) throw notFound(describe(target, project), describeKey(target), { field: at });
    const uri = versionUri(target);
    return { node: found, inputName, alias: target.kind === 'alias' ? target.name : uri && throughAlias.has(uri) ? uri : null };
  });
}

function versionUri(target: ParsedRef): string | null {
  if (target.kind === 'modelVersion') return modelVersionUri(target.model, target.version);
  if (target.kind === 'datasetVersion') return datasetVersionUri(target.dataset, target.version);
  return null;
}

function describe(target: ParsedRef, project: string): string {
  switch (target.kind) {
    case 'datumId': return 'Datum';
    case 'alias': return `Alias in project '${project}'`;
    case 'modelVersion': return `Model version in project '${project}'`;
    case 'datasetVersion': return `Dataset version in project '${project}'`;
    case 'external': return 'Datum';
  }
}

function describeKey(target: ParsedRef): string {
  switch (target.kind) {
    case 'datumId': return target.id;
    case 'alias': return `datum://${target.name}`;
    case 'external': return target.uri;
    default: return versionUri(target)!;
  }
}

/** The object path of an external URI (`s3://bucket/a/b.csv` -> `a/b.csv`), or the URI itself. */
function externalPath(uri: string): string {
  try {
    const path = decodeURIComponent(new URL(uri).pathname).replace(/^\/+/, '');
    return path || uri;
  } catch {
    return uri;
  }
}
