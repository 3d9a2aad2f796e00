import type { SubscriptionContext } from '../src/context.js';
import { badInput, notFound } from '../src/domain/errors.js';
import { EVENT_TYPES, isEventType, type EventType, type StoredEvent } from '../src/domain/events.js';
import { DESCRIBABLE } from '../src/domain/labels.js';
import { requireProject } from '../src/domain/roles.js';
import { subscribe } from '../src/services/event-hub.js';

type Filter = (event: StoredEvent) => boolean;

/** The events of one project and type that `also` accepts, each resolved with a renewed context. */
function events(ctx: SubscriptionContext, project: string, types: readonly EventType[], also: Filter = () => true): AsyncIterableIterator<StoredEvent> {
  requireProject(ctx.principal, project);
  const source = subscribe(ctx.reader, (e) => e.project === project && types.includes(e.type) && also(e));
  return renewing(ctx, source);
}

/** Passes events on, renewing the context first, so each is resolved against the database as it is. */
function renewing<T>(ctx: SubscriptionContext, source: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
  return {
    async next() {
      const result = await source.next();
      if (!result.done) ctx.renew();
      return result;
    },
    return: () => source.return!(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** One payload per metadata entry an event lists. */
async function* entriesOf(source: AsyncIterableIterator<StoredEvent>): AsyncGenerator<{ entryId: string }> {
  for await (const event of source) for (const entryId of (event.data.entries as { ids: string[] }).ids) yield { entryId };
}

const node = (id: string, ctx: SubscriptionContext) => ctx.loaders.nodeById.load(id);

export const Subscription = {
  events: {
    subscribe: (_: unknown, a: { project: string; types?: string[] | null }, ctx: SubscriptionContext) => {
      const unknown = (a.types ?? []).find((t) => !isEventType(t));
      if (unknown) throw badInput(`types lists event types (${EVENT_TYPES.join(', ')}), got '${unknown}'`, { field: 'types' });
      return events(ctx, a.project, (a.types as EventType[] | null) ?? EVENT_TYPES);
    },
    resolve: (event: StoredEvent) => event,
  },
  aliasMoved: {
    subscribe: (_: unknown, a: { project: string; name?: string | null }, ctx: SubscriptionContext) =>
      events(ctx, a.project, ['alias.moved'], (e) => !a.name || e.data.name === a.name),
    resolve: (e: StoredEvent) => ({ id: e.data.moveId, aliasId: e.data.aliasId, from: e.data.from, to: e.data.to, by: e.by, at: e.at, reason: e.data.reason }),
  },
  modelVersionStatusChanged: {
    subscribe: (_: unknown, a: { project: string; model?: string | null }, ctx: SubscriptionContext) =>
      events(ctx, a.project, ['model_version.status_changed'], (e) => !a.model || (e.data.uri as string).startsWith(`model://${a.model}/`)),
    resolve: async (e: StoredEvent, _: unknown, ctx: SubscriptionContext) => ({
      version: await node(e.data.versionId as string, ctx),
      from: e.data.from,
      to: e.data.to,
      by: e.by,
      at: e.at,
      comment: e.data.comment,
    }),
  },
  metadataLogged: {
    subscribe: async (_: unknown, a: { target: string }, ctx: SubscriptionContext) => {
      const target = await node(a.target, ctx);
      if (!target || !target.labels.some((l) => DESCRIBABLE.includes(l))) throw notFound('Metadata target', a.target, { field: 'target' });
      return entriesOf(events(ctx, target.project, ['metadata.logged'], (e) => e.data.target === a.target));
    },
    resolve: (payload: { entryId: string }, _: unknown, ctx: SubscriptionContext) => node(payload.entryId, ctx),
  },
  executionStatusChanged: {
    subscribe: (_: unknown, a: { project: string }, ctx: SubscriptionContext) => events(ctx, a.project, ['execution.status_changed']),
    resolve: (e: StoredEvent, _: unknown, ctx: SubscriptionContext) => node(e.data.executionId as string, ctx),
  },
};
