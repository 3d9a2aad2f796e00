import type { Executor } from '../db/executor.js';
import type { Entity } from '../db/records.js';
import { listCountQuery, listPageQuery, type ListLabel } from '../db/cypher/lists.js';
import type { Where } from '../db/cypher/where.js';
import { decodeCursor, isKeyset, keysetOf, pageSize, toConnection, type Connection } from './connection.js';

/**
 * A newest-first page of `label` nodes matching `where`, with keyset pagination on
 * (createdAt, id): stable under inserts; the count runs only when a client asks for it.
 */
export async function listPage(executor: Executor, label: ListLabel, where: Where, first: number | null | undefined, after: string | null | undefined): Promise<Connection<Entity>> {
  const size = pageSize(first);
  const cursor = decodeCursor(after, isKeyset);
  const rows = await executor.query(listPageQuery(label, where, size, cursor));
  const count = () => executor.query(listCountQuery(label, where)).then((r) => r[0].c as number);
  return toConnection(rows.map((r) => r.n as Entity), size, keysetOf, cursor !== undefined, count);
}
