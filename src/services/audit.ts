import type { Executor } from '../db/executor.js';
import { auditWhere } from '../db/cypher/lists.js';
import type { AuditFilter } from '../domain/filters.js';
import { listPage } from './lists.js';

/** The audit log, newest first, with the same keyset pagination as every list. */
export const auditPage = (executor: Executor, filter: AuditFilter | null | undefined, first?: number | null, after?: string | null) =>
  listPage(executor, 'AuditEntry', auditWhere(filter), first, after);
