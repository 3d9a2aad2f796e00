import { badInput } from './errors.js';

/**
 * The URI forms the API accepts for graph nodes:
 *   datum://<uuid>            a datum by id
 *   datum://<alias>           the datum an alias points to (per project)
 *   model://<name>/<version>  a model version (version is a positive integer)
 *   dataset://<name>/<version> a dataset version (version is a name: v2, processed, …)
 *   any other scheme          an external object (s3://, gs://, https://), recorded as an external datum
 */
export type ParsedRef =
  | { kind: 'datumId'; id: string }
  | { kind: 'alias'; name: string }
  | { kind: 'modelVersion'; model: string; version: number }
  | { kind: 'datasetVersion'; dataset: string; version: string }
  | { kind: 'external'; uri: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const NAME_RULE = '1-128 characters of letters, digits, dot, dash and underscore, starting with a letter or digit';

export const isUuid = (value: string) => UUID.test(value);

export function checkName(field: string, value: string): string {
  if (!NAME.test(value)) throw badInput(`${field} must be ${NAME_RULE}, got '${value}'`, { field });
  return value;
}

export function parseRef(uri: string, field: string): ParsedRef {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.+)$/i.exec(uri);
  if (!match) throw badInput(`${field} must be a URI such as datum://<id>, datum://<alias>, model://name/3 or s3://bucket/key, got '${uri}'`, { field });
  const [, scheme, rest] = match;
  switch (scheme.toLowerCase()) {
    case 'datum':
      if (isUuid(rest)) return { kind: 'datumId', id: rest.toLowerCase() };
      return { kind: 'alias', name: checkName(field, rest) };
    case 'model': {
      const m = /^([^/]+)\/(\d{1,9})$/.exec(rest);
      if (!m) throw badInput(`${field} must look like model://<name>/<version number>, got '${uri}'`, { field });
      return { kind: 'modelVersion', model: checkName(field, m[1]), version: Number(m[2]) };
    }
    case 'dataset': {
      const m = /^([^/]+)\/([^/]+)$/.exec(rest);
      if (!m) throw badInput(`${field} must look like dataset://<name>/<version>, got '${uri}'`, { field });
      return { kind: 'datasetVersion', dataset: checkName(field, m[1]), version: checkName(field, m[2]) };
    }
    default:
      return { kind: 'external', uri };
  }
}

export const modelVersionUri = (model: string, version: number) => `model://${model}/${version}`;
export const datasetVersionUri = (dataset: string, version: string) => `dataset://${dataset}/${version}`;
