import neo4j, { Driver, ManagedTransaction, Neo4jError, type QueryResult, Session } from 'neo4j-driver';
import { MAX_RETRY_MS } from './driver.js';
import { conflict, databaseUnreachable, forbidden, limitExceeded, PedigreeError } from '../domain/errors.js';
import { toPlain } from './records.js';
import { bookmarkRefused, type RequestBookmarks } from '../domain/bookmarks.js';
import { bookmarksReachedQuery } from './cypher/bookmarks.js';
import type { ChangeEvent } from '../domain/events.js';

/** A built query: Cypher text (from fixed fragments only) and its parameters. */
export interface Query {
  cypher: string;
  params?: Record<string, unknown>;
  /** Why the statement touches no project's data (tokens, the audit entry): it then runs without the project predicate. */
  global?: string;
  /** Columns holding a node projected to a map (`projectionOf`), each with its keys that hold epoch milliseconds: made plain and redacted as a whole node is. */
  projected?: Record<string, readonly string[]>;
}

export type Row = Record<string, any>;

/** Runs queries inside one transaction; rows come back as plain objects. */
export interface Tx {
  run(query: Query): Promise<Row[]>;
  /** Records a change event: written by the outbox hook last in the transaction, so it exists exactly when the change commits. */
  emit(event: ChangeEvent): void;
}

/** Told how long each statement took and when sessions open and close (metrics). */
export interface ExecutorObserver {
  statement(seconds: number, failed: boolean): void;
  sessions(change: 1 | -1): void;
}

export interface ExecutorOptions {
  database: string;
  txTimeoutMs: number;
  /** Called once per Cypher statement sent, for round-trip counting (tests, bench, metrics). */
  onQuery?: (query: Query) => void;
  observer?: ExecutorObserver;
  /**
   * A statement every write transaction runs first (a mutation's audit entry), made once
   * per write before its first attempt. It must carry a unique id: a retry that meets that
   * id knows the first attempt committed.
   */
  journal?: () => Query | null;
  /**
   * The statements that write a transaction's change events (the transactional outbox),
   * run after its work and before it commits. A write that emits events needs it.
   */
  outbox?: (events: ChangeEvent[]) => Query[];
  /**
   * The projects the request may see: null for all, absent for the server's own work
   * (migrations, authentication), which is the only work that runs without the predicate.
   */
  scope?: readonly string[] | null;
  /**
   * The request's causal state: every session starts from the bookmarks the client sent,
   * and every write's bookmarks are kept for the answer. Every session also shares the
   * driver's bookmark manager, so the process always reads its own writes.
   */
  bookmarks?: RequestBookmarks;
}

/**
 * The only code that opens sessions. A session per call, managed transactions
 * (`executeRead` / `executeWrite`, retried by the driver on transient errors, so work
 * functions must be safe to run twice: ids are made before the work starts), closed in
 * `finally`, and driver errors mapped to typed errors here and nowhere else.
 */
export class Executor {
  constructor(
    private readonly driver: Driver,
    private readonly options: ExecutorOptions,
  ) {}

  /** One read transaction: `work` may run several queries that see one snapshot. */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.withSession(neo4j.session.READ, (s) => s.executeRead((tx) => work(this.wrap(tx)), this.txConfig()));
  }

  /**
   * One write transaction: all of `work` commits, or none of it.
   *
   * The driver runs `work` again when the connection drops, even during COMMIT, when the
   * first attempt may have committed. The journal statement, with its id made once before
   * the first attempt (and unique), is therefore written first: a second attempt after a
   * commit meets that id and stops before doing anything twice, and the caller is told the
   * change was applied rather than getting it applied again.
   */
  write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const journal = this.options.journal?.() ?? null;
    return this.withSession(neo4j.session.WRITE, (s) =>
      s.executeWrite(async (managed) => {
        // a retried attempt starts with no events: the first attempt's rolled back with it
        const events: ChangeEvent[] = [];
        const tx = this.wrap(managed, events);
        if (journal) {
          try {
            await tx.run(journal);
          } catch (error) {
            if (isConstraintError(error)) throw alreadyApplied();
            throw error;
          }
        }
        const result = await work(tx);
        if (events.length) {
          if (!this.options.outbox) throw new Error(`change events emitted where no outbox writes them: ${events.map((e) => e.type).join(', ')}`);
          for (const query of this.options.outbox(events)) await tx.run(query);
        }
        return result;
      }, this.txConfig()),
      this.options.bookmarks?.writing(),
    );
  }

  /**
   * A single read query, as an auto-commit transaction: one round trip (RUN) instead of
   * two (BEGIN + RUN, then COMMIT), which halves what Neo4j and the driver spend on a
   * point lookup. The driver retries only managed transactions, so this retries itself.
   */
  query(query: Query): Promise<Row[]> {
    return this.single(neo4j.session.READ, query);
  }

  /**
   * A single read that must see every commit, whichever process made it: it goes where
   * writes go (a cluster's leader) instead of to a reader, which may lag behind. For reads a
   * decision rests on (a compare-and-set's check, a token no reader knows yet), not for
   * answers, which readers serve.
   */
  latest(query: Query): Promise<Row[]> {
    return this.single(neo4j.session.WRITE, query);
  }

  /**
   * Schema statements run one per transaction, outside any data transaction. Replicas that
   * start together run them at once and can deadlock on the label locks they take; each is
   * idempotent (migrations), so a transient failure is retried like a single read's.
   */
  async schema(cypher: string): Promise<void> {
    await this.withSession(neo4j.session.WRITE, (s) => retried(() => s.run(cypher).then(() => undefined)));
  }

  private single(mode: 'READ' | 'WRITE', query: Query): Promise<Row[]> {
    return this.withSession(mode, (s) => retried(() => this.statement(query, (cypher, params) => s.run(cypher, params, this.txConfig()))));
  }

  private txConfig() {
    return { timeout: this.options.txTimeoutMs };
  }

  private wrap(tx: ManagedTransaction, events?: ChangeEvent[]): Tx {
    return {
      run: (query) => this.statement(query, (cypher, params) => tx.run(cypher, params)),
      emit: (event) => {
        if (!events) throw new Error(`a read transaction cannot record the change event ${event.type}`);
        events.push(event);
      },
    };
  }

  /** Sends one statement through `send` (a transaction's or a session's run): scoped, counted, timed, and its rows made plain. */
  private async statement(query: Query, send: (cypher: string, params: Record<string, unknown>) => Promise<QueryResult>): Promise<Row[]> {
    const params = this.scoped(query);
    this.options.onQuery?.({ ...query, params });
    const result = await this.timed(() => send(query.cypher, params));
    const scope = this.options.scope ?? null;
    return result.records.map((record) => {
      const row: Row = {};
      for (const key of record.keys) row[key as string] = toPlain(record.get(key), scope, query.projected?.[key as string]);
      return row;
    });
  }

  private async timed<T>(run: () => Promise<T>): Promise<T> {
    const observer = this.options.observer;
    if (!observer) return run();
    const started = performance.now();
    let failed = true;
    try {
      const result = await run();
      failed = false;
      return result;
    } finally {
      observer.statement((performance.now() - started) / 1000, failed);
    }
  }

  /**
   * Project isolation, in the one place every statement passes: a statement pinned to a
   * `$project` runs only for a project of the token (FORBIDDEN otherwise, before anything
   * is read, so the answer says nothing about what exists there); any other statement must
   * apply the predicate on `$scope` (see `visible`) or say why it needs none. Nodes of
   * other projects a statement still returns (lineage crossing projects) arrive redacted.
   */
  private scoped(query: Query): Record<string, unknown> {
    const params = query.params ?? {};
    const scope = this.options.scope;
    if (scope === undefined) return params;
    const pinned = typeof params.project === 'string';
    if (pinned && scope !== null && !scope.includes(params.project as string)) {
      throw forbidden(`This token cannot use project '${params.project}'`, { field: 'project' });
    }
    if (!pinned && !query.global && !/\$scope\b/.test(query.cypher)) {
      throw new Error(`Statement without the project predicate: ${query.cypher.slice(0, 200)}`);
    }
    return { ...params, scope };
  }

  /**
   * Runs `work` in a session of its own. Every session shares the driver's bookmark manager
   * (the one `executeQuery` uses, so one per driver), which makes each start from the latest
   * commit this process knows of: in a cluster a read follows the process's own writes
   * even when a reader serves it. It also starts from the client's bookmarks, once they are
   * known to be reachable. `committed`, for writes, receives the session's bookmarks.
   */
  private async withSession<T>(mode: 'READ' | 'WRITE', work: (s: Session) => Promise<T>, committed?: (bookmarks: string[]) => void): Promise<T> {
    const after = this.options.bookmarks?.after ?? [];
    const reached = reachedBy(this.driver);
    if (!after.every((b) => reached.has(b))) await this.options.bookmarks!.reach(() => this.reach(after));
    const session = this.driver.session({ database: this.options.database, defaultAccessMode: mode, bookmarkManager: this.driver.executeQueryBookmarkManager, bookmarks: [...after] });
    this.options.observer?.sessions(1);
    try {
      const result = await work(session);
      if (committed) {
        const bookmarks = session.lastBookmarks();
        remember(reached, bookmarks);
        committed(bookmarks);
      }
      return result;
    } catch (error) {
      throw mapDriverError(error);
    } finally {
      await session.close();
      this.options.observer?.sessions(-1);
    }
  }

  /**
   * Waits until the database has reached the client's bookmarks, apart from any work. Neo4j
   * holds a statement until then, for up to its own bookmark timeout (30 s by default); an
   * altered bookmark may name a state it never reaches, and one not meant for it is refused
   * outright. The wait is therefore bounded by the transaction time limit, and either
   * refusal is the client's BAD_USER_INPUT. A session whose statement still waits is closed
   * once Neo4j answers: closing it earlier would wait with it.
   */
  private async reach(bookmarks: readonly string[]): Promise<void> {
    const session = this.driver.session({ database: this.options.database, defaultAccessMode: neo4j.session.READ, bookmarks: [...bookmarks], disableAutoCommitRetries: true });
    this.options.observer?.sessions(1);
    const answered = this.statement(bookmarksReachedQuery(), (cypher, params) => session.run(cypher, params, this.txConfig())).then(() => true);
    const closed = answered
      .catch(() => false)
      .finally(() => session.close().catch(() => undefined))
      .finally(() => this.options.observer?.sessions(-1));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.options.txTimeoutMs)));
    const unreached = () =>
      bookmarkRefused(`names a state the database has not reached within the transaction time limit (${this.options.txTimeoutMs / 1000} s): it was altered or comes from another database, or the database's readers lag that far behind`);
    try {
      if (!(await Promise.race([answered, expired]))) throw unreached();
      await closed;
      remember(reachedBy(this.driver), bookmarks);
    } catch (error) {
      // Neo4j's own bookmark timeout, when it is shorter than the transaction's
      throw error instanceof Neo4jError && error.code === 'Neo.TransientError.Transaction.BookmarkTimeout' ? unreached() : mapDriverError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Bookmarks each driver's database is known to have reached: the process's own writes',
 * and the clients' that have been waited for once. Such a bookmark names a real state,
 * which every member of a cluster reaches in the normal course of replication (a session
 * starting from it still waits for its reader), so a request sending it again skips the
 * separate, bounded wait, which would double a point lookup's round trips. An optimisation
 * only; the oldest are forgotten past REACHED_KEPT.
 */
const reachedByDriver = new WeakMap<object, Set<string>>();
const REACHED_KEPT = 10_000;

function reachedBy(driver: Driver): Set<string> {
  // keyed by the driver's bookmark manager, the one object every view of the driver shares
  const key = driver.executeQueryBookmarkManager;
  let known = reachedByDriver.get(key);
  if (!known) reachedByDriver.set(key, (known = new Set()));
  return known;
}

function remember(known: Set<string>, bookmarks: readonly string[]): void {
  for (const b of bookmarks) {
    // met again: now the newest
    known.delete(b);
    known.add(b);
  }
  for (const b of known) {
    if (known.size <= REACHED_KEPT) break;
    known.delete(b);
  }
}

/**
 * Runs `attempt` again after a failure the driver calls retryable (a dropped connection, a
 * transient error), waiting as it does between managed transaction attempts: 1, 2, 4 s
 * (±20 %) while under the same retry budget.
 */
async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let delayMs = 1_000; ; delayMs *= 2) {
    try {
      return await attempt();
    } catch (error) {
      if (!neo4j.isRetryableError(error) || Date.now() - started >= MAX_RETRY_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs * (0.8 + Math.random() * 0.4)));
    }
  }
}

const isConstraintError = (error: unknown) => error instanceof Neo4jError && error.code === 'Neo.ClientError.Schema.ConstraintValidationFailed';

const alreadyApplied = () =>
  conflict('This change was already applied: the database committed it but its answer was lost when the connection dropped. Read the result back instead of sending the change again.', {
    reason: 'ALREADY_APPLIED',
  });

/** Driver errors become typed API errors; anything unrecognised is left for `formatError` to mask. */
export function mapDriverError(error: unknown): unknown {
  if (error instanceof PedigreeError || !(error instanceof Neo4jError)) return error;
  const code = error.code ?? '';
  if (isConstraintError(error)) {
    return conflict(`The change conflicts with existing data: ${error.message.split('\n')[0]}`);
  }
  // only a client's bookmarks can be malformed: the process's own come from Neo4j
  if (code.startsWith('Neo.ClientError.Transaction.InvalidBookmark')) {
    return bookmarkRefused(`is not a bookmark this database can read (${error.message.split('\n')[0]})`);
  }
  const timedOut =
    code.includes('TransactionTimedOut') ||
    (code === 'Neo.ClientError.Transaction.TransactionMarkedAsFailed' && /timed? ?out/i.test(error.message));
  if (timedOut) {
    return limitExceeded('The database transaction ran past its time limit; narrow the request (depth, limit, filters)');
  }
  // An exhausted pool is not retried by the driver and has no code of its own ('N/A').
  const poolExhausted = code === 'N/A' && /^Connection acquisition timed out/.test(error.message);
  if (poolExhausted || code === 'ServiceUnavailable' || code === 'SessionExpired' || code.startsWith('Neo.TransientError.General.DatabaseUnavailable')) {
    return databaseUnreachable();
  }
  return error;
}
