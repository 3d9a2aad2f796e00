import { badInput, limitExceeded } from '../../domain/errors.js';
import { show } from '../../scalars/validators.js';
import { MAX_PREDICATES, type MetadataPredicate } from '../../domain/predicates.js';

/** A WHERE clause built from fixed fragments; caller values only ever travel as parameters. */
export class Where {
  readonly conditions: string[] = [];
  readonly params: Record<string, unknown> = {};
  /** A MATCH that binds `n` from an index other than the label's (metadata predicates). */
  start: string | null = null;

  add(condition: string, params: Record<string, unknown> = {}): this {
    this.conditions.push(condition);
    Object.assign(this.params, params);
    return this;
  }

  copy(): Where {
    const where = new Where();
    where.conditions.push(...this.conditions);
    Object.assign(where.params, this.params);
    where.start = this.start;
    return where;
  }

  match(label: string): string {
    return this.start ? `${this.start}\nMATCH (m0)-[:DESCRIBES]->(n:${label})` : `MATCH (n:${label})`;
  }

  toString() {
    return this.conditions.length ? `WHERE ${this.conditions.join('\n  AND ')}` : '';
  }
}

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
 * existence subqueries on the rows that remain. Without `indexStart` (nodes already bound,
 * as in a lineage walk) every predicate is an existence subquery on `n`.
 */
export function addMetadataPredicates(where: Where, predicates: MetadataPredicate[], { indexStart = true }: { indexStart?: boolean } = {}): void {
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
    // the columns compared by = and ranges alone: one of them lets the start be a seek of its (name, column) index
    const seekable = new Set<string>();
    if (p.eq !== undefined && p.eq !== null) {
      const col = column(`${field}.eq`, p.eq);
      seekable.add(col);
      conditions.push(`${m}.${col} = ${param('eq', p.eq)}`);
    }
    if (p.ne !== undefined && p.ne !== null) conditions.push(`NOT coalesce(${m}.${column(`${field}.ne`, p.ne)} = ${param('ne', p.ne)}, false)`);
    for (const [op, symbol] of Object.entries(RANGE)) {
      const value = p[op as keyof typeof RANGE];
      if (value === undefined || value === null) continue;
      const col = column(`${field}.${op}`, value);
      if (col === 'bool') throw badInput(`${field}.${op} compares numbers or strings, got ${show(value)}`, { field: `${field}.${op}` });
      seekable.add(col);
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
    } else if (indexStart && !where.start) {
      // Left to itself, the planner sometimes scanned the whole index and filtered (with
      // statistics taken while the store held other data); the hint keeps the seek.
      const [col] = seekable;
      const hint = seekable.size === 1 && p.ne == null && !p.in ? ` USING INDEX SEEK ${m}:Current(name, ${col})` : '';
      where.start = `MATCH ${entry}${hint}${test}`;
    } else {
      where.add(`EXISTS { MATCH (n)<-[:DESCRIBES]-${entry}${test} }`);
    }
  });
}
