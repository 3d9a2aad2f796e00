import type { RequestContext } from '../src/context.js';

type Ctx = RequestContext;

/** Webhook administration's root fields (admin; roles in src/domain/roles.ts), spread into Query and Mutation. */
export const webhookQueries = {
  webhooks: (_: unknown, a: { project: string; first?: number | null }, ctx: Ctx) => ctx.services.webhooks.list(a.project, a.first),
  webhookDeliveries: (_: unknown, a: { webhookId: string; first?: number | null; after?: string | null }, ctx: Ctx) =>
    ctx.services.webhooks.deliveries(a.webhookId, a.first, a.after),
};

export const webhookMutations = {
  createWebhook: (_: unknown, a: { project: string; url: string; types: string[] }, ctx: Ctx) => ctx.services.webhooks.create(a.project, a.url, a.types),
  deleteWebhook: (_: unknown, a: { id: string }, ctx: Ctx) => ctx.services.webhooks.delete(a.id),
};
