import type { AuditFilter, CommonFilter, DatumFilter, ExecutionFilter } from '../../domain/filters.js';
import { checked, checkSha256, checkTags } from '../../domain/validation.js';
import { parseDateTime } from '../../scalars/validators.js';
import type { Query } from '../executor.js';
import { int } from '../records.js';
import { visible } from './scope.js';
import { addMetadataPredicates, Where } from './where.js';

/** The labels a keyset list pages through. */
export type ListLabel = 'Datum' | 'Execution' | 'AuditEntry';

const iso = (field: string, v: string | Date) => checked(field, parseDateTime, v);

function commonWhere(filter: CommonFilter | null | undefined): Where {
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

/** `datums(filter)`: the shared filters, its producer, a path prefix and the content hash. */
export function datumsWhere(filter: DatumFilter | null | undefined): Where {
  const where = commonWhere(filter);
  if (filter?.producer) where.add('EXISTS { (n)-[:PRODUCED_BY]->(:Execution {id: $producer}) }', { producer: filter.producer });
  if (filter?.pathPrefix) where.add('n.path STARTS WITH $pathPrefix', { pathPrefix: filter.pathPrefix });
  // an empty string is a bad hash, not an absent filter: it must not list every datum
  if (filter?.sha256 != null) where.add('n.sha256 = $sha256', { sha256: checkSha256('filter.sha256', filter.sha256) });
  return where;
}

/** `executions(filter)`: the shared filters, status, kind, name and the parent pipeline run. */
export function executionsWhere(filter: ExecutionFilter | null | undefined): Where {
  const where = commonWhere(filter);
  if (filter?.status?.length) where.add('n.status IN $status', { status: filter.status });
  if (filter?.kind?.length) where.add('n.kind IN $kind', { kind: filter.kind });
  if (filter?.name) where.add('n.name = $name', { name: filter.name });
  if (filter?.parent) where.add('EXISTS { (n)-[:PART_OF]->(:Execution {id: $parent}) }', { parent: filter.parent });
  return where;
}

/** `auditLog(filter)`: by principal, operation, target and time. */
export function auditWhere(filter: AuditFilter | null | undefined): Where {
  const where = new Where();
  if (filter?.principal) where.add('n.principal = $principal', { principal: filter.principal });
  if (filter?.operation) where.add('n.operation = $operation', { operation: filter.operation });
  if (filter?.targetId) where.add('n.targetId = $targetId', { targetId: filter.targetId });
  if (filter?.after) where.add('n.createdAt >= datetime($from)', { from: iso('filter.after', filter.after) });
  if (filter?.before) where.add('n.createdAt < datetime($to)', { to: iso('filter.before', filter.before) });
  return where;
}

/**
 * A newest-first page of `label` nodes matching `where` in the token's projects: `size`
 * of them and one more (which only says there is a next page), after the keyset cursor
 * (createdAt, id) when there is one, so each page is an index range, not a skip.
 */
export function listPageQuery(label: ListLabel, filter: Where, size: number, after?: [createdAt: string, id: string]): Query {
  const page = filter.copy().add(visible('n'));
  if (after) {
    page.add('(n.createdAt < datetime($afterAt) OR (n.createdAt = datetime($afterAt) AND n.id < $afterId))', { afterAt: after[0], afterId: after[1] });
  }
  return {
    cypher: `${page.match(label)}\n${page}\nRETURN n ORDER BY n.createdAt DESC, n.id DESC LIMIT $limit`,
    params: { ...page.params, limit: int(size + 1) },
  };
}

/** How many `label` nodes in the token's projects match `where` (a list's totalCount). */
export function listCountQuery(label: ListLabel, filter: Where): Query {
  const where = filter.copy().add(visible('n'));
  return { cypher: `${where.match(label)}\n${where}\nRETURN count(n) AS c`, params: where.params };
}
