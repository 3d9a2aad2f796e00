import { randomUUID } from 'node:crypto';
import type { Query } from '../db/executor.js';
import { NOW } from '../db/cypher/time.js';
import type { Principal } from './roles.js';

/** What the audit log records of the mutation a request runs. */
export interface AuditContext {
  principal: Principal;
  operation?: { name: string; args: Record<string, unknown> };
}

const TARGET_ARGS = ['id', 'target', 'executionId', 'datumId', 'targets', 'datumIds', 'ids'];
const SUMMARY_LIMIT = 2000;

/** The node a mutation is about, when its arguments name one. */
function targetOf(args: Record<string, unknown>): string | null {
  for (const key of TARGET_ARGS) {
    const value = args[key];
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return null;
}

/** The project a mutation names, directly or in its input object. */
function projectOf(args: Record<string, unknown>): string | null {
  const input = args.input as Record<string, unknown> | undefined;
  const project = args.project ?? input?.project;
  return typeof project === 'string' ? project : null;
}

/** The arguments, compact: long lists are counted, not copied. */
function summarise(args: Record<string, unknown>): string {
  const text = JSON.stringify(args, (_, v) => (Array.isArray(v) && v.length > 20 ? `[${v.length} items]` : typeof v === 'bigint' ? v.toString() : v));
  return text.length > SUMMARY_LIMIT ? `${text.slice(0, SUMMARY_LIMIT - 3)}...` : text;
}

export function auditEntryQuery(audit: Required<AuditContext>): Query {
  return {
    cypher: `OPTIONAL MATCH (target:Entity {id: $targetId})
CREATE (:AuditEntry {id: $id, createdAt: ${NOW}, principal: $principal, tokenId: $tokenId, operation: $operation, targetId: $targetId,
                     project: coalesce($projectArg, target.project), summary: $summary})`,
    // Commits only with the mutation, whose own statements apply the project check; the
    // entry's project (named by the mutation, or its target's) decides which admins see it.
    global: 'the audit entry commits only with its checked mutation',
    params: {
      projectArg: projectOf(audit.operation.args),
      id: randomUUID(),
      principal: audit.principal.name,
      tokenId: audit.principal.tokenId,
      operation: audit.operation.name,
      targetId: targetOf(audit.operation.args),
      summary: summarise(audit.operation.args),
    },
  };
}
