/**
 * Change events: what committed, recorded in the same transaction as the change (the
 * transactional outbox), so an event exists exactly when its change does. Subscriptions
 * and webhooks deliver them; each carries ids and the values that changed, never whole
 * objects, and stays under MAX_EVENT_BYTES.
 */
export const EVENT_TYPES = [
  'alias.moved',
  'alias.deleted',
  'model_version.created',
  'model_version.status_changed',
  'metadata.logged',
  'execution.status_changed',
  'lineage.recorded',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);

/** An event as a mutation emits it; the outbox adds its id, sequence, time and principal. */
export interface ChangeEvent {
  type: EventType;
  project: string;
  data: Record<string, unknown>;
}

/** An event as stored and delivered. */
export interface StoredEvent extends ChangeEvent {
  id: string;
  /** Its place in its project's order of commits: 1, 2, 3, … with no gaps. */
  seq: number;
  at: string;
  by: string;
}

/** The largest payload an event carries; larger changes list ids (capped) and say how many there were. */
export const MAX_EVENT_BYTES = 64 * 1024;

/** At most this many ids of one kind in an event's payload; `…Count` fields say how many there were. */
export const MAX_EVENT_IDS = 1_000;

/** The first ids of a list, and its full length, for a payload that must stay small. */
export const someIds = (ids: string[]) => ({ ids: ids.slice(0, MAX_EVENT_IDS), count: ids.length });
