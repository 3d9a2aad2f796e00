import type { StoredEvent } from '../domain/events.js';
import type { OutboxReader } from './outbox.js';

/** Most events a slow subscriber may have waiting; past it the subscription ends rather than the process growing. */
export const MAX_QUEUED_EVENTS = 10_000;

/**
 * The events of the outbox as an async iterator for one subscriber: `accept` picks the
 * events it hears (its project, its types), in the order the outbox delivers them.
 */
export function subscribe(reader: OutboxReader, accept: (event: StoredEvent) => boolean): AsyncIterableIterator<StoredEvent> {
  const queue: StoredEvent[] = [];
  let wake: ((result: IteratorResult<StoredEvent>) => void) | undefined;
  let done = false;
  let failure: Error | undefined;
  const finish = () => {
    done = true;
    stop();
    wake?.({ value: undefined, done: true });
    wake = undefined;
  };
  const stop = reader.listen((event) => {
    if (done || !accept(event)) return;
    if (wake) {
      wake({ value: event, done: false });
      wake = undefined;
    } else if (queue.length < MAX_QUEUED_EVENTS) {
      queue.push(event);
    } else {
      failure = new Error(`the subscriber fell more than ${MAX_QUEUED_EVENTS} events behind`);
      finish();
    }
  });
  return {
    next() {
      if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
      if (failure) return Promise.reject(failure);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (wake = resolve));
    },
    return() {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
