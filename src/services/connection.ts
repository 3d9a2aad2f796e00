import { badInput, checkRange } from '../domain/errors.js';
import type { Entity } from '../db/records.js';
import type { Loaders } from '../loaders/index.js';
import type { RelationName } from '../db/cypher/relations.js';

/** Page sizes for every list: a default and a hard maximum. */
export const PAGE = { default: 50, max: 1000 } as const;

export interface Connection<T> {
  edges: Array<{ node: T; cursor: string }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

export function pageSize(first: number | null | undefined): number {
  return checkRange('first', first ?? PAGE.default, 0, PAGE.max);
}

/** Cursors are opaque to clients: base64url of JSON, checked on the way back in. */
export const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function decodeCursor<T>(cursor: string | null | undefined, check: (v: any) => v is T): T | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (check(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw badInput(`after must be a cursor returned by this list, got '${cursor.slice(0, 60)}'`, { field: 'after' });
}

/** Keyset cursor of the newest-first lists: (createdAt, id) of the last item seen. */
export type Keyset = [createdAt: string, id: string];
export const isKeyset = (v: any): v is Keyset => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string');

/**
 * Builds a connection from `first + 1` fetched rows (the extra row only says whether
 * there is a next page) and a count that runs only if the client asks for it.
 */
export function toConnection<T>(rows: T[], first: number, cursorOf: (item: T, index: number) => unknown, hasPrevious: boolean, count: () => Promise<number>): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node, i) => ({ node, cursor: encodeCursor(cursorOf(node, i)) }));
  let counted: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (counted ??= count()),
  };
}

export const keysetOf = (entity: Entity): Keyset => [entity.createdAt, entity.id];

/** Offset cursors for per-parent lists (versions of a model, datums of a version). */
const isOffset = (v: any): v is { o: number } => typeof v?.o === 'number' && Number.isInteger(v.o) && v.o >= 0;

/**
 * A page of a parent's related nodes through the request's loaders, so that the same
 * field on many parents is still one query.
 */
export async function relationConnection(loaders: Loaders, name: RelationName, parentId: string, first: number | null | undefined, after: string | null | undefined): Promise<Connection<Entity>> {
  const size = pageSize(first);
  const offset = (decodeCursor(after, isOffset)?.o ?? -1) + 1;
  const items = await loaders.relation(name, { first: size + 1, offset }).load(parentId);
  return toConnection(items, size, (_, i) => ({ o: offset + i }), offset > 0, () => loaders.count(name).load(parentId));
}
