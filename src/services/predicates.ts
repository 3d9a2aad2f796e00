import { badInput, limitExceeded } from '../domain/errors.js';
import { show } from '../scalars/validators.js';
import type { Where } from './lists.js';

/** A predicate on the current value of a metadata name, `group.key` or `key` (`DatumFilter.metadata`). */
export interface MetadataPredicate {
  key: string;
  eq?: unknown;
  ne?: unknown;
  gt?: unknown;
  gte?: unknown;
  lt?: unknown;
  lte?: unknown;
  in?: unknown[] | null;
  exists?: boolean | null;
}

export const MAX_PREDICATES = 10;
const RANGE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** The index column a comparison value is matched against: numbers, strings, booleans. */
function column(field: string, value: unknown): 'num' | 'str' | 'bool' {
  if (typeof value === 'number') return 'num';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  throw badInput(`${field} must be a number, a string or a boolean, got ${show(value)}`, { field });
}

/**
 * Adds metadata predicates to a list query. The first predicate that needs the value to
 * exist starts the query from the (:Current {name, num|str|bool}) index, so the list is
 * driven by the matching entries rather than by a scan of every datum; the others are
 * existence subqueries on the rows that remain.
 */
export function addMetadataPredicates(where: Where, predicates: MetadataPredicate[]): void {
  if (predicates.length > MAX_PREDICATES) {
    throw limitExceeded(`filter.metadata takes at most ${MAX_PREDICATES} predicates, got ${predicates.length}`, { field: 'filter.metadata' });
  }
  predicates.forEach((p, i) => {
    const field = `filter.metadata.${i}`;
    const m = `m${i}`;
    const conditions: string[] = [];
    const param = (name: string, value: unknown) => {
      where.params[`${m}${name}`] = value;
      return `$${m}${name}`;
    };
    if (p.eq !== undefined && p.eq !== null) conditions.push(`${m}.${column(`${field}.eq`, p.eq)} = ${param('eq', p.eq)}`);
    if (p.ne !== undefined && p.ne !== null) conditions.push(`NOT coalesce(${m}.${column(`${field}.ne`, p.ne)} = ${param('ne', p.ne)}, false)`);
    for (const [op, symbol] of Object.entries(RANGE)) {
      const value = p[op as keyof typeof RANGE];
      if (value === undefined || value === null) continue;
      const col = column(`${field}.${op}`, value);
      if (col === 'bool') throw badInput(`${field}.${op} compares numbers or strings, got ${show(value)}`, { field: `${field}.${op}` });
      conditions.push(`${m}.${col} ${symbol} ${param(op, value)}`);
    }
    if (p.in) {
      const byColumn: Record<string, unknown[]> = { num: [], str: [], bool: [] };
      p.in.forEach((v, j) => byColumn[column(`${field}.in.${j}`, v)].push(v));
      const parts = Object.entries(byColumn).filter(([, vs]) => vs.length).map(([col, vs]) => `${m}.${col} IN ${param(`in${col}`, vs)}`);
      conditions.push(parts.length ? `(${parts.join(' OR ')})` : 'false');
    }
    if (!conditions.length && p.exists === undefined) {
      throw badInput(`${field} needs a comparison (eq, ne, gt, gte, lt, lte, in) or exists`, { field });
    }
    const entry = `(${m}:Current {name: ${param('name', p.key)}})`;
    const test = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
    if (p.exists === false) {
      if (conditions.length) throw badInput(`${field}: exists: false cannot be combined with a comparison`, { field });
      where.add(`NOT EXISTS { MATCH (n)<-[:DESCRIBES]-${entry} }`);
    } else if (!where.start) {
      where.start = `MATCH ${entry}${test}`;
    } else {
      where.add(`EXISTS { MATCH (n)<-[:DESCRIBES]-${entry}${test} }`);
    }
  });
}
