import type { Query } from '../executor.js';
import { int } from '../records.js';
import { visible } from './scope.js';
import { NOW } from './time.js';

/**
 * Webhooks and their deliveries.
 *
 * `(:Webhook {id, project, url, types, secret, active, cursor, leaseOwner, leaseUntil})`:
 * `cursor` is the last event sequence number of its project that has been queued for it
 * (a new webhook starts at the project's counter, so it hears what commits after it);
 * `leaseOwner`/`leaseUntil` say which replica works through its queue, until when.
 * `(:WebhookDelivery {webhookId, eventId, project, seq, type, status, attempts, …})`, one
 * per event and webhook, is the queue: PENDING deliveries go out in `seq` order, one at a
 * time. Neither carries `:Entity`: `node(id)` never answers them, and the secret is read
 * only by the dispatcher (every statement that answers a client projects the fields it may see).
 */

/** What a client sees of a webhook: never its secret, cursor or lease. */
const SHOWN = 'w {.id, .project, .url, .types, .active, .createdAt, .createdBy, .disabledAt}';
const DISPATCH = 'the webhook dispatcher of each replica delivers the events of every project';
/** The instant `ms` milliseconds after (`before`: before) the transaction's clock. */
const after = (ms: string) => `datetime.transaction() + duration({milliseconds: ${ms}})`;
const before = (ms: string) => `datetime.transaction() - duration({milliseconds: ${ms}})`;

export interface NewWebhook {
  id: string;
  project: string;
  url: string;
  types: string[];
  secret: string;
  by: string;
}

/** A new webhook of a project, queued from the project's current event counter on. */
export const createWebhookQuery = (webhook: NewWebhook): Query => ({
  cypher: `OPTIONAL MATCH (c:EventCounter {project: $project})
CREATE (w:Webhook {id: $id, project: $project, url: $url, types: $types, secret: $secret, active: true, cursor: coalesce(c.seq, 0), createdAt: ${NOW}, createdBy: $by})
RETURN ${SHOWN} AS w`,
  params: { ...webhook },
});

/** A project's webhooks, oldest first. */
export const webhooksQuery = (project: string, first: number): Query => ({
  cypher: `MATCH (w:Webhook {project: $project})
RETURN ${SHOWN} AS w ORDER BY w.createdAt, w.id LIMIT $first`,
  params: { project, first: int(first) },
});

/** One webhook the token may see. */
export const webhookQuery = (id: string): Query => ({
  cypher: `MATCH (w:Webhook {id: $id}) WHERE ${visible('w')} RETURN ${SHOWN} AS w`,
  params: { id },
});

/** Deletes a webhook the token may see, with its deliveries; answers what it was (nothing: there was none). */
export const deleteWebhookQuery = (id: string): Query => ({
  cypher: `MATCH (w:Webhook {id: $id}) WHERE ${visible('w')}
CALL {
  WITH w
  MATCH (d:WebhookDelivery {webhookId: w.id})
  DELETE d
}
WITH w, ${SHOWN} AS shown
DELETE w
RETURN shown AS w`,
  params: { id },
});

/** A page of a webhook's deliveries, newest event first, before the sequence number `before` (null: from the newest). */
export const webhookDeliveriesQuery = (webhookId: string, first: number, before: number | null): Query => ({
  cypher: `MATCH (d:WebhookDelivery {webhookId: $webhookId}) WHERE ${visible('d')} AND ($before IS NULL OR d.seq < $before)
RETURN d {.eventId, .seq, .type, .status, .attempts, .lastStatusCode, .lastError, .deliveredAt, .nextAttemptAt} AS d
ORDER BY d.seq DESC LIMIT $first`,
  params: { webhookId, first: int(first), before: before === null ? null : int(before) },
});

/** How many deliveries a webhook has (finished ones are kept for the event retention period). */
export const webhookDeliveryCountQuery = (webhookId: string): Query => ({
  cypher: `MATCH (d:WebhookDelivery {webhookId: $webhookId}) WHERE ${visible('d')} RETURN count(d) AS n`,
  params: { webhookId },
});

/**
 * For the dispatcher's sweep: every active webhook with what waits for it (events of its
 * project not queued yet, PENDING deliveries), when its oldest PENDING delivery is due
 * (null: at once) and until when another replica holds its queue, all against the
 * database's clock (`now`), so replicas with skewed clocks agree.
 */
export const webhookQueuesQuery = (): Query => ({
  cypher: `MATCH (w:Webhook) WHERE w.active
OPTIONAL MATCH (c:EventCounter {project: w.project})
CALL {
  WITH w
  OPTIONAL MATCH (d:WebhookDelivery {webhookId: w.id, status: 'PENDING'})
  WITH d ORDER BY d.seq LIMIT 1
  RETURN d IS NOT NULL AS hasHead, d.nextAttemptAt AS headDue
}
CALL {
  WITH w
  MATCH (d:WebhookDelivery {webhookId: w.id, status: 'PENDING'})
  RETURN count(d) AS pending
}
RETURN w.id AS id, coalesce(c.seq, 0) - w.cursor AS unqueued, pending, hasHead, headDue, w.leaseUntil AS leaseUntil, datetime.transaction() AS now`,
  global: DISPATCH,
});

/** Takes the webhook's write lock first in every transaction that changes its queue, so claims and their results serialise per webhook. */
export const lockWebhookQuery = (id: string): Query => ({
  cypher: 'MATCH (w:Webhook {id: $id}) SET w.revision = coalesce(w.revision, 0) + 1 RETURN w.active AS active',
  params: { id },
  global: DISPATCH,
});

/**
 * Queues the events of the webhook's project past its cursor (at most `max`), those of
 * its types as PENDING deliveries, and moves the cursor past them. A counter never passes
 * an event that has not committed, but a statement can see a committing transaction's new
 * counter before its event (Neo4j reads without snapshots): sequence numbers have no gaps,
 * so the cursor stops before the first one not visible yet, and the next look queues it.
 */
export const queueEventsQuery = (id: string, max: number): Query => ({
  cypher: `MATCH (w:Webhook {id: $id}) WHERE w.active
MATCH (c:EventCounter {project: w.project}) WHERE c.seq > w.cursor
WITH w, CASE WHEN c.seq < w.cursor + $max THEN c.seq ELSE w.cursor + $max END AS upTo
CALL {
  WITH w, upTo
  MATCH (e:OutboxEvent {project: w.project}) WHERE e.seq > w.cursor AND e.seq <= upTo
  WITH e ORDER BY e.seq
  RETURN collect(e) AS seen
}
WITH w, [i IN range(0, size(seen) - 1) WHERE seen[i].seq = w.cursor + 1 + i | seen[i]] AS ready
CALL {
  WITH w, ready
  UNWIND ready AS e
  WITH w, e WHERE e.type IN w.types
  MERGE (d:WebhookDelivery {webhookId: w.id, eventId: e.id})
  ON CREATE SET d.project = w.project, d.seq = e.seq, d.type = e.type, d.status = 'PENDING', d.attempts = 0, d.createdAt = ${NOW}
  RETURN count(d) AS queued
}
SET w.cursor = w.cursor + size(ready)
RETURN queued`,
  params: { id, max: int(max) },
  global: DISPATCH,
});

/**
 * Claims the webhook's queue for `owner` until `leaseMs` from now, when no other replica
 * holds it and its oldest PENDING delivery is due: answers up to `max` PENDING deliveries
 * in event order with their events (null `data`: the event is no longer stored), and the
 * URL and secret to sign them with. Only the oldest can have been attempted before, so
 * the rest are due with it.
 */
export const claimDeliveriesQuery = (id: string, owner: string, leaseMs: number, max: number): Query => ({
  cypher: `MATCH (w:Webhook {id: $id}) WHERE w.active AND (w.leaseUntil IS NULL OR w.leaseUntil <= datetime.transaction())
CALL {
  WITH w
  MATCH (d:WebhookDelivery {webhookId: w.id, status: 'PENDING'})
  WITH d ORDER BY d.seq LIMIT $max
  RETURN collect(d) AS batch
}
WITH w, batch WHERE size(batch) > 0 AND (batch[0].nextAttemptAt IS NULL OR batch[0].nextAttemptAt <= datetime.transaction())
SET w.leaseOwner = $owner, w.leaseUntil = ${after('$leaseMs')}
WITH w, batch
UNWIND batch AS d
OPTIONAL MATCH (e:OutboxEvent {id: d.eventId})
RETURN w.url AS url, w.secret AS secret, d.eventId AS eventId, d.type AS type, d.attempts AS attempts, d.firstAttemptAt AS firstAttemptAt, e.at AS at, e.data AS data
ORDER BY d.seq`,
  params: { id, owner, leaseMs: int(leaseMs), max: int(max) },
  global: DISPATCH,
});

/** Extends `owner`'s claim while it still holds it; no row: the claim lapsed (another replica may have the queue now). */
export const renewLeaseQuery = (id: string, owner: string, leaseMs: number): Query => ({
  cypher: `MATCH (w:Webhook {id: $id}) WHERE w.leaseOwner = $owner AND w.leaseUntil > datetime.transaction()
SET w.leaseUntil = ${after('$leaseMs')}
RETURN w.id AS id`,
  params: { id, owner, leaseMs: int(leaseMs) },
  global: DISPATCH,
});

export interface AttemptResult {
  eventId: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  /** The answer's HTTP status; null when there was none (timeout, refused address, connection error). */
  statusCode: number | null;
  error: string | null;
  /** When it was sent (ISO); the first attempt's time decides when a failing delivery is given up. */
  attemptedAt: string;
  /** For PENDING: the wait before the next attempt. */
  retryInMs: number | null;
}

/**
 * Writes the outcome of attempts (after `lockWebhookQuery`). A delivery another replica
 * finished meanwhile (its claim had lapsed) keeps that result; an event no longer stored
 * fails its delivery without an attempt (`attempted` false).
 */
export const recordAttemptsQuery = (webhookId: string, results: Array<AttemptResult & { attempted: boolean }>): Query => ({
  cypher: `UNWIND $results AS r
MATCH (d:WebhookDelivery {webhookId: $webhookId, eventId: r.eventId}) WHERE d.status = 'PENDING'
SET d.status = r.status,
  d.attempts = d.attempts + CASE WHEN r.attempted THEN 1 ELSE 0 END,
  d.firstAttemptAt = coalesce(d.firstAttemptAt, datetime(r.attemptedAt)),
  d.lastStatusCode = r.statusCode,
  d.lastError = r.error,
  d.deliveredAt = CASE WHEN r.status = 'DELIVERED' THEN ${NOW} END,
  d.nextAttemptAt = CASE WHEN r.status = 'PENDING' THEN ${after('r.retryInMs')} END,
  d.finishedAt = CASE WHEN r.status <> 'PENDING' THEN ${NOW} END`,
  params: { webhookId, results: results.map((r) => ({ ...r, retryInMs: r.retryInMs === null ? null : int(r.retryInMs) })) },
  global: DISPATCH,
});

/** Gives the queue back (when `owner` still holds it); `disable` (the receiver answered 410 Gone) stops the webhook for good. */
export const releaseWebhookQuery = (id: string, owner: string, disable: boolean): Query => ({
  cypher: `MATCH (w:Webhook {id: $id})
SET w.active = w.active AND NOT $disable, w.disabledAt = CASE WHEN $disable THEN coalesce(w.disabledAt, ${NOW}) ELSE w.disabledAt END
WITH w WHERE w.leaseOwner = $owner
REMOVE w.leaseOwner, w.leaseUntil`,
  params: { id, owner, disable },
  global: DISPATCH,
});

/** Deletes up to `max` deliveries finished longer than `retentionMs` ago; answers how many. */
export const pruneDeliveriesQuery = (retentionMs: number, max: number): Query => ({
  cypher: `MATCH (d:WebhookDelivery) WHERE d.finishedAt < ${before('$retentionMs')}
WITH d LIMIT $max
DELETE d
RETURN count(*) AS pruned`,
  params: { retentionMs: int(retentionMs), max: int(max) },
  global: 'retention applies to every project alike',
});

/**
 * Deletes up to `max` events older than `retentionMs` that no webhook still needs (none
 * PENDING for them, every active webhook of the project queued past them); answers how
 * many. Project counters stay, so sequence numbers never restart.
 */
export const pruneEventsQuery = (retentionMs: number, max: number): Query => ({
  cypher: `MATCH (e:OutboxEvent) WHERE e.at < ${before('$retentionMs')}
  AND NOT EXISTS { MATCH (d:WebhookDelivery {eventId: e.id}) WHERE d.status = 'PENDING' }
  AND NOT EXISTS { MATCH (w:Webhook {project: e.project}) WHERE w.active AND w.cursor < e.seq }
WITH e LIMIT $max
DELETE e
RETURN count(*) AS pruned`,
  params: { retentionMs: int(retentionMs), max: int(max) },
  global: 'retention applies to every project alike',
});
