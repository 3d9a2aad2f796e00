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

/** What the audit log records of one mutation: who, which operation, about what, in which project. */
export interface AuditRecord {
  principal: string;
  tokenId: string | null;
  operation: string;
  targetId: string | null;
  /** The project the mutation names; null when only its target can tell. */
  project: string | null;
  summary: string;
}

export function auditRecord(audit: Required<AuditContext>): AuditRecord {
  return {
    principal: audit.principal.name,
    tokenId: audit.principal.tokenId,
    operation: audit.operation.name,
    targetId: targetOf(audit.operation.args),
    project: projectOf(audit.operation.args),
    summary: summarise(audit.operation.args),
  };
}
