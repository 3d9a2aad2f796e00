import { randomUUID } from 'node:crypto';
import type { Executor, Tx } from '../db/executor.js';
import {
  aliasConsumersQuery,
  aliasQuery,
  aliasTargetAsOfQuery,
  aliasTargetQuery,
  deleteAliasQuery,
  moveAliasQuery,
  moveCheckQuery,
  protectAliasQuery,
} from '../db/cypher/aliases.js';
import { badInput, checkRange, conflict, forbidden, notFound } from '../domain/errors.js';
import { hasRole, requireRole } from '../domain/roles.js';
import { checkName } from '../domain/uris.js';
import { optionalText } from '../domain/validation.js';
import type { Entity } from '../db/records.js';
import type { Principal } from '../domain/roles.js';
import { ensureProject } from './projects.js';
import { KeyedGate } from '../domain/gate.js';

export interface SetAliasInput {
  project: string;
  name: string;
  datumId: string;
  expectedDatumId?: string | null;
  reason?: string | null;
}

/**
 * Moves of one alias through this process, one at a time: Neo4j's lock waiters spin, so
 * sixteen moves queued on one alias's lock starve its holder of CPU on a small machine
 * and the tail reaches seconds. This is an optimisation only: the database lock decides,
 * between replicas as within one (`moveAlias` checks the expectation again under it), and
 * with the queue at most one move per replica waits on the lock of one alias.
 */
const moves = new KeyedGate();

/**
 * Aliases are mutable, per-project pointers to immutable datums (`datum://model-prod`).
 * Every move is kept as an AliasMove (who, when, from, to, why) in the same transaction.
 */
export class AliasService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
  ) {}

  get(project: string, name: string): Promise<Entity | null> {
    return this.executor.query(aliasQuery(project, name)).then((rows) => rows[0]?.n ?? null);
  }

  /**
   * Points the alias at a datum of the same project, creating it if new. With
   * `expectedDatumId` the move is compare-and-set (see `moveAlias`).
   */
  set(input: SetAliasInput): Promise<Entity> {
    checkName('name', input.name);
    const reason = optionalText('reason', input.reason, 1024);
    const expected = input.expectedDatumId ?? null;
    const move = () =>
      this.executor.write(async (tx) => {
        await ensureProject(tx, input.project);
        return moveAlias(tx, { ...input, reason }, this.principal);
      });
    // After waiting for another move of the alias, an expectation it made stale is refused
    // from a plain read, without opening a transaction or queueing for the alias's lock.
    // The read goes where writes go: a reader that lags could show an older target and
    // refuse an expectation that is still true.
    const recheck = async () => {
      if (expected === null) return;
      const [row] = await this.executor.latest(aliasTargetQuery(input.project, input.name));
      const current: string | null = row?.current ?? null;
      if (current !== expected) throw staleExpectation(input.name, expected, current);
    };
    return moves.run(`${input.project}\u0000${input.name}`, move, recheck);
  }

  /** Where the alias pointed at `asOf`: the target of the last move at or before it. */
  targetAsOf(aliasId: string, asOf: string): Promise<string | null> {
    return this.executor.query(aliasTargetAsOfQuery(aliasId, asOf)).then((rows) => rows[0]?.target ?? null);
  }

  /** Executions that read through the alias, optionally only while it pointed at one datum. */
  consumers(alias: Entity, pointingAt?: string | null, first?: number | null): Promise<Entity[]> {
    const limit = checkRange('first', first ?? 100, 1, 1_000);
    return this.executor.query(aliasConsumersQuery(alias.project, alias.name, pointingAt ?? null, limit)).then((rows) => rows.map((r) => r.e as Entity));
  }

  protect(project: string, name: string, value: boolean): Promise<Entity> {
    return this.executor.write((tx) => protectAlias(tx, project, name, value));
  }

  delete(project: string, name: string): Promise<boolean> {
    return this.executor.write(async (tx) => {
      const [deleted] = await tx.run(deleteAliasQuery(project, name));
      if (!deleted) throw notFound(`Alias in project '${project}'`, name);
      tx.emit({ type: 'alias.deleted', project, data: { aliasId: deleted.id, name, target: deleted.target ?? null } });
      return true;
    });
  }
}

/**
 * Moves an alias inside the caller's transaction; with `expectedDatumId`, only if the
 * alias still points there (compare-and-set), CONFLICT otherwise. The move is kept as an
 * AliasMove (who, when, from, to, why).
 *
 * Concurrent moves of one alias serialise on its lock, so the lock is held for as little
 * as possible: a first statement reads without locking and refuses an expectation that
 * is already stale (a refused compare-and-set is correct as of that read), then a single
 * statement locks the alias, checks again under the lock and moves it, leaving only the
 * commit between taking the lock and releasing it.
 */
export async function moveAlias(tx: Tx, input: SetAliasInput, principal: Principal): Promise<Entity> {
  const expected = input.expectedDatumId ?? null;
  const [seen] = await tx.run(moveCheckQuery(input.project, input.name, input.datumId));
  if (!seen) throw notFound('Datum', input.datumId, { field: 'datumId' });
  if (seen.project !== input.project) {
    throw badInput(`datumId '${input.datumId}' is in project '${seen.project}'; an alias of '${input.project}' points within its project`, { field: 'datumId' });
  }
  if (expected !== null && expected !== seen.current) throw staleExpectation(input.name, expected, seen.current);
  // A protected alias moves only by an approver (or admin), and only to a datum of an
  // APPROVED model version: production pointers follow the approval workflow.
  const mayMoveProtected = hasRole(principal, 'approver');
  const moveId = randomUUID();
  const [row] = await tx.run(
    moveAliasQuery({
      project: input.project,
      name: input.name,
      datumId: input.datumId,
      expected,
      mayMoveProtected,
      by: principal.name,
      reason: input.reason ?? null,
      id: randomUUID(),
      moveId,
    }),
  );
  // Refusals are thrown, which rolls the transaction back: the revision bump included.
  if (row.refused) {
    requireRole(principal, 'approver', `Moving the protected alias '${input.name}'`);
    throw forbidden(`The protected alias '${input.name}' may point only to a datum of an APPROVED model version; '${input.datumId}' is in none`, { field: 'datumId' });
  }
  if (expected !== null && expected !== row.current) throw staleExpectation(input.name, expected, row.current);
  // pointing an alias where it points already is no move
  if (row.current !== input.datumId) {
    tx.emit({ type: 'alias.moved', project: input.project, data: { aliasId: row.a.id, name: input.name, moveId, from: row.current ?? null, to: input.datumId, reason: input.reason ?? null } });
  }
  return row.a as Entity;
}

const staleExpectation = (name: string, expected: string, current: string | null) =>
  conflict(`Alias '${name}' points to ${current ? `'${current}'` : 'nothing'}, not the expected '${expected}'; read it again and retry`, { field: 'expectedDatumId', current });

/** Marks an alias protected or not (admin). */
export async function protectAlias(tx: Tx, project: string, name: string, value: boolean): Promise<Entity> {
  const [row] = await tx.run(protectAliasQuery(project, name, value));
  if (!row) throw notFound(`Alias in project '${project}'`, name);
  return row.a as Entity;
}
