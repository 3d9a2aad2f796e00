import { MAX_EVENT_BYTES, type ChangeEvent } from '../../domain/events.js';
import { json } from '../../domain/metadata.js';
import type { Query } from '../executor.js';
import { int } from '../records.js';
import { NOW } from './time.js';

/**
 * A transaction's events of one project, appended to the outbox in the order emitted.
 * The project's counter is bumped under its write lock, held until commit, so sequence
 * numbers follow the order commits become visible and have no gaps: a reader that saw
 * the counter at N can read events 1..N and miss none.
 */
export const recordEventsQuery = (project: string, events: Array<{ id: string; type: string; data: string }>, by: string): Query => ({
  cypher: `MERGE (c:EventCounter {project: $project})
ON CREATE SET c.seq = 0
SET c.seq = c.seq + size($events)
WITH c.seq - size($events) AS base
UNWIND range(0, size($events) - 1) AS i
CREATE (:OutboxEvent {id: $events[i].id, project: $project, seq: base + i + 1, type: $events[i].type, at: ${NOW}, by: $by, data: $events[i].data})`,
  params: { project, events, by },
});

/** Every project's last event sequence number (one small node per project). */
export const eventCountersQuery = (): Query => ({
  cypher: 'MATCH (c:EventCounter) RETURN c.project AS project, c.seq AS seq',
  global: "every replica reads every project's events and hands each subscriber those of its token",
});

/** A project's events after `after`, up to `upTo`, in order. */
export const eventsAfterQuery = (project: string, after: number, upTo: number): Query => ({
  cypher: `MATCH (e:OutboxEvent {project: $project}) WHERE e.seq > $after AND e.seq <= $upTo
RETURN e ORDER BY e.seq`,
  params: { project, after: int(after), upTo: int(upTo) },
  global: "every replica reads every project's events and hands each subscriber those of its token",
});

/** The outbox statements of a transaction's events: one per project, each event with a new id and its payload as JSON text. */
export function outboxStatements(events: ChangeEvent[], by: string, newId: () => string): Query[] {
  const byProject = new Map<string, Array<{ id: string; type: string; data: string }>>();
  for (const event of events) {
    const data = json(event.data);
    if (Buffer.byteLength(data) > MAX_EVENT_BYTES) throw new Error(`a ${event.type} event of ${Buffer.byteLength(data)} bytes is past ${MAX_EVENT_BYTES}: its emitter must list ids, not objects`);
    byProject.set(event.project, [...(byProject.get(event.project) ?? []), { id: newId(), type: event.type, data }]);
  }
  return [...byProject].map(([project, list]) => recordEventsQuery(project, list, by));
}
