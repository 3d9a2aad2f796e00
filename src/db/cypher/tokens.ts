import type { Query } from '../executor.js';
import { NOW } from './time.js';

/**
 * Tokens belong to no project, so their statements say so to the executor; an admin of
 * some projects manages only tokens confined to those projects (`$scope` below).
 */
const TOKENS = 'tokens belong to no project';
const MANAGED = '($scope IS NULL OR all(p IN t.projects WHERE p IN $scope))';

export interface NewToken {
  id: string;
  hash: string;
  name: string;
  role: string;
  projects: string[];
}

/** A new token record (its secret is only ever stored as `hash`). */
export const createTokenQuery = (token: NewToken): Query => ({
  cypher: `CREATE (t:Token {id: $id, hash: $hash, name: $name, role: $role, projects: $projects, createdAt: ${NOW}}) RETURN t`,
  global: TOKENS,
  params: { ...token },
});

/** A token given from outside (PEDIGREE_ADMIN_TOKEN) as an admin of every project; registering it again revives it. */
export const registerAdminTokenQuery = (hash: string, id: string, name: string): Query => ({
  cypher: `MERGE (t:Token {hash: $hash})
ON CREATE SET t.id = $id, t.name = $name, t.role = 'admin', t.projects = ['*'], t.createdAt = ${NOW}
REMOVE t.revokedAt`,
  global: TOKENS,
  params: { hash, id, name },
});

/** How many tokens are not revoked (a first start makes one when there are none). */
export const liveTokenCountQuery = (): Query => ({ cypher: 'MATCH (t:Token) WHERE t.revokedAt IS NULL RETURN count(t) AS n', global: TOKENS });

/** The tokens the request's admin manages, oldest first. */
export const managedTokensQuery = (): Query => ({ cypher: `MATCH (t:Token) WHERE ${MANAGED} RETURN t ORDER BY t.createdAt, t.id` });

/** Revokes a managed token (the first revocation time is kept). */
export const revokeTokenQuery = (id: string): Query => ({
  cypher: `MATCH (t:Token {id: $id}) WHERE ${MANAGED} SET t.revokedAt = coalesce(t.revokedAt, ${NOW}) RETURN t`,
  params: { id },
});

/** The live token with this hash (a read: when it was used is written apart, in batches). */
export const tokenByHashQuery = (hash: string): Query => ({
  cypher: 'MATCH (t:Token {hash: $hash}) WHERE t.revokedAt IS NULL RETURN t',
  global: TOKENS,
  params: { hash },
});

/**
 * Writes when tokens were last used, for many tokens in one statement: `uses` are
 * {id, at (ISO time)}, and an earlier time never replaces a later one (replicas flush in
 * any order).
 */
export const recordTokenUsesQuery = (uses: Array<{ id: string; at: string }>): Query => ({
  cypher: `UNWIND $uses AS use
MATCH (t:Token {id: use.id})
WITH t, datetime(use.at) AS at
WHERE t.lastUsedAt IS NULL OR t.lastUsedAt < at
SET t.lastUsedAt = at`,
  global: TOKENS,
  params: { uses },
});

/**
 * The token epoch: a summary that changes whenever a token is made, revoked or revived
 * (registered again), so a replica that reads it every second knows when its cached
 * lookups may be stale. Derived from the tokens themselves, it needs no state of its own
 * that a write could forget to bump. One label scan: tokens number in the hundreds.
 */
export const tokenEpochQuery = (): Query => ({
  cypher: 'MATCH (t:Token) RETURN count(t) AS tokens, toString(max(t.createdAt)) AS created, count(t.revokedAt) AS revoked, toString(max(t.revokedAt)) AS revokedLast',
  global: TOKENS,
});
