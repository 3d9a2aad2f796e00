import { forbidden } from '../domain/errors.js';

/**
 * Roles, each including the ones before it: readers read; writers record executions,
 * datums, metadata and tags and move unprotected aliases; approvers also approve and
 * reject model versions; admins also manage tokens and webhooks.
 */
export const ROLES = ['reader', 'writer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Who acts: written as createdBy, updatedBy, loggedBy and in the audit log. */
  name: string;
  role: Role;
  /** Projects the token may use; '*' for all. */
  projects: string[] | '*';
  tokenId: string | null;
}

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** The role each mutation needs; any mutation not listed needs `writer`, any query `reader`. */
const MUTATION_ROLES: Record<string, Role> = {
  createToken: 'admin',
  revokeToken: 'admin',
  protectAlias: 'admin',
  createWebhook: 'admin',
  deleteWebhook: 'admin',
  approveModelVersion: 'approver',
  rejectModelVersion: 'approver',
  archiveModelVersion: 'approver',
};
const QUERY_ROLES: Record<string, Role> = {
  tokens: 'admin',
  auditLog: 'admin',
  webhooks: 'admin',
  webhookDeliveries: 'admin',
};

export function requiredRole(operation: 'query' | 'mutation', field: string): Role {
  return (operation === 'mutation' ? MUTATION_ROLES[field] ?? 'writer' : QUERY_ROLES[field]) ?? 'reader';
}

export const hasRole = (principal: Principal, role: Role): boolean => ROLES.indexOf(principal.role) >= ROLES.indexOf(role);

/** Throws FORBIDDEN unless the principal's role includes `role`; says which role is needed. */
export function requireRole(principal: Principal, role: Role, what: string): void {
  if (!hasRole(principal, role)) {
    throw forbidden(`${what} needs the ${role} role; this token is ${principal.role}`, { required: role });
  }
}

/** Throws FORBIDDEN unless the token may use `project` (the same refusal a statement pinned to it gets). */
export function requireProject(principal: Principal, project: string): void {
  if (principal.projects !== '*' && !principal.projects.includes(project)) throw forbidden(`This token cannot use project '${project}'`, { field: 'project' });
}
