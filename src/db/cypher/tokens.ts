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

/** The live token with this hash, marked as used now. */
export const useTokenQuery = (hash: string): Query => ({
  cypher: `MATCH (t:Token {hash: $hash}) WHERE t.revokedAt IS NULL
SET t.lastUsedAt = ${NOW}
RETURN t`,
  global: TOKENS,
  params: { hash },
});
