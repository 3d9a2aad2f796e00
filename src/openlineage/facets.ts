import { MAX_VALUES_PER_OBJECT, parseMetadata } from '../domain/metadata.js';
import { parseDateTime, parseDType, parseStorageSize, parseUri } from '../scalars/validators.js';
import type { Facet, Facets } from './events.js';

/**
 * Facets become typed metadata, one group per facet (a card in the explorer): each field of
 * a facet is a value of its group, typed by the metadata rules (numbers, strings, booleans;
 * lists and objects as JSON). The facets whose meaning is known are reshaped so their values
 * are the ones people filter on:
 *
 *   schema              one value per column (nested columns as parent.child), its type as
 *                       the value (a DType where it is one, such as int64); column
 *                       descriptions go to the group columnDescriptions
 *   outputStatistics    rowCount, fileCount, size (a StorageSize)
 *   dataQualityMetrics  rowCount, fileCount, bytes (a StorageSize), and one value per column
 *                       and metric (amount.nullCount); quantiles as JSON
 *   ownership           one value per owner, its type as the value
 *   sourceCodeLocation  url as a Uri (the execution's repository and commit are set apart)
 *   nominalTime         nominalStartTime and nominalEndTime as DateTimes
 *
 * Every other facet (columnLineage, errorMessage, jobType, anything an integration invents)
 * keeps its fields as they are. The base fields `_producer` and `_schemaURL` say where a
 * facet's definition lives, not what it describes, and are not stored. A facet the metadata
 * rules cannot hold field by field (a key starting with `$`, or longer than 256 characters)
 * is kept whole, as its JSON text, under `<group>.json`; a facet name the rules reserve
 * (`system`, `valohai.…`) becomes the group `facet_<name>`. Nothing a facet says is refused.
 */

/** Metadata objects as the metadata rules take them: group -> key -> value. */
export type Groups = Record<string, Record<string, unknown>>;

const BASE_FIELDS = new Set(['_producer', '_schemaURL']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{"$type": type, "value": value}` when the typed value's check accepts it, else the value as sent. */
function typed(type: string, parse: (v: unknown) => unknown, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  try {
    parse(value);
    return { $type: type, value };
  } catch {
    return value;
  }
}

/** A facet's own fields, without the base fields. */
const fieldsOf = (facet: Facet) => Object.fromEntries(Object.entries(facet).filter(([k]) => !BASE_FIELDS.has(k)));

/** Column types (and descriptions) of a schema facet's `fields`, nested ones as parent.child; null when a field has no name. */
function columns(fields: unknown, prefix: string, types: Record<string, unknown>, descriptions: Record<string, unknown>): boolean {
  if (!Array.isArray(fields)) return false;
  for (const field of fields) {
    if (!isObject(field) || typeof field.name !== 'string' || !field.name) return false;
    const name = `${prefix}${field.name}`;
    types[name] = typeof field.type === 'string' ? typed('DType', parseDType, field.type) : field.type ?? null;
    if (field.description !== undefined) descriptions[name] = field.description;
    if (Array.isArray(field.fields) && field.fields.length && !columns(field.fields, `${name}.`, types, descriptions)) return false;
  }
  return true;
}

/** The group(s) one known facet becomes; null when it does not have the shape its definition gives it. */
function knownFacet(name: string, fields: Record<string, unknown>): Groups | null {
  switch (name) {
    case 'schema': {
      const { fields: list, ...rest } = fields;
      const types: Record<string, unknown> = {};
      const descriptions: Record<string, unknown> = {};
      if (!columns(list, '', types, descriptions)) return null;
      return { schema: { ...rest, ...types }, ...(Object.keys(descriptions).length ? { columnDescriptions: descriptions } : {}) };
    }
    case 'outputStatistics':
      return { [name]: { ...fields, size: typed('StorageSize', parseStorageSize, fields.size) } };
    case 'dataQualityMetrics': {
      const { columnMetrics, ...rest } = fields;
      if (columnMetrics !== undefined && !isObject(columnMetrics)) return null;
      const perColumn: Record<string, unknown> = {};
      for (const [column, metrics] of Object.entries(columnMetrics ?? {})) {
        if (!isObject(metrics)) return null;
        for (const [metric, value] of Object.entries(metrics)) perColumn[`${column}.${metric}`] = value;
      }
      return { [name]: { ...rest, bytes: typed('StorageSize', parseStorageSize, rest.bytes), ...perColumn } };
    }
    case 'ownership': {
      const { owners, ...rest } = fields;
      if (!Array.isArray(owners) || owners.some((o) => !isObject(o) || typeof o.name !== 'string' || !o.name)) return null;
      return { [name]: { ...rest, ...Object.fromEntries((owners as Array<Record<string, unknown>>).map((o) => [o.name as string, o.type ?? null])) } };
    }
    case 'sourceCodeLocation':
      return { [name]: { ...fields, url: typed('Uri', parseUri, fields.url) } };
    case 'nominalTime':
      return { [name]: { ...fields, nominalStartTime: typed('DateTime', parseDateTime, fields.nominalStartTime), nominalEndTime: typed('DateTime', parseDateTime, fields.nominalEndTime) } };
    default:
      return null;
  }
}

/** Leaves out the fields a reshaping set to undefined (a facet without `size`). */
const defined = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));

/** What the metadata rules find wrong with a group, checked in objects of the size packGroups makes. */
function problemsOf(group: string, entries: Record<string, unknown>) {
  const keys = Object.keys(entries);
  const problems = [];
  for (let i = 0; i < keys.length; i += MAX_VALUES_PER_OBJECT) {
    problems.push(...parseMetadata({ [group]: Object.fromEntries(keys.slice(i, i + MAX_VALUES_PER_OBJECT).map((k) => [k, entries[k]])) }).problems);
  }
  return problems;
}

/** One facet as groups the metadata rules accept (see the module comment for the fallbacks). */
function facetToGroups(name: string, facet: Facet, keyPrefix: string): Groups {
  const fields = fieldsOf(facet);
  const shaped = knownFacet(name, fields) ?? { [name]: fields };
  const out: Groups = {};
  for (const [group, raw] of Object.entries(shaped)) {
    const entries = Object.fromEntries(Object.entries(defined(raw)).map(([k, v]) => [`${keyPrefix}${k}`, v]));
    if (!Object.keys(entries).length) continue;
    // a reserved or malformed facet name is a problem of the group itself, whatever its fields
    const named = problemsOf(group, entries).some((p) => p.field === group) ? `facet_${group}` : group;
    out[named] = problemsOf(named, entries).length ? { [`${keyPrefix}json`]: JSON.stringify(facet) } : entries;
  }
  return out;
}

export interface FacetOptions {
  /** Put before every key (`<job>::` for the facets of a job kept on its project). */
  keyPrefix?: string;
  /** Facets encoded elsewhere (the parent run facet is a PART_OF edge). */
  skip?: readonly string[];
  /** Facets whose group takes another name (a job facet named like a run facet of the same execution). */
  rename?: Readonly<Record<string, string>>;
}

/**
 * The groups of several facet maps of one node, later maps winning where two facets give
 * the same group and key (an input facet over a dataset facet of the same name).
 */
export function facetGroups(maps: Array<Facets | undefined>, { keyPrefix = '', skip = [], rename = {} }: FacetOptions = {}): Groups {
  const groups: Groups = {};
  for (const facets of maps) {
    for (const [name, facet] of Object.entries(facets ?? {})) {
      if (skip.includes(name) || !isObject(facet)) continue;
      for (const [group, entries] of Object.entries(facetToGroups(rename[name] ?? name, facet, keyPrefix))) groups[group] = { ...groups[group], ...entries };
    }
  }
  return groups;
}

/**
 * Groups as metadata objects of at most MAX_VALUES_PER_OBJECT values each (the rules' limit
 * per object): a table of 3,000 columns is three objects, not a refusal.
 */
export function packGroups(groups: Groups): Groups[] {
  const objects: Groups[] = [];
  let current: Groups = {};
  let count = 0;
  for (const [group, entries] of Object.entries(groups)) {
    const keys = Object.keys(entries);
    for (let i = 0; i < keys.length; i += MAX_VALUES_PER_OBJECT) {
      const slice = keys.slice(i, i + MAX_VALUES_PER_OBJECT);
      if (count + slice.length > MAX_VALUES_PER_OBJECT) {
        objects.push(current);
        current = {};
        count = 0;
      }
      current[group] = { ...current[group], ...Object.fromEntries(slice.map((k) => [k, entries[k]])) };
      count += slice.length;
    }
  }
  if (count) objects.push(current);
  return objects;
}
