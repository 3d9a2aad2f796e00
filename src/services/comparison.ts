import { badInput, limitExceeded, notFound } from '../domain/errors.js';
import type { Entity } from '../db/records.js';
import type { Loaders } from '../loaders/index.js';

export const MAX_COMPARED = 20;

export interface ComparisonRow {
  /** The metadata name (`group.key`), or the parameter's name for a parameter row. */
  name: string;
  key: string;
  group: string | null;
  /** The metadata entry of each execution; null for parameter rows. */
  cells: Array<Entity | null>;
  /** The value of each execution, null where it has none. */
  values: unknown[];
  deltas: Array<number | null>;
  differs: boolean;
}

const numeric = (value: unknown, type: string | null) => (typeof value === 'number' && (type === 'NUMBER' || type === 'STORAGE_SIZE') ? value : null);

/** Digits after the decimal point in a number's shortest form (`0.93` 2, `1e-7` 7, `12` 0). */
function decimals(n: number): number {
  const [mantissa, exponent] = n.toExponential().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

/**
 * `value - first` at the precision of its inputs: 0.93 - 0.92 is 0.01, not the
 * 0.010000000000000009 of binary floating point.
 */
export function delta(value: number, first: number): number {
  const places = Math.min(Math.max(decimals(value), decimals(first)), 15);
  return Number((value - first).toFixed(places));
}

/** Deltas against the first and whether the values differ; `types[i]` is null where execution i has no value. */
function finish(row: Omit<ComparisonRow, 'deltas' | 'differs'>, types: Array<string | null>): ComparisonRow {
  const first = numeric(row.values[0], types[0]);
  const deltas = row.values.map((value, i) => {
    const n = numeric(value, types[i]);
    return first === null || n === null ? null : delta(n, first);
  });
  const differs = new Set(row.values.map((v, i) => (types[i] === null ? 'none' : `${types[i]}:${JSON.stringify(v)}`))).size > 1;
  return { ...row, deltas, differs };
}

const byGroupAndKey = (a: ComparisonRow, b: ComparisonRow) => (a.group ?? '').localeCompare(b.group ?? '') || a.key.localeCompare(b.key);

/**
 * Executions side by side (as MLflow's run comparison): one row per metadata name, one
 * cell per execution in the order asked, deltas against the first at the inputs'
 * precision, and a flag where the values differ; creation parameters likewise. Reads
 * through the request's loaders: two queries whatever the count.
 */
export class ComparisonService {
  constructor(private readonly loaders: Loaders) {}

  async compare(ids: string[], names?: string[] | null) {
    if (ids.length === 0) throw badInput('ids must list at least one execution', { field: 'ids' });
    if (ids.length > MAX_COMPARED) throw limitExceeded(`compareExecutions takes at most ${MAX_COMPARED} executions, got ${ids.length}`, { field: 'ids', max: MAX_COMPARED });
    const executions = await Promise.all(ids.map((id) => this.loaders.nodeById.load(id)));
    executions.forEach((e, i) => {
      if (!e?.labels.includes('Execution')) throw notFound('Execution', ids[i], { field: `ids.${i}` });
    });
    const entries = await Promise.all(ids.map((id) => this.loaders.metadataOf(names, false).load(id)));
    const cellsByName = new Map<string, { key: string; group: string | null; cells: Array<Entity | null> }>();
    entries.forEach((list, column) => {
      for (const entry of list) {
        const row = cellsByName.get(entry.name) ?? { key: entry.key, group: entry.group ?? null, cells: ids.map(() => null) };
        row.cells[column] = entry;
        cellsByName.set(entry.name, row);
      }
    });
    const rows = [...cellsByName].map(([name, { key, group, cells }]) =>
      finish({ name, key, group, cells, values: cells.map((c) => (c ? c.value : null)) }, cells.map((c) => c?.type ?? null)),
    );
    const parameters = (executions as Entity[]).map((e) => (e.parameters ?? {}) as Record<string, unknown>);
    const parameterNames = [...new Set(parameters.flatMap((p) => Object.keys(p)))];
    const parameterRows = parameterNames.map((name) => {
      const values = parameters.map((p) => (name in p ? p[name] : null));
      return finish({ name, key: name, group: null, cells: ids.map(() => null), values }, values.map((v) => (v === null ? null : typeof v === 'number' ? 'NUMBER' : 'JSON')));
    });
    return { executions: executions as Entity[], rows: rows.sort(byGroupAndKey), parameters: parameterRows.sort(byGroupAndKey) };
  }
}
