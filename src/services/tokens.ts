import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Executor } from '../db/executor.js';
import {
  createTokenQuery,
  liveTokenCountQuery,
  managedTokensQuery,
  recordTokenUsesQuery,
  registerAdminTokenQuery,
  revokeTokenQuery,
  tokenByHashQuery,
  tokenEpochQuery,
} from '../db/cypher/tokens.js';
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

/**
 * How long a looked-up token is trusted at most. The token epoch (below) clears the cache
 * within about a second of any change to the tokens, so this only bounds how late a
 * revocation is seen while the epoch cannot be read.
 */
const CACHE_MS = 5_000;
/** How often each process reads the token epoch: how late, typically, a revocation made through another replica is seen. */
export const EPOCH_MS = 1_000;
/** How often the uses seen are written to `lastUsedAt`, all in one write. */
export const USES_MS = 5_000;

/** What the store shares with every request's view of it. */
class Shared {
  readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  /** Bumped as the cache is cleared: a lookup begun before does not store its answer, which may predate the change. */
  generation = 0;
  /** Token id -> when it last authenticated a request here (ISO time), not yet written. */
  readonly used = new Map<string, string>();

  invalidate(): void {
    this.cache.clear();
    this.generation += 1;
  }
}

/**
 * Tokens, and the one cache of who they are. Authentication only reads: the time a token
 * was used is collected and written every few seconds in one write per process, so a
 * request that reads nothing else writes nothing, and in a cluster it is served by a
 * reader. Revocation reaches every process within about a second through the token epoch,
 * which each process reads every second (`start`) and which clears its cache when it moves.
 */
export class TokenStore {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private epoch: string | undefined;
  private flushedAt = 0;

  constructor(
    private readonly executor: Executor,
    private readonly shared = new Shared(),
    private readonly principal: Principal | null = null,
  ) {}

  /** The same store through a request's executor, so token changes are audited with the request. */
  through(executor: Executor, principal: Principal): TokenStore {
    return new TokenStore(executor, this.shared, principal);
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
    this.shared.invalidate();
    return toRecord(row.t);
  }

  /** The principal of a token, or null when it is unknown or revoked. */
  async authenticate(token: string): Promise<Principal | null> {
    const hash = hashToken(token);
    const cached = this.shared.cache.get(hash);
    const principal = cached && cached.until > Date.now() ? cached.principal : await this.lookUp(hash);
    if (principal?.tokenId) this.shared.used.set(principal.tokenId, new Date().toISOString());
    return principal;
  }

  /**
   * Reads the token where reads go. One a reader does not know is looked for again where
   * writes go: it may have been made a moment ago through another replica, and refusing it
   * for the cache's lifetime would be wrong.
   */
  private async lookUp(hash: string): Promise<Principal | null> {
    const generation = this.shared.generation;
    const query = tokenByHashQuery(hash);
    let [row] = await this.executor.query(query);
    row ??= (await this.executor.latest(query))[0];
    const principal: Principal | null = row ? { name: row.t.name, role: row.t.role, projects: row.t.projects.includes('*') ? '*' : row.t.projects, tokenId: row.t.id } : null;
    if (generation === this.shared.generation) this.shared.cache.set(hash, { principal, until: Date.now() + CACHE_MS });
    return principal;
  }

  /**
   * Reads the token epoch now and every EPOCH_MS after, and writes the uses every USES_MS;
   * `onError` hears the first failure of a run of them (an outage fails every round, and
   * the next round tries again anyway).
   */
  async start(onError: (error: unknown) => void): Promise<void> {
    this.stopped = false;
    this.flushedAt = Date.now();
    await this.readEpoch();
    let failing = false;
    const tick = async () => {
      try {
        await this.readEpoch();
        if (Date.now() - this.flushedAt >= USES_MS) await this.writeUses();
        failing = false;
      } catch (error) {
        if (!failing) onError(error);
        failing = true;
      }
    };
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.ticking = tick().finally(() => {
          this.ticking = undefined;
          schedule();
        });
      }, EPOCH_MS);
      // the upkeep alone must not keep a process alive
      this.timer.unref();
    };
    schedule();
  }

  /** Stops the upkeep and writes the uses not written yet. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await this.writeUses();
  }

  private async readEpoch(): Promise<void> {
    const [row] = await this.executor.query(tokenEpochQuery());
    const epoch = JSON.stringify(row);
    if (this.epoch !== undefined && epoch !== this.epoch) this.shared.invalidate();
    this.epoch = epoch;
  }

  /** One write for every token used since the last one; on failure the uses are kept for the next. */
  private async writeUses(): Promise<void> {
    this.flushedAt = Date.now();
    const uses = [...this.shared.used].map(([id, at]) => ({ id, at }));
    if (!uses.length) return;
    this.shared.used.clear();
    try {
      await this.executor.write((tx) => tx.run(recordTokenUsesQuery(uses)));
    } catch (error) {
      for (const { id, at } of uses) if (!this.shared.used.has(id)) this.shared.used.set(id, at);
      throw error;
    }
  }
}
