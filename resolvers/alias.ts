import type { RequestContext } from '../src/context.js';
import { projectField, relatedOne, relatedPage, type Parent } from './shared.js';

const datum = (id: string | null, ctx: RequestContext) => (id ? ctx.loaders.nodeById.load(id) : null);

export const Alias = {
  project: projectField,
  target: relatedOne('aliasTarget'),
  protected: (n: Parent) => n.protected === true,
  history: relatedPage('aliasMoves'),
  consumers: (n: Parent, a: { pointingAt?: string | null; first?: number | null }, ctx: RequestContext) => ctx.services.aliases.consumers(n, a.pointingAt, a.first),
};

export const AliasMove = {
  from: (m: Parent, _: unknown, ctx: RequestContext) => datum(m.from, ctx),
  to: (m: Parent, _: unknown, ctx: RequestContext) => datum(m.to, ctx),
  alias: (m: Parent, _: unknown, ctx: RequestContext) => ctx.loaders.nodeById.load(m.aliasId),
};
