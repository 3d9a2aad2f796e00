import { checkJsonDepth, parseDateTime, parseDType, parsePath, parseStorageSize, parseUri, show } from '../scalars/validators.js';
import { formatStorageSize } from './sizes.js';
import { NAME, NAME_RULE, parseRef } from './uris.js';

/**
 * The metadata rules (the reference in docs/reference.md, section Metadata), as a pure
 * function shared by the API and by ingestion: reserved `valohai.*` keys become actions, nested objects become groups,
 * `{"$type": T, "value": V}` becomes a typed value, everything else keeps its JSON type.
 * Problems are collected, not thrown, so a manifest can report every one in one pass.
 */
/** Where a metadata value came from. */
export type MetadataSource = 'API' | 'SIDECAR' | 'MANIFEST' | 'SYSTEM';

/** Canonical JSON text of a value (bigints as digits), as stored in `value`. */
export const json = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

export type MetadataType = 'STRING' | 'NUMBER' | 'BOOLEAN' | 'JSON' | 'NULL' | 'STORAGE_SIZE' | 'URI' | 'DTYPE' | 'PATH' | 'DATETIME';

export interface MetadataValue {
  key: string;
  group: string | null;
  /** The value's identity and address: see `metadataName`. */
  name: string;
  type: MetadataType;
  /** The canonical value (bytes as a number or, past 2^53, a bigint). */
  value: unknown;
  /** Index columns: exactly one is set for comparable types. */
  num: number | null;
  str: string | null;
  bool: boolean | null;
}

/** A version a datum joins, with Valohai's object form extras: aliases of the version and tags on it. */
export interface VersionJoin {
  uri: string;
  /** Version aliases to point at this version (`dataset://name/latest`). */
  aliases: string[];
  /** Tags for the version itself. */
  tags: string[];
}

export interface MetadataActions {
  tags: string[];
  alias: string | null;
  datasetVersions: VersionJoin[];
  modelVersions: VersionJoin[];
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
type Reserved = (typeof RESERVED)[number];
const isReserved = (key: string): key is Reserved => (RESERVED as readonly string[]).includes(key);

/** The group only Pedigree writes: every execution's host, image, start, end, duration, … */
export const SYSTEM_GROUP = 'system';

/**
 * The address of a value: `group.key`, or `key` when it has no group. Group and key
 * together are a value's identity (`train.loss` and `val.loss` are two values), so the
 * address must tell every pair apart: a dot or a backslash inside a group or key is
 * written with a backslash before it (the ungrouped key `lr.decay` is `lr\.decay`).
 */
export function metadataName(group: string | null, key: string): string {
  const escape = (part: string) => part.replace(/[\\.]/g, (c) => `\\${c}`);
  return group === null ? escape(key) : `${escape(group)}.${escape(key)}`;
}

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
  const base = { key, group, name: metadataName(group, key), num: null, str: null, bool: null };
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

/** Why `uri` is not a version URI of `scheme`, or null when it is one. */
function versionProblem(scheme: 'model' | 'dataset', uri: string): string | null {
  const field = `valohai.${scheme}-versions`;
  try {
    const ref = parseRef(uri, field);
    const ok = scheme === 'model' ? ref.kind === 'modelVersion' : ref.kind === 'datasetVersion';
    return ok ? null : `${field} entries look like ${scheme}://<name>/<version>, got ${show(uri)}`;
  } catch (error) {
    return (error as Error).message;
  }
}

const VERSION_OBJECT_KEYS = ['uri', 'targeting_aliases', 'valohai.tags'];

/**
 * `valohai.dataset-versions` / `valohai.model-versions`: a list of version URIs, or (as
 * Valohai also accepts for datasets) of objects `{"uri", "targeting_aliases", "valohai.tags"}`
 * that also point version aliases at the version and tag it.
 */
function versionJoins(scheme: 'model' | 'dataset', raw: unknown, problems: MetadataProblem[]): VersionJoin[] {
  const field = `valohai.${scheme}-versions`;
  const form = scheme === 'dataset' ? `${scheme}://<name>/<version> strings or {"uri", "targeting_aliases", "valohai.tags"} objects` : `${scheme}://<name>/<version> strings`;
  if (!Array.isArray(raw)) {
    problems.push({ field, message: `${field} must be a list of ${form}, got ${show(raw)}` });
    return [];
  }
  const joins: VersionJoin[] = [];
  raw.forEach((entry, i) => {
    const at = `${field}.${i}`;
    if (typeof entry === 'string') {
      const problem = versionProblem(scheme, entry);
      if (problem) problems.push({ field, message: problem });
      else joins.push({ uri: entry, aliases: [], tags: [] });
      return;
    }
    if (scheme !== 'dataset' || !isObject(entry)) {
      problems.push({ field: at, message: `${field} must be a list of ${form}, got ${show(entry)}` });
      return;
    }
    const before = problems.length;
    const unknown = Object.keys(entry).filter((k) => !VERSION_OBJECT_KEYS.includes(k));
    if (unknown.length) problems.push({ field: at, message: `a version object has the keys ${VERSION_OBJECT_KEYS.join(', ')}; got ${unknown.map((k) => show(k)).join(', ')}` });
    const uri = typeof entry.uri === 'string' ? entry.uri : '';
    const uriProblem = typeof entry.uri === 'string' ? versionProblem(scheme, uri) : `"uri" must be a ${scheme}://<name>/<version> string, got ${show(entry.uri)}`;
    if (uriProblem) problems.push({ field: `${at}.uri`, message: uriProblem });
    const aliases = entry.targeting_aliases === undefined ? [] : stringList(`${at}.targeting_aliases`, entry.targeting_aliases, problems, (a) => (NAME.test(a) ? null : `version aliases must be ${NAME_RULE}, got ${show(a)}`));
    const tags = entry['valohai.tags'] === undefined ? [] : stringList(`${at}.valohai.tags`, entry['valohai.tags'], problems, tagProblem);
    if (problems.length === before) joins.push({ uri, aliases, tags });
  });
  return joins;
}

const tagProblem = (t: string) => (t.trim() && t.length <= 128 ? null : `tags must be 1-128 characters, got ${show(t)}`);

/** The reserved key nearest to a mistyped one (`valohai.tag` -> `valohai.tags`). */
function nearestReserved(key: string): Reserved {
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length];
  };
  return RESERVED.reduce((best, r) => (distance(key, r) < distance(key, best) ? r : best));
}

export interface ParseOptions {
  /** ZenML's rule for metadata a step logs onto its pipeline run: keys become `step_name::key`. */
  stepPrefix?: string | null;
  /** Only Pedigree's own record may write the `system` group. */
  system?: boolean;
}

/**
 * Splits a metadata object into values and actions. Every key sent ends up as a value, an
 * action or a problem: nothing is left out without a word.
 */
export function parseMetadata(metadata: unknown, { stepPrefix = null, system = false }: ParseOptions = {}): ParsedMetadata {
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
    if (isReserved(key)) {
      applyReserved(key, raw, actions, problems);
      continue;
    }
    if (key.startsWith('valohai.')) {
      problems.push({ field: key, message: `${key} is not a reserved key (${RESERVED.join(', ')}); did you mean ${nearestReserved(key)}?` });
      continue;
    }
    const keyProblem = checkKey(key);
    if (keyProblem) {
      problems.push({ field: key, message: keyProblem });
      continue;
    }
    // an empty object has no values to make a group of: it is kept as the JSON value it is
    if (isObject(raw) && !isTyped(raw) && Object.keys(raw).length) {
      if (key === SYSTEM_GROUP && !system) {
        problems.push({ field: key, message: `the ${SYSTEM_GROUP} group is written by Pedigree alone (host, image, start, end, duration, …); put these values in a group of your own` });
        continue;
      }
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

function applyReserved(key: Reserved, raw: unknown, actions: MetadataActions, problems: MetadataProblem[]): void {
  switch (key) {
    case 'valohai.tags':
      actions.tags.push(...stringList(key, raw, problems, tagProblem));
      return;
    case 'valohai.alias':
      if (typeof raw !== 'string' || !NAME.test(raw)) {
        problems.push({ field: key, message: `valohai.alias must be an alias name (letters, digits, . _ -), got ${show(raw)}` });
      } else actions.alias = raw;
      return;
    case 'valohai.dataset-versions':
      actions.datasetVersions.push(...versionJoins('dataset', raw, problems));
      return;
    case 'valohai.model-versions':
      actions.modelVersions.push(...versionJoins('model', raw, problems));
  }
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
