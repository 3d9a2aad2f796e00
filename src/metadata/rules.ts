import { checkJsonDepth, parseDateTime, parseDType, parsePath, parseStorageSize, parseUri, show } from '../scalars/validators.js';
import { formatStorageSize } from '../domain/sizes.js';
import { parseRef } from '../domain/uris.js';

/**
 * The metadata rules (DESIGN.md section 3), as a pure function shared by the API and by
 * ingestion: reserved `valohai.*` keys become actions, nested objects become groups,
 * `{"$type": T, "value": V}` becomes a typed value, everything else keeps its JSON type.
 * Problems are collected, not thrown, so a manifest can report every one in one pass.
 */
export type MetadataType = 'STRING' | 'NUMBER' | 'BOOLEAN' | 'JSON' | 'NULL' | 'STORAGE_SIZE' | 'URI' | 'DTYPE' | 'PATH' | 'DATETIME';

export interface MetadataValue {
  key: string;
  group: string | null;
  type: MetadataType;
  /** The canonical value (bytes as a number or, past 2^53, a bigint). */
  value: unknown;
  /** Index columns: exactly one is set for comparable types. */
  num: number | null;
  str: string | null;
  bool: boolean | null;
}

export interface MetadataActions {
  tags: string[];
  alias: string | null;
  datasetVersions: string[];
  modelVersions: string[];
}

export interface MetadataProblem {
  /** Where in the object: `model_metrics.accuracy`, `valohai.tags`. */
  field: string;
  message: string;
}

export interface ParsedMetadata {
  values: MetadataValue[];
  actions: MetadataActions;
  problems: MetadataProblem[];
}

export const RESERVED = ['valohai.tags', 'valohai.alias', 'valohai.dataset-versions', 'valohai.model-versions'] as const;

const TYPED: Record<string, { type: MetadataType; parse: (v: unknown) => unknown }> = {
  StorageSize: { type: 'STORAGE_SIZE', parse: parseStorageSize },
  Uri: { type: 'URI', parse: parseUri },
  DType: { type: 'DTYPE', parse: parseDType },
  Path: { type: 'PATH', parse: parsePath },
  DateTime: { type: 'DATETIME', parse: parseDateTime },
};

export const MAX_KEY_LENGTH = 256;
export const MAX_VALUES_PER_OBJECT = 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTyped = (v: Record<string, unknown>) => '$type' in v;

function checkKey(key: string): string | null {
  if (key.length === 0) return 'keys must not be empty';
  if (key.length > MAX_KEY_LENGTH) return `keys must be at most ${MAX_KEY_LENGTH} characters, got ${key.length}`;
  if (/[\u0000-\u001f]/.test(key)) return 'keys must not contain control characters';
  if (key.startsWith('$')) return `keys must not start with '$' (a typed value is {"$type": T, "value": V}), got ${show(key)}`;
  return null;
}

/** One plain or typed value, with its index column. */
function toValue(key: string, group: string | null, raw: unknown, field: string, problems: MetadataProblem[]): MetadataValue | null {
  const base = { key, group, num: null, str: null, bool: null };
  if (isObject(raw) && isTyped(raw)) {
    const keys = Object.keys(raw).sort().join(',');
    const spec = typeof raw.$type === 'string' ? TYPED[raw.$type] : undefined;
    if (keys !== '$type,value') {
      problems.push({ field, message: `a typed value is exactly {"$type": T, "value": V}, got keys ${keys}` });
      return null;
    }
    if (!spec) {
      problems.push({ field, message: `$type must be one of ${Object.keys(TYPED).join(', ')}, got ${show(raw.$type)}` });
      return null;
    }
    try {
      const value = spec.parse(raw.value);
      if (spec.type === 'STORAGE_SIZE') return { ...base, type: spec.type, value, num: Number(value) };
      return { ...base, type: spec.type, value, str: value as string };
    } catch (error) {
      problems.push({ field, message: (error as Error).message });
      return null;
    }
  }
  if (raw === null) return { ...base, type: 'NULL', value: null };
  if (typeof raw === 'number') return { ...base, type: 'NUMBER', value: raw, num: raw };
  if (typeof raw === 'string') return { ...base, type: 'STRING', value: raw, str: raw };
  if (typeof raw === 'boolean') return { ...base, type: 'BOOLEAN', value: raw, bool: raw };
  return { ...base, type: 'JSON', value: raw };
}

function stringList(field: string, raw: unknown, problems: MetadataProblem[], check?: (s: string) => string | null): string[] {
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) {
    problems.push({ field, message: `${field} must be a list of strings, got ${show(raw)}` });
    return [];
  }
  const out: string[] = [];
  for (const item of raw as string[]) {
    const problem = check?.(item);
    if (problem) problems.push({ field, message: problem });
    else out.push(item);
  }
  return out;
}

const versionCheck = (scheme: 'model' | 'dataset') => (uri: string) => {
  try {
    const ref = parseRef(uri, `valohai.${scheme}-versions`);
    const ok = scheme === 'model' ? ref.kind === 'modelVersion' : ref.kind === 'datasetVersion';
    return ok ? null : `valohai.${scheme}-versions entries look like ${scheme}://<name>/<version>, got ${show(uri)}`;
  } catch (error) {
    return (error as Error).message;
  }
};

/**
 * Splits a metadata object into values and actions. `stepPrefix` applies ZenML's rule for
 * metadata a step logs onto its pipeline run: keys become `step_name::key`.
 */
export function parseMetadata(metadata: unknown, stepPrefix: string | null = null): ParsedMetadata {
  const problems: MetadataProblem[] = [];
  const values: MetadataValue[] = [];
  const actions: MetadataActions = { tags: [], alias: null, datasetVersions: [], modelVersions: [] };
  if (!isObject(metadata)) {
    return { values, actions, problems: [{ field: '', message: `metadata must be a JSON object, got ${show(metadata)}` }] };
  }
  // manifest lines and sidecars reach here without passing the JSON scalars' own check
  try {
    checkJsonDepth(metadata);
  } catch (error) {
    return { values, actions, problems: [{ field: '', message: (error as Error).message }] };
  }
  const prefixed = (key: string) => (stepPrefix ? `${stepPrefix}::${key}` : key);
  for (const [key, raw] of Object.entries(metadata)) {
    switch (key) {
      case 'valohai.tags':
        actions.tags.push(...stringList(key, raw, problems, (t) => (t.trim() && t.length <= 128 ? null : `tags must be 1-128 characters, got ${show(t)}`)));
        continue;
      case 'valohai.alias':
        if (typeof raw !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(raw)) {
          problems.push({ field: key, message: `valohai.alias must be an alias name (letters, digits, . _ -), got ${show(raw)}` });
        } else actions.alias = raw;
        continue;
      case 'valohai.dataset-versions':
        actions.datasetVersions.push(...stringList(key, raw, problems, versionCheck('dataset')));
        continue;
      case 'valohai.model-versions':
        actions.modelVersions.push(...stringList(key, raw, problems, versionCheck('model')));
        continue;
    }
    const keyProblem = checkKey(key);
    if (keyProblem) {
      problems.push({ field: key, message: keyProblem });
      continue;
    }
    if (isObject(raw) && !isTyped(raw)) {
      for (const [inner, innerRaw] of Object.entries(raw)) {
        const innerProblem = checkKey(inner);
        if (innerProblem) problems.push({ field: `${key}.${inner}`, message: innerProblem });
        else {
          const value = toValue(prefixed(inner), key, innerRaw, `${key}.${inner}`, problems);
          if (value) values.push(value);
        }
      }
      continue;
    }
    const value = toValue(prefixed(key), null, raw, key, problems);
    if (value) values.push(value);
  }
  if (values.length > MAX_VALUES_PER_OBJECT) {
    problems.push({ field: '', message: `at most ${MAX_VALUES_PER_OBJECT} values per metadata object, got ${values.length}` });
  }
  return { values, actions, problems };
}

/** Human text for a value, as a frontend card shows it: 2.4 MB, 0.95, true. */
export function display(type: MetadataType, value: unknown): string {
  switch (type) {
    case 'STORAGE_SIZE':
      return formatStorageSize(value as number | bigint);
    case 'STRING': case 'URI': case 'DTYPE': case 'PATH': case 'DATETIME':
      return String(value);
    case 'NULL':
      return 'null';
    default:
      return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  }
}
