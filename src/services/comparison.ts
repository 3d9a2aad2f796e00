import { badInput, limitExceeded, notFound } from '../domain/errors.js';
import type { Entity, Loaders } from '../loaders/index.js';

export const MAX_COMPARED = 20;

export interface ComparisonRow {
  key: string;
  group: string | null;
  cells: Array<Entity | null>;
  deltas: Array<number | null>;
  differs: boolean;
}

const numeric = (entry: Entity | null) => (entry && (entry.type === 'NUMBER' || entry.type === 'STORAGE_SIZE') ? Number(JSON.parse(entry.value)) : null);

/**
 * Executions side by side (as MLflow's run comparison): one row per metadata key, one
 * cell per execution in the order asked, deltas against the first, and a flag where the
 * values differ. Reads through the request's loaders: two queries whatever the count.
 */
export class ComparisonService {
  constructor(private readonly loaders: Loaders) {}

  async compare(ids: string[], keys?: string[] | null) {
    if (ids.length === 0) throw badInput('ids must list at least one execution', { field: 'ids' });
    if (ids.length > MAX_COMPARED) throw limitExceeded(`compareExecutions takes at most ${MAX_COMPARED} executions, got ${ids.length}`, { field: 'ids', max: MAX_COMPARED });
    const executions = await Promise.all(ids.map((id) => this.loaders.nodeById.load(id)));
    executions.forEach((e, i) => {
      if (!e?.labels.includes('Execution')) throw notFound('Execution', ids[i], { field: `ids.${i}` });
    });
    const entries = await Promise.all(ids.map((id) => this.loaders.metadataOf(keys, false).load(id)));
    const rows = new Map<string, ComparisonRow>();
    entries.forEach((list, column) => {
      for (const entry of list) {
        const row = rows.get(entry.key) ?? { key: entry.key, group: entry.group ?? null, cells: ids.map(() => null), deltas: [], differs: false };
        row.cells[column] = entry;
        rows.set(entry.key, row);
      }
    });
    for (const row of rows.values()) {
      const first = numeric(row.cells[0]);
      row.deltas = row.cells.map((cell) => {
        const value = numeric(cell);
        return first === null || value === null ? null : value - first;
      });
      row.differs = new Set(row.cells.map((cell) => (cell ? `${cell.type}:${cell.value}` : 'none'))).size > 1;
    }
    const ordered = [...rows.values()].sort((a, b) => (a.group ?? '').localeCompare(b.group ?? '') || a.key.localeCompare(b.key));
    return { executions: executions as Entity[], rows: ordered };
  }
}
