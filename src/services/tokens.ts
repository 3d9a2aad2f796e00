import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Executor } from '../db/executor.js';
import { createTokenQuery, liveTokenCountQuery, managedTokensQuery, registerAdminTokenQuery, revokeTokenQuery, useTokenQuery } from '../db/cypher/tokens.js';
import { badInput, forbidden, notFound } from '../domain/errors.js';
import { checkName } from '../domain/uris.js';
import { checkText } from '../domain/validation.js';
import { isRole, ROLES, type Principal, type Role } from '../domain/roles.js';

/**
 * API tokens: `pdg_` and 43 random base64url characters, stored only as their SHA-256
 * (a token is high-entropy, so a fast hash is enough and lookups stay one index seek).
 */
export const newToken = () => `pdg_${randomBytes(32).toString('base64url')}`;
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  projects: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const toRecord = (t: Record<string, any>): TokenRecord => ({
  id: t.id,
  name: t.name,
  role: t.role,
  projects: t.projects,
  createdAt: t.createdAt,
  lastUsedAt: t.lastUsedAt ?? null,
  revokedAt: t.revokedAt ?? null,
});

/** How long a looked-up token is trusted before it is read again (revocation delay). */
const CACHE_MS = 5_000;

export class TokenStore {
  constructor(
    private readonly executor: Executor,
    private readonly cache = new Map<string, { principal: Principal | null; until: number }>(),
    private readonly principal: Principal | null = null,
  ) {}

  /** The same store through a request's executor, so token changes are audited with the request. */
  through(executor: Executor, principal: Principal): TokenStore {
    return new TokenStore(executor, this.cache, principal);
  }

  async create(input: { name: string; role: string; projects: string[] }): Promise<{ token: string; record: TokenRecord }> {
    checkText('name', input.name, 256);
    if (!isRole(input.role)) throw badInput(`role must be one of ${ROLES.join(', ')}, got '${input.role}'`, { field: 'role' });
    if (!input.projects.length) throw badInput("projects must name at least one project, or '*' for all", { field: 'projects' });
    const projects = input.projects.map((p, i) => (p === '*' ? p : checkName(`projects.${i}`, p)));
    const mine = this.principal?.projects ?? '*';
    if (mine !== '*') {
      const outside = projects.find((p) => !mine.includes(p));
      if (outside) throw forbidden(`This token cannot grant project '${outside}'; it may grant only ${mine.join(', ')}`, { field: 'projects' });
    }
    const token = newToken();
    const [row] = await this.executor.write((tx) => tx.run(createTokenQuery({ id: randomUUID(), hash: hashToken(token), name: input.name, role: input.role, projects })));
    return { token, record: toRecord(row.t) };
  }

  /** Registers a token given from outside (PEDIGREE_ADMIN_TOKEN) as an admin for every project. */
  async register(token: string, name: string): Promise<void> {
    await this.executor.write((tx) => tx.run(registerAdminTokenQuery(hashToken(token), randomUUID(), name)));
  }

  count(): Promise<number> {
    return this.executor.query(liveTokenCountQuery()).then((r) => r[0].n);
  }

  list(): Promise<TokenRecord[]> {
    return this.executor.query(managedTokensQuery()).then((rows) => rows.map((r) => toRecord(r.t)));
  }

  async revoke(id: string): Promise<TokenRecord> {
    const [row] = await this.executor.write((tx) => tx.run(revokeTokenQuery(id)));
    if (!row) throw notFound('Token', id);
    this.cache.clear();
    return toRecord(row.t);
  }

  /** The principal of a token, or null when it is unknown or revoked. */
  async authenticate(token: string): Promise<Principal | null> {
    const hash = hashToken(token);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.principal;
    const [row] = await this.executor.write((tx) => tx.run(useTokenQuery(hash)));
    const principal: Principal | null = row ? { name: row.t.name, role: row.t.role, projects: row.t.projects.includes('*') ? '*' : row.t.projects, tokenId: row.t.id } : null;
    this.cache.set(hash, { principal, until: Date.now() + CACHE_MS });
    return principal;
  }
}
