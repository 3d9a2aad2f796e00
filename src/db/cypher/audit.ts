import type { AuditRecord } from '../../domain/audit.js';
import type { Query } from '../executor.js';
import { NOW } from './time.js';

/**
 * A mutation's audit entry, written first in its own transaction. Its project is the one
 * the mutation names, else its target's: that decides which admins see it.
 */
export const auditEntryQuery = (record: AuditRecord, id: string): Query => ({
  cypher: `OPTIONAL MATCH (target:Entity {id: $targetId})
CREATE (:AuditEntry {id: $id, createdAt: ${NOW}, principal: $principal, tokenId: $tokenId, operation: $operation, targetId: $targetId,
                     project: coalesce($projectArg, target.project), summary: $summary})`,
  // commits only with the mutation, whose own statements apply the project check
  global: 'the audit entry commits only with its checked mutation',
  params: { id, principal: record.principal, tokenId: record.tokenId, operation: record.operation, targetId: record.targetId, projectArg: record.project, summary: record.summary },
});
