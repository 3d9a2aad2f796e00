import type { Executor } from '../db/executor.js';
import { eventCountersQuery, eventsAfterQuery } from '../db/cypher/events.js';
import type { StoredEvent } from '../domain/events.js';

type Listener = (event: StoredEvent) => void;

/**
 * Reads the transactional outbox for this process: every few milliseconds it asks each
 * project's event counter and reads the events past what it has seen, in sequence order,
 * and hands them to its listeners (this replica's subscribers). Every replica reads for
 * itself, so a subscriber hears changes made through any replica; nothing is lost between
 * polls because a counter never moves past an event that has not committed, and a poll
 * hands out events only up to the first one it cannot see yet. It starts at
 * the counters' current values: listeners hear what happens after they listen.
 * While no listener is there, a poll reads the counters alone: a replica that serves no
 * subscriber does not read and parse every event of every project.
 */
export class OutboxReader {
  private readonly seen = new Map<string, number>();
  private readonly listeners = new Set<Listener>();
  private readonly watchers = new Set<() => void>();
  /** Whether the last poll saw a counter move: its events may not all have been visible yet. */
  private movedBefore = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly executor: Executor,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Hears that events were added, without them, for what reads them itself (the webhook
   * dispatcher): after each poll that saw a counter move, and after the poll that follows
   * it, when an event whose counter was seen before the event itself has become visible.
   */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => void this.watchers.delete(watcher);
  }

  async start(): Promise<void> {
    for (const { project, seq } of await this.executor.query(eventCountersQuery())) this.seen.set(project, seq);
    this.started = true;
    this.schedule();
  }

  /** Reads now rather than at the next tick (after a local write, say). */
  poke(): Promise<void> {
    return (this.polling ??= this.poll().finally(() => (this.polling = undefined)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  private schedule() {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.poke()
        .catch(this.onError)
        .finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (!this.started) return;
    let moved = false;
    for (const { project, seq } of await this.executor.query(eventCountersQuery())) {
      const after = this.seen.get(project) ?? 0;
      if (seq <= after) continue;
      moved = true;
      if (!this.listeners.size) {
        this.seen.set(project, seq);
        continue;
      }
      const rows = await this.executor.query(eventsAfterQuery(project, after, seq));
      // The counter can be seen before the events of the transaction that moved it (Neo4j
      // reads without snapshots); sequence numbers have no gaps, so stop at the first one
      // not visible yet and read it at the next poll.
      let last = after;
      for (const { e } of rows) {
        if (e.seq !== last + 1) break;
        const event: StoredEvent = { id: e.id, type: e.type, project: e.project, seq: e.seq, at: e.at, by: e.by, data: JSON.parse(e.data) };
        for (const listener of this.listeners) listener(event);
        last = e.seq;
      }
      this.seen.set(project, last);
    }
    if (moved || this.movedBefore) for (const watcher of this.watchers) watcher();
    this.movedBefore = moved;
  }
}
