import { randomUUID } from 'node:crypto';
import type { Executor } from '../db/executor.js';
import {
  claimDeliveriesQuery,
  lockWebhookQuery,
  pruneDeliveriesQuery,
  pruneEventsQuery,
  queueEventsQuery,
  recordAttemptsQuery,
  releaseWebhookQuery,
  renewLeaseQuery,
  webhookQueuesQuery,
  type AttemptResult,
} from '../db/cypher/webhooks.js';
import { answerOutcome, retryDelayMs, webhookBody, webhookSignature, type AttemptOutcome, type WebhookSettings } from '../domain/webhooks.js';
import type { OutboxReader } from './outbox.js';
import { DestinationRefused, WebhookTransport, type Address, type PostResult, type WebhookDestinations } from './webhook-delivery.js';

/** Told about each attempt and the backlog (metrics). */
export interface WebhookObserver {
  attempt(outcome: AttemptOutcome, seconds: number): void;
  /** From the change's commit to a 2xx answer. */
  delivered(latencySeconds: number): void;
  /** Events waiting for webhooks: queued and not delivered, or not queued yet. */
  backlog(events: number): void;
}

export interface DispatcherOptions extends WebhookSettings {
  retentionMs: number;
  observer?: WebhookObserver;
  onError(message: string, error: unknown): void;
}

/** Deliveries claimed at once: sent one after the other, their outcomes written in one transaction. */
const CLAIM_BATCH = 100;
/** Events queued for a webhook per claim; a webhook far behind catches up claim by claim. */
const QUEUE_BATCH = 1_000;
/** Webhooks this replica delivers to at the same time. */
const MAX_WORKERS = 32;
/** A claim is renewed when less than a request's timeout and this margin is left of it. */
const RENEW_MARGIN_MS = 1_000;
/** Outcomes are written at least this often during a long batch, so a replica that dies sends few events again. */
const RECORD_EVERY_MS = 250;
const PRUNE_BATCH = 10_000;

type Claimed = { url: string; secret: string; eventId: string; type: string; attempts: number; firstAttemptAt: string | null; at: string | null; data: string | null };
type Result = AttemptResult & { attempted: boolean };

/**
 * Delivers change events to webhooks, in every replica at once. What is correct lives in
 * the database: each webhook's cursor into its project's outbox, its queue of deliveries
 * and their outcomes, and the lease that gives one replica its queue at a time, so several
 * replicas never send one event at once and a crashed replica's claim lapses and is taken
 * over. In memory there are only timers: the outbox reader wakes the dispatcher when
 * events commit anywhere, and a poll finds due retries and lapsed claims.
 *
 * Per webhook, deliveries go in event order and only the oldest undelivered one is
 * attempted: a batch stops at the first failure, which is retried with backoff until it is
 * delivered or given up (then the next goes). Delivery is at least once: a replica that
 * dies after sending and before writing the outcome leaves the event to be sent again,
 * with the same webhook-id.
 */
export class WebhookDispatcher {
  private readonly owner = randomUUID();
  private readonly transport = new WebhookTransport();
  private readonly workers = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private sweeping: Promise<void> | undefined;
  private pruning: Promise<unknown> | undefined;
  private again = false;
  private failing = false;
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private unlisten = () => {};

  constructor(
    private readonly executor: Executor,
    private readonly destinations: WebhookDestinations,
    private readonly options: DispatcherOptions,
    private readonly reader?: OutboxReader,
  ) {}

  start(): void {
    // a new event anywhere may be one a webhook waits for: look now rather than at the next poll
    if (this.reader) this.unlisten = this.reader.watch(() => this.wake());
    this.wake();
    this.schedulePrune();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.unlisten();
    clearTimeout(this.timer);
    clearTimeout(this.pruneTimer);
    await this.sweeping;
    // aborted requests end at once; each worker still writes what it finished and gives its claim back
    await Promise.allSettled(this.workers.values());
    await this.pruning;
    this.transport.close();
  }

  /** Looks at the queues now (or once more after the look under way). */
  wake(): void {
    if (this.stopping.signal.aborted) return;
    if (this.sweeping) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.sweeping = this.sweep().finally(() => {
      this.sweeping = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Starts a worker for each webhook with due work and no live claim, and sets the timer for the next due retry or lapsing claim. */
  private async sweep(): Promise<void> {
    let next = this.options.pollMs;
    try {
      const queues = await this.executor.latest(webhookQueuesQuery());
      this.failing = false;
      let backlog = 0;
      for (const q of queues) {
        backlog += q.unqueued + q.pending;
        if (q.unqueued <= 0 && !q.hasHead) continue;
        const now = Date.parse(q.now);
        const leasedFor = q.leaseUntil === null ? 0 : Date.parse(q.leaseUntil) - now;
        const dueIn = q.hasHead && q.headDue !== null ? Date.parse(q.headDue) - now : 0;
        if (leasedFor > 0) next = Math.min(next, leasedFor);
        else if (q.unqueued > 0 || dueIn <= 0) this.work(q.id);
        else next = Math.min(next, dueIn);
      }
      this.options.observer?.backlog(backlog);
    } catch (error) {
      this.failed('could not read the webhook queues', error);
    }
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => this.wake(), Math.max(next, 1));
    this.timer.unref();
  }

  private work(id: string): void {
    if (this.workers.has(id) || this.workers.size >= MAX_WORKERS) return;
    const run = this.drain(id).then(
      () => {
        this.workers.delete(id);
        this.wake();
      },
      // the next poll tries again; waking now would spin while the database refuses
      (error) => {
        this.workers.delete(id);
        this.failed(`could not deliver to webhook ${id}`, error);
      },
    );
    this.workers.set(id, run);
  }

  /** Claims and delivers batch after batch while the webhook has due deliveries and this replica gets its queue. */
  private async drain(id: string): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const claimedAt = Date.now();
      const batch = await this.claim(id);
      if (!batch.length || !(await this.deliver(id, batch, claimedAt))) return;
    }
  }

  /** One transaction: queues the events the webhook has not seen, then claims its oldest PENDING deliveries if they are due. */
  private claim(id: string): Promise<Claimed[]> {
    return this.executor.write(async (tx) => {
      const [webhook] = await tx.run(lockWebhookQuery(id));
      if (!webhook?.active) return [];
      await tx.run(queueEventsQuery(id, QUEUE_BATCH));
      return (await tx.run(claimDeliveriesQuery(id, this.owner, this.options.leaseMs, CLAIM_BATCH))) as Claimed[];
    });
  }

  /**
   * Sends a claimed batch in order until one is not delivered, writes the outcomes and gives
   * the claim back. Answers whether to claim again at once (everything went out).
   */
  private async deliver(id: string, batch: Claimed[], claimedAt: number): Promise<boolean> {
    const { leaseMs, timeoutMs } = this.options;
    const url = new URL(batch[0].url);
    let leaseEnd = claimedAt + leaseMs;
    let addresses: Address[] | undefined;
    let results: Result[] = [];
    let recordedAt = Date.now();
    let disable = false;
    let more = true;
    for (const d of batch) {
      if (results.length && Date.now() - recordedAt > RECORD_EVERY_MS) {
        await this.record(id, results);
        results = [];
        recordedAt = Date.now();
      }
      if (this.stopping.signal.aborted) {
        more = false;
        break;
      }
      // the claim must outlast the request: past it, another replica may send this event too
      if (Date.now() + timeoutMs + RENEW_MARGIN_MS > leaseEnd) {
        const renewing = Date.now();
        if (!(await this.executor.write((tx) => tx.run(renewLeaseQuery(id, this.owner, leaseMs)))).length) {
          more = false;
          break;
        }
        leaseEnd = renewing + leaseMs;
      }
      const attemptedAt = new Date().toISOString();
      if (d.data === null || d.at === null) {
        results.push({ eventId: d.eventId, status: 'FAILED', statusCode: null, error: 'the event is no longer stored (past the retention period)', attemptedAt, retryInMs: null, attempted: false });
        continue;
      }
      // resolved and checked again at delivery (DNS can change), once per batch
      let answer: PostResult;
      try {
        addresses ??= await this.destinations.resolve(url);
        answer = await this.send(url, addresses, d);
      } catch (error) {
        if (!(error instanceof DestinationRefused)) throw error;
        answer = { error: error.message, seconds: 0 };
      }
      if (answer.aborted) {
        more = false;
        break;
      }
      const result = this.outcome(d, answer, attemptedAt);
      results.push(result);
      if (result.status === 'DELIVERED') continue;
      if (answer.status === 410) {
        disable = true;
        more = false;
        break;
      }
      // given up: the next event goes; scheduled again: nothing after it may go first
      if (result.status === 'PENDING') {
        more = false;
        break;
      }
    }
    await this.record(id, results, { release: true, disable });
    return more;
  }

  /** Writes outcomes in one transaction; `release` also gives the claim back (and a 410 disables the webhook). */
  private record(id: string, results: Result[], release?: { release: true; disable: boolean }): Promise<void> {
    return this.executor.write(async (tx) => {
      await tx.run(lockWebhookQuery(id));
      if (results.length) await tx.run(recordAttemptsQuery(id, results));
      if (release) await tx.run(releaseWebhookQuery(id, this.owner, release.disable));
    });
  }

  private send(url: URL, addresses: Address[], d: Claimed): Promise<PostResult> {
    const timestamp = Math.floor(Date.now() / 1000);
    const body = webhookBody(d.type, d.at!, d.data!);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Pedigree-Webhooks',
      'webhook-id': d.eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(d.secret, d.eventId, timestamp, body),
    };
    return this.transport.post(url, addresses, headers, body, this.options.timeoutMs, this.stopping.signal);
  }

  /** What an answer (or its absence) does to the delivery, counted for the metrics. */
  private outcome(d: Claimed, answer: PostResult, attemptedAt: string): Result {
    const observer = this.options.observer;
    const base = { eventId: d.eventId, statusCode: answer.status ?? null, attemptedAt, attempted: true };
    const kind = answer.status === undefined ? 'retry' : answerOutcome(answer.status);
    if (kind === 'delivered') {
      observer?.attempt('delivered', answer.seconds);
      observer?.delivered((Date.now() - Date.parse(d.at!)) / 1000);
      return { ...base, status: 'DELIVERED', error: null, retryInMs: null };
    }
    const error = answer.error ?? `the receiver answered HTTP ${answer.status}${answer.status! >= 300 && answer.status! < 400 ? ' (redirects are not followed)' : ''}`;
    if (kind === 'gone') {
      observer?.attempt('disabled', answer.seconds);
      return { ...base, status: 'FAILED', error: 'the receiver answered 410 Gone: the webhook is disabled', retryInMs: null };
    }
    const delay = retryDelayMs(d.attempts + 1, this.options.backoffMs);
    const first = Date.parse(d.firstAttemptAt ?? attemptedAt);
    if (Date.parse(attemptedAt) + delay - first > this.options.giveUpMs) {
      observer?.attempt('failed', answer.seconds);
      return { ...base, status: 'FAILED', error, retryInMs: null };
    }
    observer?.attempt('retry', answer.seconds);
    return { ...base, status: 'PENDING', error, retryInMs: delay };
  }

  /** Prunes every tenth of the retention period (between a second and ten minutes). */
  private schedulePrune(): void {
    const every = Math.min(Math.max(this.options.retentionMs / 10, 1_000), 600_000);
    this.pruneTimer = setTimeout(() => {
      this.pruning = this.prune()
        .catch((error) => this.options.onError('could not prune old change events and webhook deliveries', error))
        .finally(() => {
          this.pruning = undefined;
          if (!this.stopping.signal.aborted) this.schedulePrune();
        });
    }, every);
    this.pruneTimer.unref();
  }

  /** Deletes finished deliveries and events past the retention period, in transactions of PRUNE_BATCH. */
  private async prune(): Promise<void> {
    for (const query of [pruneDeliveriesQuery, pruneEventsQuery]) {
      let pruned = PRUNE_BATCH;
      while (pruned === PRUNE_BATCH && !this.stopping.signal.aborted) {
        const [row] = await this.executor.write((tx) => tx.run(query(this.options.retentionMs, PRUNE_BATCH)));
        pruned = row.pruned;
      }
    }
  }

  /** Reports the first of a run of failures: while Neo4j is away, every poll would say the same. */
  private failed(message: string, error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.options.onError(message, error);
  }
}
