import type { Executor, Query } from '../db/executor.js';
import { int } from '../db/records.js';
import { checkTags } from './tags.js';
import type { Entity } from '../loaders/index.js';
import { decodeCursor, isKeyset, keysetOf, pageSize, toConnection, type Connection } from './connection.js';
import { parseDateTime } from '../scalars/validators.js';
import { checked } from '../domain/validation.js';
import { addMetadataPredicates, Where } from '../db/cypher/where.js';
import type { MetadataPredicate } from '../domain/predicates.js';
import { visible } from '../db/cypher/scope.js';

/** Filters every list shares (DatumFilter and ExecutionFilter). */
export interface CommonFilter {
  project?: string | null;
  tagsAll?: string[] | null;
  tagsAny?: string[] | null;
  createdAfter?: string | Date | null;
  createdBefore?: string | Date | null;
  metadata?: MetadataPredicate[] | null;
}

const iso = (field: string, v: string | Date) => checked(field, parseDateTime, v);

export function commonWhere(filter: CommonFilter | null | undefined): Where {
  const where = new Where();
  if (!filter) return where;
  if (filter.metadata?.length) addMetadataPredicates(where, filter.metadata);
  if (filter.project) where.add('n.project = $project', { project: filter.project });
  if (filter.tagsAll?.length) {
    where.add('all(tag IN $tagsAll WHERE EXISTS { (n)-[:TAGGED]->(:Tag {name: tag}) })', { tagsAll: checkTags(filter.tagsAll, 'filter.tagsAll') });
  }
  if (filter.tagsAny?.length) {
    where.add('EXISTS { (n)-[:TAGGED]->(t:Tag) WHERE t.name IN $tagsAny }', { tagsAny: checkTags(filter.tagsAny, 'filter.tagsAny') });
  }
  if (filter.createdAfter) where.add('n.createdAt >= datetime($createdAfter)', { createdAfter: iso('filter.createdAfter', filter.createdAfter) });
  if (filter.createdBefore) where.add('n.createdAt < datetime($createdBefore)', { createdBefore: iso('filter.createdBefore', filter.createdBefore) });
  return where;
}

/**
 * A newest-first page of `label` nodes matching `where`, with keyset pagination on
 * (createdAt, id): stable under inserts, and each page is an index range, not a skip.
 */
export async function listPage(executor: Executor, label: 'Datum' | 'Execution' | 'AuditEntry', where: Where, first: number | null | undefined, after: string | null | undefined): Promise<Connection<Entity>> {
  const size = pageSize(first);
  const cursor = decodeCursor(after, isKeyset);
  where = where.copy().add(visible('n'));
  const page = where.copy();
  if (cursor) {
    page.add('(n.createdAt < datetime($afterAt) OR (n.createdAt = datetime($afterAt) AND n.id < $afterId))', {
      afterAt: cursor[0],
      afterId: cursor[1],
    });
  }
  const query: Query = {
    cypher: `${page.match(label)}\n${page}\nRETURN n ORDER BY n.createdAt DESC, n.id DESC LIMIT $limit`,
    params: { ...page.params, limit: int(size + 1) },
  };
  const rows = await executor.query(query);
  const count = () =>
    executor
      .query({ cypher: `${where.match(label)}\n${where}\nRETURN count(n) AS c`, params: where.params })
      .then((r) => r[0].c as number);
  return toConnection(rows.map((r) => r.n as Entity), size, keysetOf, cursor !== undefined, count);
}
