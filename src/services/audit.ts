import type { Executor } from '../db/executor.js';
import { listPage } from './lists.js';
import { Where } from '../db/cypher/where.js';
import { checked } from '../domain/validation.js';
import { parseDateTime } from '../scalars/validators.js';

export interface AuditFilter {
  principal?: string | null;
  operation?: string | null;
  targetId?: string | null;
  after?: string | Date | null;
  before?: string | Date | null;
}

/** The audit log, newest first, with the same keyset pagination as every list. */
export function auditPage(executor: Executor, filter: AuditFilter | null | undefined, first?: number | null, after?: string | null) {
  const where = new Where();
  if (filter?.principal) where.add('n.principal = $principal', { principal: filter.principal });
  if (filter?.operation) where.add('n.operation = $operation', { operation: filter.operation });
  if (filter?.targetId) where.add('n.targetId = $targetId', { targetId: filter.targetId });
  if (filter?.after) where.add('n.createdAt >= datetime($from)', { from: checked('filter.after', parseDateTime, filter.after) });
  if (filter?.before) where.add('n.createdAt < datetime($to)', { to: checked('filter.before', parseDateTime, filter.before) });
  return listPage(executor, 'AuditEntry', where, first, after);
}
